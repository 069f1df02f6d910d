// Attribution on a real SQLite file: requests written by the console's own repository (their attempts carry the
// timestamps the runner writes), two priced servers (one with an agent that ran nothing) and a GPU rental (the
// rentals table's stand-in) in another currency. Each agent's cost is shared by busy seconds; the shares plus the
// idle part equal the ledger's total for the period within a cent, per client, batch, agent and request.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY, openCostsFixture, type CostsFixture } from '../../../test-harness/console/costs-fixture.js';

let f: CostsFixture;
afterEach(() => f?.close());

const at = (hhmm: string) => Date.parse(`2026-11-10T${hhmm}:00.000Z`);

function request(id: string, clientLabel: string | null) {
  return { id, path: `/media/${id}.jpg`, fileName: `${id}.jpg`, bytes: 1000, sha256: id.padEnd(64, '0'), mediaKind: 'image' as const, analyses: null, options: {}, clientLabel, idempotencyKey: `key-${id}`, pinnedAgentId: null };
}

/** One attempt of a request on an agent, started and ended at the given times (ended: null = still running). */
function attempt(requestId: string, agent: { id: string; name: string }, from: string, to: string | null, outcome: 'done' | 'failed' = 'done') {
  f.clock.ms = at(from);
  const attemptId = f.requests.startAttempt(requestId, agent);
  if (to === null) return;
  f.clock.ms = at(to);
  f.requests.endAttempt(attemptId, outcome, outcome === 'failed' ? { code: 'AGENT_UNREACHABLE', message: 'gone' } : null);
}

let agentA: { id: string; name: string };
let agentGpu: { id: string; name: string };
let serverA = '';
let serverB = '';

beforeEach(async () => {
  f = openCostsFixture('2026-11-10T00:00:00.000Z');
  await f.costs.saveSettings({ displayCurrency: 'EUR', rates: { USD: 0.9 }, monthlyBudget: null, dailyBudget: null });
  serverA = f.addServer('vps-a');
  serverB = f.addServer('vps-b');
  agentA = f.agents.upsert({ serverId: serverA, name: 'agent-a', baseUrl: 'https://a.example.test' });
  f.agents.upsert({ serverId: serverB, name: 'agent-b', baseUrl: 'https://b.example.test' });
  agentGpu = f.agents.upsert({ serverId: null, name: 'gpu-4090', baseUrl: 'https://gpu.example.test', kind: 'rented', costClass: 'per-second' });
  // November has 30 days: vps-a costs 1 EUR a day, vps-b 2 EUR; the GPU 1 USD/h = 0.90 EUR/h.
  await f.costs.setServerPrice({ serverId: serverA, monthlyPrice: 30, currency: 'EUR' });
  await f.costs.setServerPrice({ serverId: serverB, monthlyPrice: 60, currency: 'EUR' });
  f.rentals.put({ rentalId: 'rent-1', agentId: agentGpu.id, label: 'RTX 4090 · 4711', state: 'running', dphTotalUsd: 1, storageDphUsd: 0.05 });
  f.costs.tick();

  f.requests.createBatch({ id: 'batch-1', label: 'acme stills', clientLabel: 'acme', target: { kind: 'fleet' }, skipped: [], requests: [request('r1', 'acme'), request('r2', 'acme'), request('r3', 'acme')] });
  f.requests.createBatch({ id: 'batch-2', label: 'globex clip', clientLabel: 'globex', target: { kind: 'fleet' }, skipped: [], requests: [request('r4', 'globex')] });
  f.requests.createBatch({ id: 'batch-3', label: 'untagged', clientLabel: null, target: { kind: 'fleet' }, skipped: [], requests: [request('r5', null)] });
  attempt('r1', agentA, '10:00', '10:30');
  attempt('r2', agentA, '10:15', '11:15');
  attempt('r3', agentGpu, '12:00', '12:10', 'failed'); // then sent elsewhere: both agents carry part of it
  attempt('r3', agentA, '12:10', '12:40');
  attempt('r4', agentGpu, '12:00', '13:00');
  attempt('r5', agentGpu, '20:00', null); // still running at midnight

  // Ticks every 10 minutes through the day.
  f.clock.ms = at('00:00');
  while (f.clock.ms < at('00:00') + DAY) {
    f.clock.advance(10 * 60_000);
    f.costs.tick();
  }
});

/** The ledger's own total for a whole day (entries lie inside days), converted as the operator set it. */
function ledgerTotalEur(fromMs: number, toMs: number): number {
  const rows = f.db.prepare('SELECT currency, SUM(amount) AS amount FROM cost_entries WHERE from_ms >= ? AND from_ms < ? GROUP BY currency').all(fromMs, toMs) as Array<{ currency: string; amount: number }>;
  return rows.reduce((s, r) => s + r.amount * (r.currency === 'USD' ? 0.9 : 1), 0);
}

describe('attribution by busy seconds', () => {
  it('shares each agent’s day among its requests; an agent that ran nothing is idle; everything adds up to the ledger', () => {
    const day = f.costs.attribution({ from: '2026-11-10T00:00:00.000Z', to: '2026-11-11T00:00:00.000Z' });
    const gpuCost = 24 * 0.9;
    expect(day.total).toEqual({ amount: expect.closeTo(1 + 2 + gpuCost, 9), currency: 'EUR' });
    expect(Math.abs(day.total.amount - ledgerTotalEur(at('00:00'), at('00:00') + DAY))).toBeLessThan(0.005);

    const byAgent = new Map(day.byAgent.map((a) => [a.label, a]));
    expect(byAgent.get('vps-b')).toMatchObject({ cost: { amount: expect.closeTo(2, 9) }, attributed: { amount: 0 }, idle: { amount: expect.closeTo(2, 9) }, requests: 0, agents: [{ name: 'agent-b' }] });
    expect(byAgent.get('vps-a')).toMatchObject({ busySeconds: 7200, requests: 3, idle: { amount: 0 } });
    // The GPU: r3's failed 10 min, r4's hour, r5's four hours still running at midnight.
    expect(byAgent.get('RTX 4090 · 4711')).toMatchObject({ busySeconds: 600 + 3600 + 14_400, requests: 3, agents: [{ id: agentGpu.id, name: 'gpu-4090' }] });
    expect(day.idle.amount).toBeCloseTo(2, 9);

    const share = new Map(day.byRequest.map((r) => [r.requestId, r.cost.amount]));
    const gpuBusy = 600 + 3600 + 14_400;
    expect(share.get('r1')).toBeCloseTo(1 * (1800 / 7200), 9);
    expect(share.get('r2')).toBeCloseTo(1 * (3600 / 7200), 9);
    expect(share.get('r3')).toBeCloseTo(1 * (1800 / 7200) + gpuCost * (600 / gpuBusy), 9);
    expect(share.get('r4')).toBeCloseTo(gpuCost * (3600 / gpuBusy), 9);
    expect(share.get('r5')).toBeCloseTo(gpuCost * (14_400 / gpuBusy), 9);
    expect(day.requestCount).toBe(5);

    const sum = (xs: Array<{ cost: { amount: number } }>) => xs.reduce((s, x) => s + x.cost.amount, 0);
    for (const grouping of [day.byRequest, day.byClient, day.byBatch]) expect(Math.abs(sum(grouping) + day.idle.amount - day.total.amount)).toBeLessThan(0.01);
    // Costliest first: the untagged request ran four GPU hours.
    expect(day.byClient.map((c) => [c.clientLabel, c.requests])).toEqual([
      [null, 1],
      ['globex', 1],
      ['acme', 3],
    ]);
    expect(new Map(day.byClient.map((c) => [c.clientLabel, c.cost.amount])).get('acme')).toBeCloseTo(share.get('r1')! + share.get('r2')! + share.get('r3')!, 9);
    expect(day.byBatch.find((b) => b.batchId === 'batch-1')).toMatchObject({ label: 'acme stills', clientLabel: 'acme', requests: 3 });
    for (const x of [day.total, day.idle, ...day.byRequest.map((r) => r.cost), ...day.byAgent.map((a) => a.cost)]) expect(x.currency).toBe('EUR');
  });

  it('a part of a day takes the part of each entry and of each attempt inside it', () => {
    const hour = f.costs.attribution({ from: '2026-11-10T10:00:00.000Z', to: '2026-11-10T11:00:00.000Z' });
    expect(hour.total.amount).toBeCloseTo(1 / 24 + 2 / 24 + 0.9, 9);
    // In that hour: r1 its 30 minutes, r2 45 of its 60; the GPU ran nothing and is idle with vps-b.
    const share = new Map(hour.byRequest.map((r) => [r.requestId, r.cost.amount]));
    expect(share.get('r1')).toBeCloseTo((1 / 24) * (1800 / 4500), 9);
    expect(share.get('r2')).toBeCloseTo((1 / 24) * (2700 / 4500), 9);
    expect(hour.idle.amount).toBeCloseTo(2 / 24 + 0.9, 9);
    expect(hour.attributed.amount + hour.idle.amount).toBeCloseTo(hour.total.amount, 9);
  });

  it('the month so far, and a period that ends before it starts is refused', () => {
    const month = f.costs.attribution({});
    expect(Math.abs(month.total.amount - ledgerTotalEur(Date.parse('2026-11-01T00:00:00.000Z'), f.clock.ms))).toBeLessThan(0.005);
    expect(Math.abs(month.attributed.amount - month.byRequest.reduce((s, r) => s + r.cost.amount, 0))).toBeLessThan(0.005);
    expect(() => f.costs.attribution({ from: '2026-11-10T11:00:00.000Z', to: '2026-11-10T10:00:00.000Z' })).toThrow(expect.objectContaining({ code: 'COSTS_BAD_PERIOD' }));
    expect(() => f.costs.attribution({ from: '2026-11-10T11:00:00.000Z' })).toThrow(expect.objectContaining({ code: 'COSTS_BAD_PERIOD' }));
  });
});
