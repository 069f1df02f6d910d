// The budget decides before any call reaches Vast.ai: at 100 % of the monthly budget a rental is refused with
// BUDGET_EXHAUSTED and the fake's request log stays empty; raising the budget lifts the stop. The spend is a VPS
// server's monthly price accrued over a day of a manual clock (a real SQLite store, the console core as the
// shells build it, the fake Vast.ai).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test-harness/console/costs-fixture.js';
import { startFakeVast, type FakeVast } from '../../../test-harness/vast/fake-vast.js';
import { configureVast, openRentalConsole } from '../../../test-harness/vast/rental-test-console.js';
import type { ConsoleCore } from '../console-core.js';
import { ServersRepository } from '../fleet/servers-repository.js';

let fake: FakeVast;
let core: ConsoleCore;
let dir: string;
const clock = new ManualClock(Date.parse('2026-11-10T00:00:00Z'));

beforeAll(async () => {
  fake = await startFakeVast({ seed: 5, clockSpeed: 1, rateLimitScale: 0 });
  dir = mkdtempSync(join(tmpdir(), 'mf-rental-budget-'));
  core = openRentalConsole({ dir, fakeUrl: fake.url, extra: { now: clock.now } });
  await configureVast(core, fake.apiKey);
});
afterAll(async () => {
  await core?.close();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function ok<T>(method: string, input: unknown): Promise<T> {
  const answer = await core.invoke(method, input);
  if (!answer.ok) throw new Error(`${method}: ${answer.error.code} ${answer.error.message}`);
  return answer.data as T;
}

describe('the budget and rentals', () => {
  it('refuses a rental at 100 % before any call to Vast.ai, and rents again once the budget is raised', async () => {
    const serverId = randomUUID();
    new ServersRepository(core.db).insert({ id: serverId, name: 'vps-1', host: '192.0.2.10', port: 22, user: 'root', authKind: 'key', hostKeyFingerprint: null, createdAt: clock.now().toISOString() });
    // 30 USD a month in a 30-day November: 1 USD a day. A 0.50 USD budget is spent after half a day.
    await ok('costs:server-price-set', { serverId, monthlyPrice: 30, currency: 'USD' });
    await ok('costs:settings-set', { displayCurrency: 'USD', monthlyBudget: 0.5 });
    clock.advance(24 * 3600_000);
    core.costs.accrueNow();
    expect(core.costs.budget.status().allowsRental).toBe(false);

    fake.log.clear();
    const refused = await core.invoke('vast:rent', { offerId: 1, diskGb: 32, filters: { verifiedOnly: false } });
    expect(refused).toMatchObject({ ok: false, error: { code: 'BUDGET_EXHAUSTED' } });
    expect(fake.log.entries).toEqual([]);
    expect(await ok<unknown[]>('vast:rentals', {})).toEqual([]);

    // Raised: the rental gets past the budget and reaches Vast (an offer that does not exist, so nothing is rented).
    await ok('costs:settings-set', { displayCurrency: 'USD', monthlyBudget: 100 });
    expect(core.costs.budget.status().allowsRental).toBe(true);
    const started = await ok<{ operationId: string }>('vast:rent', { offerId: 999_999_999, diskGb: 32, filters: { verifiedOnly: false }, maxAttempts: 1 });
    expect(await core.operations.settled(started.operationId)).toBe('failed');
    expect(fake.log.count({ endpoint: 'create' })).toBeGreaterThan(0);
    expect(fake.liveInstances()).toEqual([]);
  }, 60_000);
});
