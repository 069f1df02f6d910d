// The agents contract: which agents the console can talk to, adding and removing one by URL, how the dispatcher
// sees each, and the built-in agent's state.
import { addAgent, dispatchState, listAgents, localAgentStatus, removeAgent, type AgentDispatchState, type LocalAgentState } from '../contracts/agents.js';
import type { MethodRegistry } from '../registry/method-registry.js';
import type { AgentDirectory } from './agent-directory.js';
import type { AgentRegistration } from './agent-registration.js';

export function registerAgentMethods(
  registry: MethodRegistry,
  deps: { directory: AgentDirectory; registration: AgentRegistration; localAgentState: () => LocalAgentState; dispatchState: () => AgentDispatchState[] },
): void {
  registry.implement(listAgents, () => deps.directory.list());
  registry.implement(addAgent, (input) => deps.registration.add(input));
  registry.implement(removeAgent, async ({ agentId }) => ({ removed: await deps.registration.remove(agentId) }));
  registry.implement(dispatchState, () => deps.dispatchState());
  registry.implement(localAgentStatus, () => deps.localAgentState());
}
