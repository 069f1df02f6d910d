// Contract of the agents' models as the console sees them: what each agent has installed or could fetch
// (`GET /v1/models`), and pulling one onto an agent as an operation of kind 'model-pull' (progress from the
// agent's own download, cancellable; followed through the operations contract).
import { z } from 'zod';
import { defineInvoke, OperationStarted } from './define.js';

const AgentId = z.string().min(1).max(100).default('local');

export const AgentModel = z.object({
  id: z.string(),
  kind: z.enum(['managed', 'packaged']),
  analysis: z.string(),
  runtime: z.string(),
  description: z.string().nullable(),
  installed: z.boolean(),
  /** Bytes on disk, or the download's size for a model not installed (null when its manifest does not say). */
  bytes: z.number().nullable(),
  /** A pull running on the agent now. */
  pulling: z.boolean(),
});
export type AgentModel = z.infer<typeof AgentModel>;

export const listAgentModels = defineInvoke('models:list', {
  input: z.object({ agentId: AgentId }),
  output: z.array(AgentModel),
  readOnly: true,
});

export const pullAgentModel = defineInvoke('models:pull', {
  input: z.object({ agentId: AgentId, modelId: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'a model id').max(100) }),
  output: OperationStarted,
});

export const modelsContract = {
  [listAgentModels.name]: listAgentModels,
  [pullAgentModel.name]: pullAgentModel,
};
