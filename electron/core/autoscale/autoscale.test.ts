// The automatic scaler: its rule and the backlog as arithmetic, then on the fake Vast.ai with a real agent in the
// instance, the console core as the shells build it (a real SQLite file) and a manual console clock. A forecast
// over the budget refuses with no create reaching the fake; a backlog over M rents one instance (never a second
// while one is in flight); N caps it; the idle policy then uses K; each change is one decision row with figures,
// and a refusal repeated by later ticks is not written again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test-harness/console/costs-fixture.js';
import type { FakeVast } from '../../../test-harness/vast/fake-vast.js';
import { configureVast, destroyLeftovers, openRentalConsole, startFakeVastWithAgents } from '../../../test-harness/vast/rental-test-console.js';
import type { ConsoleCore } from '../console-core.js';
import type { AutoscaleDecision, AutoscalePolicy } from '../contracts/autoscale.js';
import type { RentalView } from '../contracts/vast.js';
import { expectedBacklog } from '../dispatch/backlog.js';
import { RequestRepository } from '../requests/request-repository.js';
import { VastClient } from '../vast/vast-client.js';
import { decideTick, type TickFacts } from './autoscale-decision.js';

const policy: AutoscalePolicy = { enabled: true, maxInstances: 2, filters: { verifiedOnly: false }, backlogMinutes: 5, idleMinutes: 20, diskGb: 32 };
const facts: TickFacts = { backlogMinutes: 12, openRentals: 0, rentInFlight: false, budgetRefusal: null, forecast: 40, limit: 100, currency: 'USD', remainingHours: 100 };
const offer = { offerId: 7, usdPerHour: 0.4, displayPerHour: 0.4 };

describe('decideTick', () => {
  it('rents when every check passes, with the figures it decided on', () => {
    expect(decideTick(policy, facts)).toMatchObject({ kind: 'need-offer' });
    const d = decideTick(policy, facts, offer);
    expect(d).toMatchObject({ kind: 'rent', offer, figures: { backlogMinutes: 12, thresholdMinutes: 5, openRentals: 0, forecast: 40, forecastWithNew: 80, limit: 100, offerId: 7, offerUsdPerHour: 0.4 } });
  });

  it('does nothing under the threshold, while off, or while a rent is in flight', () => {
    expect(decideTick(policy, { ...facts, backlogMinutes: 5 }).kind).toBe('none');
    expect(decideTick({ ...policy, enabled: false }, facts).kind).toBe('none');
    expect(decideTick(policy, { ...facts, rentInFlight: true }).kind).toBe('none');
  });

  it('refuses with its reason: N reached, budget spent, forecast over the limit (before or with the offer), no offer', () => {
    expect(decideTick(policy, { ...facts, openRentals: 2 })).toMatchObject({ kind: 'refuse', code: 'MAX_INSTANCES' });
    expect(decideTick(policy, { ...facts, budgetRefusal: 'the budget is spent.' })).toMatchObject({ kind: 'refuse', code: 'BUDGET_EXHAUSTED' });
    expect(decideTick(policy, { ...facts, forecast: 100 })).toMatchObject({ kind: 'refuse', code: 'FORECAST_OVER_BUDGET' });
    // 40 + 0.61 × 100 h = 101 > 100.
    expect(decideTick(policy, facts, { ...offer, displayPerHour: 0.61 })).toMatchObject({ kind: 'refuse', code: 'FORECAST_OVER_BUDGET', figures: { forecastWithNew: 101 } });
    expect(decideTick(policy, facts, null)).toMatchObject({ kind: 'refuse', code: 'NO_OFFER' });
    // No budget: nothing to exceed.
    expect(decideTick(policy, { ...facts, limit: null, forecast: 1e6 }, offer).kind).toBe('rent');
  });
});

describe('expectedBacklog', () => {
  const agent = (id: string, up: boolean, workers: number, video: number, audio: number) => ({ id, up, workers, secondsPerItem: (k: string) => (k === 'video' ? video : k === 'audio' ? audio : 1) });
  it('spreads the unfinished items over the healthy agents at their seconds per item ÷ workers', () => {
    // Video: 1/60 + 2/30 = 5/60 items/s → 30 videos take 360 s; audio: 1/20 + 2/10 = 0.25/s → 30 take 120 s.
    const fleet = [agent('cpu', true, 1, 60, 20), agent('gpu', true, 2, 30, 10), agent('down', false, 8, 1, 1)];
    expect(expectedBacklog({ video: 30, audio: 30 }, fleet)).toEqual({ minutes: 8, items: { video: 30, audio: 30 }, healthyAgents: 2 });
    expect(expectedBacklog({}, fleet).minutes).toBe(0);
  });
  it('counts work with no healthy agent at the default seconds per item, one worker', () => {
    expect(expectedBacklog({ video: 2 }, [agent('down', false, 4, 1, 1)]).minutes).toBe(1.5);
  });
});

/** Videos queued in a running batch; with no healthy agent each counts 45 s (the default): 10 are 7.5 min of backlog. */
function queueVideos(on: ConsoleCore, count: number): void {
  new RequestRepository(on.db).createBatch({
    id: 'burst-1',
    label: 'burst',
    clientLabel: null,
    target: { kind: 'fleet' },
    skipped: [],
    requests: Array.from({ length: count }, (_, i) => ({ id: `v${i}`, path: `/media/v${i}.mp4`, fileName: `v${i}.mp4`, bytes: 1000, sha256: `${i}`.padEnd(64, '0'), mediaKind: 'video' as const, analyses: null, options: {}, clientLabel: null, idempotencyKey: `k${i}`, pinnedAgentId: null })),
  });
}

describe('the scaler on the fake Vast.ai', () => {
  let fake: FakeVast;
  let vast: VastClient;
  let core: ConsoleCore;
  let dir: string;
  const clock = new ManualClock(Date.parse('2026-11-10T09:00:00Z'));

  beforeAll(async () => {
    ({ fake, vast } = await startFakeVastWithAgents({ seed: 41 }));
    dir = mkdtempSync(join(tmpdir(), 'mf-autoscale-'));
    core = openRentalConsole({ dir, fakeUrl: fake.url, extra: { now: clock.now } });
    await configureVast(core, fake.apiKey);
    queueVideos(core, 10);
  }, 60_000);
  afterAll(async () => {
    await core?.close();
    if (fake) {
      await destroyLeftovers(fake, vast);
      await fake.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function ok<T>(method: string, input: unknown, readOnly = false): Promise<T> {
    const answer = await core.invoke(method, input, { readOnly });
    if (!answer.ok) throw new Error(`${method}: ${answer.error.code} ${answer.error.message}`);
    return answer.data as T;
  }
  const rentals = async () => ok<RentalView[]>('vast:rentals', { includeEnded: false });
  const decisions = async () => ok<AutoscaleDecision[]>('autoscale:decisions', {}, true);

  it('the policy: read-only may read it, not set it; a filter out of range is refused and nothing is saved', async () => {
    expect(await ok('autoscale:policy', {}, true)).toMatchObject({ enabled: false, updatedAt: null });
    const readOnly = await core.invoke('autoscale:set-policy', { ...policy, maxInstances: 1 }, { readOnly: true });
    expect(readOnly.ok).toBe(false);
    const bad = await core.invoke('autoscale:set-policy', { ...policy, filters: { minReliability: 2 } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'VAST_FILTER_OUT_OF_RANGE' } });
    expect(await ok('autoscale:policy', {}, true)).toMatchObject({ enabled: false, updatedAt: null });
    expect(await core.autoscale.tick()).toBeNull();
    expect(await decisions()).toEqual([]);
  });

  it('refuses when the forecast with the new instance would pass the budget, with no create sent to Vast.ai', async () => {
    // A 1 USD monthly budget: nothing spent yet, but any offer's $/h for the 20 days left is more.
    await ok('costs:settings-set', { displayCurrency: 'USD', monthlyBudget: 1 });
    await ok('autoscale:set-policy', { ...policy, maxInstances: 1 });
    fake.log.clear();
    const refused = await core.autoscale.tick();
    expect(refused).toMatchObject({ action: 'refuse', reasonCode: 'FORECAST_OVER_BUDGET', figures: { backlogMinutes: 7.5, thresholdMinutes: 5, openRentals: 0, limit: 1, currency: 'USD' } });
    expect(refused!.figures.forecastWithNew).toBeGreaterThan(1);
    expect(refused!.figures.offerUsdPerHour).toBeGreaterThan(0);
    expect(fake.log.count({ endpoint: 'create' })).toBe(0);
    // The same refusal at the next ticks is not written again.
    expect(await core.autoscale.tick()).toBeNull();
    expect(await core.autoscale.tick()).toBeNull();
    expect((await decisions()).length).toBe(1);
    expect(fake.log.count({ endpoint: 'create' })).toBe(0);
    expect(await rentals()).toEqual([]);
    expect(core.audit.list({ limit: 20 }).some((e) => e.action === 'autoscale.refuse')).toBe(true);
  });

  it('a backlog over M rents one instance (none more while it is in flight), then N caps it', async () => {
    await ok('costs:settings-set', { displayCurrency: 'USD', monthlyBudget: 1000 });
    const rent = await core.autoscale.tick();
    expect(rent).toMatchObject({ action: 'rent', reasonCode: 'RENTED', figures: { backlogMinutes: 7.5, openRentals: 0, limit: 1000 } });
    expect(rent!.figures.forecastWithNew).toBeLessThan(1000);
    expect(rent!.operationId).toBeTruthy();
    // In flight: the next tick rents nothing and writes nothing.
    expect(await core.autoscale.tick()).toBeNull();
    expect(await core.operations.settled(rent!.operationId!)).toBe('succeeded');
    expect(fake.log.count({ endpoint: 'create' })).toBe(1);
    const [rental] = await rentals();
    expect(rental).toMatchObject({ state: 'running', offerId: rent!.figures.offerId });

    const capped = await core.autoscale.tick();
    expect(capped).toMatchObject({ action: 'refuse', reasonCode: 'MAX_INSTANCES', figures: { openRentals: 1, maxInstances: 1 } });
    expect(await core.autoscale.tick()).toBeNull();
    expect(fake.log.count({ endpoint: 'create' })).toBe(1);
    expect(fake.liveInstances()).toHaveLength(1);
  }, 120_000);

  it('the idle policy uses K while the policy is on, and its destroy is a decision', async () => {
    // K = 20 min; the rental service's own idle limit is 10 min (its default), which would have destroyed it at 19.
    const [rental] = await rentals();
    clock.advance(19 * 60_000);
    expect(await core.rentals.applyIdlePolicy()).toEqual([]);
    clock.advance(2 * 60_000);
    const gone = await core.rentals.applyIdlePolicy();
    expect(gone.map((d) => d.rentalId)).toEqual([rental!.rentalId]);
    expect(fake.liveInstances()).toEqual([]);

    const all = await decisions();
    expect(all.map((d) => `${d.action}:${d.reasonCode}`)).toEqual(['destroy:IDLE', 'refuse:MAX_INSTANCES', 'rent:RENTED', 'refuse:FORECAST_OVER_BUDGET']);
    expect(all[0]).toMatchObject({ rentalId: rental!.rentalId, figures: { idleMinutes: 20, openRentals: 0 } });
    expect(all[0]!.message).toMatch(/idle for 21 min \(the idle limit is 20 min\)/);
    expect(core.audit.list({ limit: 50 }).filter((e) => e.action.startsWith('autoscale.')).map((e) => e.action)).toEqual([
      'autoscale.destroy',
      'autoscale.refuse',
      'autoscale.rent',
      'autoscale.refuse',
      'autoscale.policy-saved',
    ]);
  }, 60_000);

  it('an error on the way (here: no Vast.ai key) is a refusal with its code, written once, and nothing reaches Vast.ai', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'mf-autoscale-nokey-'));
    const other = openRentalConsole({ dir: otherDir, fakeUrl: fake.url });
    try {
      queueVideos(other, 10);
      expect((await other.invoke('autoscale:set-policy', policy)).ok).toBe(true);
      fake.log.clear();
      expect(await other.autoscale.tick()).toMatchObject({ action: 'refuse', reasonCode: 'VAST_NOT_CONFIGURED', figures: { backlogMinutes: 7.5 } });
      expect(await other.autoscale.tick()).toBeNull();
      expect(other.autoscale.decisions(10)).toHaveLength(1);
      expect(fake.log.entries).toEqual([]);
    } finally {
      await other.close();
      rmSync(otherDir, { recursive: true, force: true });
    }
  });
});
