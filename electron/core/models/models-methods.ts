// The models contract: an agent's models, and pulling one onto it (an operation).
import { listAgentModels, pullAgentModel } from '../contracts/models.js';
import type { MethodRegistry } from '../registry/method-registry.js';
import type { ModelPullService } from './model-pull-service.js';

export function registerModelMethods(registry: MethodRegistry, deps: { models: ModelPullService }): void {
  registry.implement(listAgentModels, ({ agentId }) => deps.models.list(agentId));
  registry.implement(pullAgentModel, ({ agentId, modelId }) => deps.models.pull(agentId, modelId));
}
