// What every test:vast run checks at its end, through the console's public methods and the fake's own view of
// the account (what vast.ai's web console would show), never the rental service's internals:
// - no instance is alive on the fake that no open rental of the console tracks (by instance id or by label);
// - every rental the console calls destroyed is gone: destroyed on the fake and absent from its listing;
// - every dispatcher request ended (done, failed or canceled: none lost) and none was done twice.
import type { ConsoleCore } from '../../electron/core/console-core.js';
import type { AnalysisRequest, RequestAttempt } from '../../electron/core/contracts/requests.js';
import type { RentalView } from '../../electron/core/contracts/vast.js';
import type { FakeVast } from './fake-vast.js';

export async function invokeOk<T>(core: ConsoleCore, method: string, input: unknown): Promise<T> {
  const answer = await core.invoke(method, input);
  if (!answer.ok) throw new Error(`${method}: ${answer.error.code} ${answer.error.message}`);
  return answer.data as T;
}

export function allRentals(core: ConsoleCore): Promise<RentalView[]> {
  return invokeOk<RentalView[]>(core, 'vast:rentals', { includeEnded: true, limit: 1000 });
}

const openStates = new Set(['intent', 'creating', 'create-unknown', 'booting', 'running', 'destroying']);

/** Problems found; empty when the account and the console agree. */
export async function rentalProblems(core: ConsoleCore, fake: FakeVast, listedIds: number[]): Promise<string[]> {
  const problems: string[] = [];
  const rentals = await allRentals(core);
  // Every live instance counts, whatever its label: in these runs only the console rents.
  for (const instance of fake.liveInstances()) {
    const tracked = rentals.some((r) => openStates.has(r.state) && (r.instanceId === instance.id || (r.instanceId === null && r.label === instance.label)));
    if (!tracked) problems.push(`instance ${instance.id} (${instance.label}, ${instance.actualStatus}) is alive and no open rental tracks it`);
  }
  for (const r of rentals) {
    if (r.state !== 'destroyed' || r.instanceId === null) continue;
    const instance = fake.instances.get(r.instanceId);
    if (!instance || instance.destroyedAtMs === null) problems.push(`rental ${r.rentalId} says destroyed (${r.endReason}) but instance ${r.instanceId} is alive`);
    if (listedIds.includes(r.instanceId)) problems.push(`rental ${r.rentalId} says destroyed but instance ${r.instanceId} is still listed`);
  }
  return problems;
}

export interface RequestFacts {
  total: number;
  done: number;
  failed: number;
  problems: string[];
}

/** Every request of the console: ended, and done at most once (one done attempt, one result). */
export async function requestFacts(core: ConsoleCore): Promise<RequestFacts> {
  const requests = await invokeOk<AnalysisRequest[]>(core, 'requests:list', { limit: 10_000 });
  const problems: string[] = [];
  let done = 0;
  let failed = 0;
  for (const r of requests) {
    const { history } = await invokeOk<{ history: RequestAttempt[] }>(core, 'requests:get', { requestId: r.requestId });
    const doneAttempts = history.filter((a) => a.outcome === 'done').length;
    if (!['done', 'failed', 'canceled'].includes(r.state)) problems.push(`request ${r.fileName} is still ${r.state}`);
    if (r.state === 'done') {
      done++;
      if (doneAttempts !== 1) problems.push(`request ${r.fileName} is done with ${doneAttempts} done attempts`);
      const result = await core.invoke('requests:result', { requestId: r.requestId });
      if (!result.ok) problems.push(`request ${r.fileName} is done without a result (${result.error.code})`);
    } else if (doneAttempts > 0) problems.push(`request ${r.fileName} is ${r.state} but has a done attempt`);
    if (r.state === 'failed') {
      failed++;
      if (!r.error) problems.push(`request ${r.fileName} failed without a reason`);
    }
  }
  return { total: requests.length, done, failed, problems };
}
