// Test helpers: calling the console contract as the UI does, through `core.invoke` and its envelopes.
import type { ConsoleCore } from '../../electron/core/console-core.js';
import type { Envelope, OperationEvent } from '../../electron/core/contracts/define.js';
import type { OperationRecord } from '../../electron/core/contracts/operations.js';

/** The data of an ok envelope; an error envelope fails the test with its code and message. */
export function data<T>(r: Envelope<unknown>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.data as T;
}

/** Starts an operation (provision:start, deploy:agent, ssl:enable, ...), waits for its end, returns its record and events. */
export async function runContractOperation(core: ConsoleCore, method: string, input: unknown) {
  const { operationId } = data<{ operationId: string }>(await core.invoke(method, input));
  await core.operations.settled(operationId);
  const run = data<OperationRecord>(await core.invoke('operations:status', { operationId }));
  const events = data<OperationEvent[]>(await core.invoke('operations:events', { operationId, afterSeq: -1 }));
  return { operationId, run, events, last: events.at(-1)! };
}
