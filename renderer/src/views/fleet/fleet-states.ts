// What a server is doing, in the words the Fleet view shows: from its health, its agent's health and the
// operations running on it. A server added a moment ago has no health yet and is "new", not missing.
import type { HealthState } from '../../../../electron/core/contracts/health.js';
import type { OperationKind } from '../../../../electron/core/contracts/operations.js';

export type ServerState = 'new' | 'provisioning' | 'deploying' | 'changing' | 'agent up' | 'agent down' | 'unreachable' | 'no agent';

export function serverStateOf(input: { serverHealth?: HealthState; agentHealth?: HealthState; runningKind?: OperationKind | null }): ServerState {
  if (input.runningKind) return input.runningKind === 'provision' ? 'provisioning' : input.runningKind === 'deploy' ? 'deploying' : 'changing';
  if (input.agentHealth) return input.agentHealth.up ? 'agent up' : 'agent down';
  if (!input.serverHealth) return 'new';
  return input.serverHealth.up ? 'no agent' : 'unreachable';
}

export const serverStateTone = (state: ServerState): 'ok' | 'warn' | 'bad' | 'info' =>
  state === 'agent up' ? 'ok' : state === 'agent down' || state === 'unreachable' ? 'bad' : state === 'no agent' ? 'warn' : 'info';

/** "2 of 4 workers busy", from the dispatcher's view of the agent. */
export const busyText = (inFlight: number, workers: number): string => `${Math.min(inFlight, workers)} of ${workers} busy`;
