// Test helpers: calling the console contract as the UI does, through `core.invoke` and its envelopes.
import type { ConsoleCore } from '../console-core.js';
import type { Envelope, OperationEvent } from '../contracts/define.js';

/** The data of an ok envelope; an error envelope fails the test with its code and message. */
export function data<T>(r: Envelope<unknown>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.data as T;
}

export interface OperationStep {
  stepId: string;
  status: string;
  alreadySatisfied: boolean;
  error: string | null;
}

/** Starts an operation (provision:start, deploy:agent, ssl:enable, ...), waits for its end, returns its state and events. */
export async function runContractOperation(core: ConsoleCore, method: string, input: unknown) {
  const { operationId } = data<{ operationId: string }>(await core.invoke(method, input));
  await core.provision.settled(operationId);
  const run = data<{ status: string; kind: string; steps: OperationStep[] }>(await core.invoke('provision:status', { operationId }));
  const events = data<OperationEvent[]>(await core.invoke('provision:events', { operationId, afterSeq: -1 }));
  return { operationId, run, events, last: events.at(-1)! };
}
