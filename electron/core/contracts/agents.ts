// Contract of the agents the console talks to: the built-in "This computer" agent (its process state arrives on
// the 'agents:local' channel) and every registered agent (deployed by the console). Face search, benchmarks,
// tokens, model pulls and analysis all name an agent by the id listed here.
import { z } from 'zod';
import { defineEvent, defineInvoke } from './define.js';

export const localAgentId = 'local';

export const AgentSummary = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['local', 'registered']),
  baseUrl: z.string().nullable(),
  /** How the console came to know it: This computer, deployed onto a server, added by URL, or a rented GPU. */
  origin: z.enum(['local', 'deployed', 'manual', 'rented']).default('local'),
  /** Fixed-cost (This computer, servers) or per-second (rented GPUs): the dispatcher prefers fixed on a tie. */
  costClass: z.enum(['fixed', 'per-second']).default('fixed'),
  /** The server it runs on, when the console deployed it. */
  serverId: z.string().nullable().default(null),
});
export type AgentSummary = z.infer<typeof AgentSummary>;

/** Agents the console can talk to: "This computer" (when this console runs it) and every registered agent. */
export const listAgents = defineInvoke('agents:list', {
  input: z.object({}).default({}),
  output: z.array(AgentSummary),
  readOnly: true,
});

/**
 * Registers an agent the console did not deploy (installed by hand, or the front agent of a cluster): it is checked
 * first (reachable, answers as a Mediafleet agent, accepts the token) and refused with the reason otherwise.
 */
export const addAgent = defineInvoke('agents:add', {
  input: z.object({
    name: z.string().trim().min(1).max(100),
    url: z.url({ protocol: /^https?$/ }).max(2048),
    /** An agent token (submit scope runs analyses; admin also allows benchmarks, faces and token administration). */
    token: z.string().trim().min(8).max(500),
  }),
  output: AgentSummary,
});

export const removeAgent = defineInvoke('agents:remove', {
  input: z.object({ agentId: z.string().min(1).max(100) }),
  output: z.object({ removed: z.boolean() }),
});

/** Each agent as the dispatcher sees it now: up or why not, what is in flight, its window and speeds. */
export const AgentDispatchState = z.object({
  agentId: z.string(),
  name: z.string(),
  up: z.boolean(),
  reason: z.string().nullable(),
  costClass: z.enum(['fixed', 'per-second']),
  analyses: z.array(z.string()).nullable(),
  workers: z.number().int(),
  inFlight: z.number().int(),
  window: z.number().int(),
  secondsPerItem: z.record(z.string(), z.object({ seconds: z.number(), source: z.enum(['measured', 'benchmark', 'default']) })),
  bytesPerSecond: z.number().nullable(),
});
export type AgentDispatchState = z.infer<typeof AgentDispatchState>;

export const dispatchState = defineInvoke('agents:dispatch-state', {
  input: z.object({}).default({}),
  output: z.array(AgentDispatchState),
  readOnly: true,
});

export const LocalAgentState = z.object({
  state: z.enum(['starting', 'running', 'stopped', 'failed', 'unavailable']),
  url: z.string().nullable(),
  message: z.string().nullable(),
});
export type LocalAgentState = z.infer<typeof LocalAgentState>;

/** The built-in "This computer" agent. */
export const localAgentStatus = defineInvoke('agents:local-status', {
  input: z.object({}).default({}),
  output: LocalAgentState,
  readOnly: true,
});

export const localAgentEvent = defineEvent('agents:local', LocalAgentState);

export const agentsContract = {
  [listAgents.name]: listAgents,
  [addAgent.name]: addAgent,
  [removeAgent.name]: removeAgent,
  [dispatchState.name]: dispatchState,
  [localAgentStatus.name]: localAgentStatus,
};
