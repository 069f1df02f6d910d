// The ledger on a real SQLite file with a manual clock: a VPS month accrues to the cent (a 30-day month's day is
// 1/30 of the price), a GPU rental is billed by its state (running at dph_total, stopped at the storage rate,
// nothing once gone), a clock that jumps back or forward never counts time twice or negative, two console
// processes on one file never bill a span twice, and the ledger's rows cannot be changed or removed.
import { afterEach, describe, expect, it } from 'vitest';
import { DAY, HOUR, openCostsFixture, type CostsFixture } from '../../../test-harness/console/costs-fixture.js';
import { monthSpanOf } from './calendar.js';

let f: CostsFixture;
afterEach(() => f?.close());

/** What the ledger holds for a source over all time, in its own currency. */
const totalOf = (kind: 'vps' | 'gpu', id: string) => f.costs.ledger.entriesOf(kind, id).reduce((s, e) => s + e.amount, 0);
const cents = (n: number) => Math.round(n * 100) / 100;

async function pricedServer(name: string, monthlyPrice: number, currency = 'EUR'): Promise<string> {
  const id = f.addServer(name);
  await f.costs.setServerPrice({ serverId: id, monthlyPrice, currency });
  return id;
}

describe('VPS servers: the monthly price spread over the calendar month by the second', () => {
  it('a 12 EUR server in a 30-day month costs 0.40 EUR a day and 12.00 EUR for the month', async () => {
    f = openCostsFixture('2026-11-01T00:00:00.000Z');
    await f.costs.saveSettings({ displayCurrency: 'EUR', rates: { USD: 0.9 }, monthlyBudget: null, dailyBudget: null });
    const id = await pricedServer('vps-a', 12);

    f.clock.advance(DAY);
    f.costs.tick();
    expect(totalOf('vps', id)).toBeCloseTo(0.4, 10);
    expect(f.costs.summary().days.slice(0, 2)).toEqual([
      { day: '2026-11-01', vps: { amount: expect.closeTo(0.4, 10), currency: 'EUR' }, gpu: { amount: 0, currency: 'EUR' } },
      { day: '2026-11-02', vps: { amount: 0, currency: 'EUR' }, gpu: { amount: 0, currency: 'EUR' } },
    ]);

    // Ticks every 10 s for an hour: an hour is 12/720 EUR whatever the number of ticks.
    for (let i = 0; i < 360; i++) {
      f.clock.advance(10_000);
      f.costs.tick();
    }
    expect(totalOf('vps', id)).toBeCloseTo(0.4 + 12 / 720, 10);
    // A fixed price needs no 10 s grain: entries of 5 minutes (12 in that hour), not 360.
    expect(f.costs.ledger.entriesOf('vps', id).length).toBe(1 + 12);

    // To the month's end, in uneven steps that cross midnights: exactly the price, every entry inside one day.
    while (f.clock.ms < Date.parse('2026-12-01T00:00:00.000Z')) {
      f.clock.ms = Math.min(Date.parse('2026-12-01T00:00:00.000Z'), f.clock.ms + 7 * HOUR + 13_000);
      f.costs.tick();
    }
    const november = f.costs.summary('2026-11');
    expect(cents(november.monthToDate.vps.amount)).toBe(12);
    expect(november.monthToDate.vps.amount).toBeCloseTo(12, 9);
    expect(november.days).toHaveLength(30);
    for (const d of november.days) expect(d.vps.amount).toBeCloseTo(0.4, 9);
    for (const e of f.costs.ledger.entriesOf('vps', id)) expect(Math.floor(e.fromMs / DAY)).toBe(Math.floor((e.toMs - 1) / DAY));

    // December has 31 days: a day there is 12/31 EUR.
    f.clock.advance(DAY);
    f.costs.tick();
    expect(f.costs.summary('2026-12').monthToDate.vps.amount).toBeCloseTo(12 / 31, 10);
  });

  it('a price change bills the time before it at the old price and after it at the new one', async () => {
    f = openCostsFixture('2026-06-01T00:00:00.000Z'); // June: 30 days
    await f.costs.saveSettings({ displayCurrency: 'EUR', rates: { USD: 0.9 }, monthlyBudget: null, dailyBudget: null });
    const id = await pricedServer('vps-a', 30);
    f.clock.advance(2 * DAY);
    f.costs.tick();
    await f.costs.setServerPrice({ serverId: id, monthlyPrice: 60, currency: 'EUR' });
    f.clock.advance(DAY);
    f.costs.tick();
    expect(totalOf('vps', id)).toBeCloseTo(2 * 1 + 2, 10);
    // No price: metering stops (the meter closes), nothing more is billed.
    await f.costs.setServerPrice({ serverId: id, monthlyPrice: null, currency: 'EUR' });
    f.clock.advance(5 * DAY);
    f.costs.tick();
    expect(totalOf('vps', id)).toBeCloseTo(4, 10);
    expect(f.costs.summary().sources.find((s) => s.sourceId === id)?.state).toBe('closed');
  });
});

describe('GPU rentals: running seconds × dph_total, stopped seconds × the storage rate', () => {
  const rental = { rentalId: 'rent-1', agentId: null, label: 'RTX 4090 · 4711', dphTotalUsd: 0.5, storageDphUsd: 0.02, vastInstanceId: 4711 };

  it('running → stopped → running → gone, each change accrued just before it (as the rentals code does)', () => {
    f = openCostsFixture('2026-11-10T08:00:00.000Z');
    f.rentals.put({ ...rental, state: 'running' });
    f.costs.tick();
    const change = (state: 'running' | 'stopped' | 'gone') => {
      f.costs.accrueNow();
      f.rentals.update('rent-1', { state });
      f.costs.tick();
    };
    f.clock.advance(HOUR);
    change('stopped');
    f.clock.advance(2 * HOUR);
    change('running');
    f.clock.advance(HOUR / 2);
    change('gone');
    const entries = f.costs.ledger.entriesOf('gpu', 'rent-1');
    expect(entries.map((e) => [e.kind, (e.toMs - e.fromMs) / HOUR, e.rate])).toEqual([
      ['gpu-running', 1, 0.5],
      ['gpu-stopped', 2, 0.02],
      ['gpu-running', 0.5, 0.5],
    ]);
    expect(totalOf('gpu', 'rent-1')).toBeCloseTo(0.5 + 0.04 + 0.25, 10);
    // Gone is gone: days later nothing more is billed.
    f.clock.advance(3 * DAY);
    f.costs.tick();
    expect(totalOf('gpu', 'rent-1')).toBeCloseTo(0.79, 10);
    expect(f.costs.summary().sources.find((s) => s.sourceId === 'rent-1')).toMatchObject({ state: 'closed', spent: { currency: 'USD' } });
  });

  it('a change only observed at a tick bills the span at the state held before it; a known end time caps the last span', () => {
    f = openCostsFixture('2026-11-10T08:00:00.000Z');
    f.rentals.put({ ...rental, state: 'running' });
    f.costs.tick();
    f.clock.advance(10_000);
    f.rentals.update('rent-1', { state: 'stopped' });
    f.costs.tick(); // the 10 s before this tick are billed as running: the meter cannot know when it stopped
    f.clock.advance(HOUR);
    // Destroyed 20 minutes ago, seen now: billed up to its end, not up to now.
    f.rentals.update('rent-1', { state: 'gone', endedAtMs: f.clock.ms - HOUR / 3 });
    f.costs.tick();
    const entries = f.costs.ledger.entriesOf('gpu', 'rent-1');
    expect(entries.map((e) => [e.kind, e.toMs - e.fromMs])).toEqual([
      ['gpu-running', 10_000],
      ['gpu-stopped', (2 * HOUR) / 3],
    ]);
    expect(totalOf('gpu', 'rent-1')).toBeCloseTo((0.5 * 10) / 3600 + (0.02 * 2) / 3, 12);
  });

  it('a rental first seen already gone is never billed; one that drops out of the list is closed', () => {
    f = openCostsFixture('2026-11-10T08:00:00.000Z');
    f.rentals.put({ ...rental, rentalId: 'never', state: 'gone' });
    f.rentals.put({ ...rental, state: 'running' });
    f.costs.tick();
    f.clock.advance(HOUR);
    f.rentals.rentals.delete('rent-1');
    f.costs.tick();
    f.clock.advance(HOUR);
    f.costs.tick();
    expect(f.costs.ledger.entriesOf('gpu', 'never')).toEqual([]);
    expect(totalOf('gpu', 'rent-1')).toBeCloseTo(0.5, 10);
  });
});

describe('a clock that jumps', () => {
  it('back: nothing is counted twice or negative; forward (a laptop that slept): the slept time once', async () => {
    f = openCostsFixture('2026-11-10T20:00:00.000Z');
    await f.costs.saveSettings({ displayCurrency: 'EUR', rates: { USD: 0.9 }, monthlyBudget: null, dailyBudget: null });
    const server = await pricedServer('vps-a', 30); // 1 EUR a day in November
    f.rentals.put({ rentalId: 'rent-1', agentId: null, label: 'gpu', state: 'running', dphTotalUsd: 1, storageDphUsd: 0.1 });
    f.costs.tick();
    f.clock.advance(HOUR);
    f.costs.accrueNow();
    const before = { vps: totalOf('vps', server), gpu: totalOf('gpu', 'rent-1') };
    expect(before.gpu).toBeCloseTo(1, 10);

    // Back two hours (a clock corrected, a VM restored), ticking as it comes forward again.
    f.clock.advance(-2 * HOUR);
    for (let i = 0; i < 12; i++) {
      f.clock.advance(10 * 60_000);
      f.costs.tick();
      f.costs.accrueNow();
    }
    // Now back where it was: not a cent more.
    expect(totalOf('vps', server)).toBeCloseTo(before.vps, 12);
    expect(totalOf('gpu', 'rent-1')).toBeCloseTo(before.gpu, 12);

    // Asleep for 9 hours across midnight, then one tick on waking: the 9 hours once, cut at midnight.
    f.clock.advance(9 * HOUR);
    f.costs.tick();
    f.costs.tick();
    f.costs.accrueNow();
    expect(totalOf('gpu', 'rent-1')).toBeCloseTo(before.gpu + 9, 10);
    expect(totalOf('vps', server)).toBeCloseTo(before.vps + 9 / 24, 10);

    for (const [kind, id] of [['vps', server], ['gpu', 'rent-1']] as const) {
      const entries = f.costs.ledger.entriesOf(kind, id);
      for (const [i, e] of entries.entries()) {
        expect(e.amount).toBeGreaterThanOrEqual(0);
        expect(e.toMs).toBeGreaterThan(e.fromMs);
        // Spans follow one another without overlapping: no second of it is billed twice.
        if (i > 0) expect(e.fromMs).toBe(entries[i - 1]!.toMs);
      }
    }
    const sleptGpu = f.costs.ledger.entriesOf('gpu', 'rent-1').slice(-2);
    expect(sleptGpu.map((e) => new Date(e.fromMs).toISOString())).toEqual(['2026-11-10T21:00:00.000Z', '2026-11-11T00:00:00.000Z']);
  });

  it('two console processes on one store ticking at the same moments bill every span once', async () => {
    f = openCostsFixture('2026-11-10T00:00:00.000Z');
    const other = f.secondProcess();
    f.rentals.put({ rentalId: 'rent-1', agentId: null, label: 'gpu', state: 'running', dphTotalUsd: 2, storageDphUsd: 0.1 });
    f.costs.tick();
    other.costs.tick();
    for (let i = 0; i < 30; i++) {
      f.clock.advance(60_000);
      other.costs.tick();
      f.costs.tick();
    }
    expect(totalOf('gpu', 'rent-1')).toBeCloseTo(1, 10);
  });
});

describe('append-only', () => {
  it('the store refuses to change or remove a ledger entry', async () => {
    f = openCostsFixture('2026-11-10T00:00:00.000Z');
    f.rentals.put({ rentalId: 'rent-1', agentId: null, label: 'gpu', state: 'running', dphTotalUsd: 2, storageDphUsd: 0.1 });
    f.costs.tick();
    f.clock.advance(HOUR);
    f.costs.tick();
    expect(() => f.db.prepare('UPDATE cost_entries SET amount = 0').run()).toThrow(/append-only/);
    expect(() => f.db.prepare('DELETE FROM cost_entries').run()).toThrow(/append-only/);
    expect(totalOf('gpu', 'rent-1')).toBeCloseTo(2, 10);
    expect(monthSpanOf(f.clock.ms).fromMs).toBe(Date.parse('2026-11-01T00:00:00.000Z'));
  });
});
