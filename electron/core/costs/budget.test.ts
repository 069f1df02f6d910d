// The budget on a real SQLite file with a manual clock and a real local HTTP server as the operator's webhook:
// alerts at 50, 80 and 100 % are raised once per period each (audit entry, event, webhook POST with a JSON
// body), a webhook that refuses is on record, `allowsRental()` turns false at 100 % and true again once the
// budget is raised, a daily budget has its own alerts per day, and the month-end forecast adds the servers'
// rest of the month to the current GPU burn.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, openCostsFixture, type CostsFixture } from '../../../test-harness/console/costs-fixture.js';
import { forecastMonthEnd } from './forecast.js';

interface Received {
  path: string;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

let server: http.Server;
let base = '';
const received: Received[] = [];
let answerStatus = 204;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
      res.writeHead(answerStatus).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let f: CostsFixture;
afterEach(() => {
  f?.close();
  received.length = 0;
  answerStatus = 204;
});

/** A GPU at 1 USD/h billed in USD: spend in dollars equals hours. */
function gpuAtOneDollarAnHour(): void {
  f.rentals.put({ rentalId: 'rent-1', agentId: null, label: 'RTX 4090', state: 'running', dphTotalUsd: 1, storageDphUsd: 0.02 });
  f.costs.tick();
}

async function hours(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    f.clock.advance(HOUR);
    f.costs.tick();
  }
  await f.costs.budget.settled();
}

const auditActions = () => (f.db.prepare("SELECT action, detail_json FROM audit_log WHERE action LIKE 'costs.budget%' ORDER BY id").all() as Array<{ action: string; detail_json: string }>).map((r) => ({ action: r.action, ...(JSON.parse(r.detail_json) as object) }));

describe('monthly budget alerts', () => {
  it('raises 50, 80 and 100 % once each, with an audit entry, an event and a webhook POST; then rentals stop until the budget is raised', async () => {
    f = openCostsFixture('2026-11-10T00:00:00.000Z');
    await f.costs.saveSettings({ displayCurrency: 'USD', rates: {}, monthlyBudget: 10, dailyBudget: null, webhookUrl: `${base}/hooks/budget?token=abc` });
    gpuAtOneDollarAnHour();

    await hours(4);
    expect(f.alerts).toEqual([]);
    expect(f.costs.budget.allowsRental()).toBe(true);
    await hours(1); // 5 USD of 10
    expect(f.alerts.map((a) => a.threshold)).toEqual([50]);
    await hours(3); // 8
    await hours(1); // 9
    expect(f.alerts.map((a) => a.threshold)).toEqual([50, 80]);
    expect(f.costs.budget.allowsRental()).toBe(true);
    await hours(1); // 10: the whole budget
    expect(f.alerts.map((a) => a.threshold)).toEqual([50, 80, 100]);
    expect(f.costs.budget.allowsRental()).toBe(false);
    expect(() => f.costs.budget.assertAllowsRental()).toThrow(expect.objectContaining({ code: 'BUDGET_EXHAUSTED' }));
    // Ticks go on: nothing is raised twice in the month.
    await hours(5);
    expect(f.alerts).toHaveLength(3);

    expect(received.map((r) => [r.path, r.contentType, r.body.threshold])).toEqual([
      ['/hooks/budget?token=abc', 'application/json', 50],
      ['/hooks/budget?token=abc', 'application/json', 80],
      ['/hooks/budget?token=abc', 'application/json', 100],
    ]);
    expect(received[2]!.body).toMatchObject({ event: 'mediafleet.budget-alert', period: 'month', periodKey: '2026-11', spent: { amount: expect.closeTo(10, 6), currency: 'USD' }, budget: { amount: 10, currency: 'USD' } });
    expect(auditActions().map((a) => [a.action, (a as { threshold?: number }).threshold])).toEqual([
      ['costs.budget-alert', 50],
      ['costs.budget-alert', 80],
      ['costs.budget-alert', 100],
    ]);
    const summary = f.costs.summary();
    expect(summary.alerts.map((a) => [a.threshold, a.webhook])).toEqual([
      [100, 'sent'],
      [80, 'sent'],
      [50, 'sent'],
    ]);
    expect(summary.budget).toMatchObject({ allowsRental: false, monthPercent: expect.closeTo(150, 6), refusal: expect.stringMatching(/budget of 10 USD is spent/) });

    // Raising the budget lifts the stop at once; the month's alerts were raised already and stay once.
    await f.costs.saveSettings({ displayCurrency: 'USD', rates: {}, monthlyBudget: 40, dailyBudget: null });
    expect(f.costs.budget.allowsRental()).toBe(true);
    await hours(5); // 20 of 40: 50 % again, but raised already this month
    expect(f.alerts).toHaveLength(3);

    // A new month is a new period.
    f.clock.ms = Date.parse('2026-12-01T00:00:00.000Z');
    f.costs.tick();
    await hours(20);
    expect(f.alerts.map((a) => [a.periodKey, a.threshold])).toEqual([
      ['2026-11', 50],
      ['2026-11', 80],
      ['2026-11', 100],
      ['2026-12', 50],
    ]);
  });

  it('a budget lowered below what is spent raises its alerts when saved; a webhook that refuses is on record', async () => {
    f = openCostsFixture('2026-11-10T00:00:00.000Z');
    answerStatus = 500;
    await f.costs.saveSettings({ displayCurrency: 'USD', rates: {}, monthlyBudget: 100, dailyBudget: null, webhookUrl: `${base}/fails` });
    gpuAtOneDollarAnHour();
    await hours(6);
    expect(f.alerts).toEqual([]);
    await f.costs.saveSettings({ displayCurrency: 'USD', rates: {}, monthlyBudget: 7, dailyBudget: null });
    await f.costs.budget.settled();
    expect(f.alerts.map((a) => a.threshold)).toEqual([50, 80]);
    expect(received).toHaveLength(2);
    expect(f.costs.summary().alerts.map((a) => [a.webhook, a.webhookError])).toEqual([
      ['failed', 'the webhook answered HTTP 500'],
      ['failed', 'the webhook answered HTTP 500'],
    ]);
    expect(auditActions().filter((a) => a.action === 'costs.budget-webhook-failed')).toHaveLength(2);
  });
});

describe('daily budget', () => {
  it('alerts per day and stops rentals for the rest of the day', async () => {
    f = openCostsFixture('2026-11-10T00:00:00.000Z');
    await f.costs.saveSettings({ displayCurrency: 'USD', rates: {}, monthlyBudget: null, dailyBudget: 4 });
    gpuAtOneDollarAnHour();
    await hours(4);
    expect(f.alerts.map((a) => [a.period, a.periodKey, a.threshold])).toEqual([
      ['day', '2026-11-10', 50],
      ['day', '2026-11-10', 80],
      ['day', '2026-11-10', 100],
    ]);
    expect(f.costs.budget.allowsRental()).toBe(false);
    expect(f.costs.budget.status().refusal).toMatch(/Today's budget/);
    // The next day starts with nothing spent.
    await hours(20);
    expect(f.costs.budget.allowsRental()).toBe(true);
    await hours(2);
    expect(f.alerts.map((a) => a.periodKey)).toEqual(['2026-11-10', '2026-11-10', '2026-11-10', '2026-11-11']);
    expect(f.alerts).toHaveLength(4);
  });
});

describe('forecast of the month’s end', () => {
  it('the servers for the rest of the month plus the GPUs at their current burn', async () => {
    f = openCostsFixture('2026-11-01T00:00:00.000Z');
    await f.costs.saveSettings({ displayCurrency: 'EUR', rates: { USD: 0.5 }, monthlyBudget: 1000, dailyBudget: null });
    const a = f.addServer('vps-a');
    const b = f.addServer('vps-b');
    await f.costs.setServerPrice({ serverId: a, monthlyPrice: 30, currency: 'EUR' });
    f.clock.ms = Date.parse('2026-11-10T00:00:00.000Z');
    f.costs.tick();
    // vps-b priced from the 10th; a GPU running since the 10th at 2 USD/h (1 EUR/h), another stopped (0.2 USD/h).
    await f.costs.setServerPrice({ serverId: b, monthlyPrice: 60, currency: 'EUR' });
    f.rentals.put({ rentalId: 'g1', agentId: null, label: 'g1', state: 'running', dphTotalUsd: 2, storageDphUsd: 0.1 });
    f.rentals.put({ rentalId: 'g2', agentId: null, label: 'g2', state: 'stopped', dphTotalUsd: 3, storageDphUsd: 0.2 });
    f.costs.tick();
    f.clock.ms = Date.parse('2026-11-11T00:00:00.000Z');
    f.costs.tick();

    const { forecast, monthToDate } = f.costs.summary();
    // So far: vps-a 10 days (10 EUR), vps-b 1 day (2 EUR), g1 24 h (24 EUR), g2 24 h × 0.1 EUR (2.40 EUR).
    expect(monthToDate.vps.amount).toBeCloseTo(12, 9);
    expect(monthToDate.gpu.amount).toBeCloseTo(26.4, 9);
    // The rest: 20 days of both servers (20 + 40 EUR), 480 h of 1.1 EUR/h.
    expect(forecast).toEqual({
      fixed: { amount: expect.closeTo(12 + 60, 9), currency: 'EUR' },
      gpuSoFar: { amount: expect.closeTo(26.4, 9), currency: 'EUR' },
      gpuRest: { amount: expect.closeTo(480 * 1.1, 9), currency: 'EUR' },
      gpuBurnPerHour: { amount: expect.closeTo(1.1, 9), currency: 'EUR' },
      total: { amount: expect.closeTo(72 + 26.4 + 528, 9), currency: 'EUR' },
    });
    // A month that is over has no forecast.
    expect(f.costs.summary('2026-10').forecast).toBeNull();
  });

  it('at the month’s last instant the forecast is what was spent', () => {
    const end = Date.parse('2026-12-01T00:00:00.000Z');
    const last = forecastMonthEnd({ nowMs: end - 1, vpsSoFar: 5, gpuSoFar: 7, vpsMonthlyPrices: [30], gpuBurnPerHour: 2 });
    expect(last.total).toBeCloseTo(12, 4); // one millisecond of burn is left
    const mid = forecastMonthEnd({ nowMs: Date.parse('2026-11-16T00:00:00.000Z'), vpsSoFar: 15, gpuSoFar: 0, vpsMonthlyPrices: [30], gpuBurnPerHour: 0.5 });
    expect(mid).toEqual({ fixed: 30, gpuSoFar: 0, gpuRest: 15 * 24 * 0.5, total: 30 + 180, remainingHours: 360 });
  });
});
