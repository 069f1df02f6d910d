// The Costs contract through the console core's one pipeline (real store, real vault, schemas on both sides):
// settings with their checks (currency codes, a rate for every currency in use), the webhook kept in the vault
// and shown by its origin only, server prices, the summary and attribution answers as the renderer gets them,
// the budget alert event, and a read-only console that reads all of it and changes none of it.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConsoleCore } from '../console-core.js';
import type { CostAttribution, CostSettings, CostsSummary } from '../contracts/costs.js';
import { secretNames } from '../secrets/secret-vault.js';
import { data } from '../../../test-harness/console/contract-calls.js';
import { ManualClock, StandInRentals } from '../../../test-harness/console/costs-fixture.js';
import { openTestCore } from '../../../test-harness/console/test-core.js';

let dir = '';
let core: ConsoleCore;
let clock: ManualClock;
let rentals: StandInRentals;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mf-costs-core-'));
  clock = new ManualClock(Date.parse('2026-11-10T00:00:00.000Z'));
  rentals = new StandInRentals();
  core = openTestCore(dir, { now: clock.now, requests: { run: false }, costs: { gpuMeters: rentals } });
});
afterEach(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

const readOnly = { readOnly: true };

function addServer(name: string): string {
  const id = randomUUID();
  core.fleet.servers.insert({ id, name, host: `${name}.example.test`, port: 22, user: 'root', authKind: 'key', hostKeyFingerprint: null, createdAt: clock.now().toISOString() });
  return id;
}

describe('costs settings', () => {
  it('start in USD with no budget; refuse bad codes and a missing rate, keeping what was saved', async () => {
    const initial = data<CostSettings>(await core.invoke('costs:settings-get', {}));
    expect(initial).toMatchObject({ displayCurrency: 'USD', rates: {}, ratesNeeded: [], monthlyBudget: null, webhook: { configured: false, origin: null } });

    expect(await core.invoke('costs:settings-set', { displayCurrency: 'eur', monthlyBudget: 100 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'displayCurrency' } });
    expect(await core.invoke('costs:settings-set', { displayCurrency: 'EUR', monthlyBudget: -5 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'monthlyBudget' } });
    expect(await core.invoke('costs:settings-set', { displayCurrency: 'EUR', monthlyBudget: 100, webhookUrl: 'ftp://x.example' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'webhookUrl' } });
    // Showing EUR needs to know what a Vast dollar is worth.
    const noRate = await core.invoke('costs:settings-set', { displayCurrency: 'EUR', monthlyBudget: 100 });
    expect(noRate).toMatchObject({ ok: false, error: { code: 'COSTS_RATE_MISSING', message: expect.stringMatching(/1 USD .* EUR.*Vast\.ai bills in USD/) } });
    expect(data<CostSettings>(await core.invoke('costs:settings-get', {}))).toEqual(initial);
  });

  it('keep the webhook URL in the vault and show only its origin; audit the change without it', async () => {
    const url = 'https://hooks.example.test/services/T000/B000/s3cr3tpath';
    const saved = data<CostSettings>(await core.invoke('costs:settings-set', { displayCurrency: 'EUR', rates: { USD: 0.92 }, monthlyBudget: 250, dailyBudget: 20, webhookUrl: url }));
    expect(saved).toMatchObject({
      displayCurrency: 'EUR',
      rates: { USD: 0.92 },
      ratesNeeded: ['USD'],
      monthlyBudget: { amount: 250, currency: 'EUR' },
      dailyBudget: { amount: 20, currency: 'EUR' },
      webhook: { configured: true, origin: 'https://hooks.example.test' },
    });
    expect(await core.vault.get(secretNames.budgetWebhookUrl)).toBe(url);
    expect(JSON.stringify(saved)).not.toContain('s3cr3t');
    expect(JSON.stringify(core.audit.list())).not.toContain('s3cr3t');
    expect(core.audit.list()[0]).toMatchObject({ action: 'costs.settings-saved', actor: 'operator' });
    // Left out, the webhook stays; null removes it.
    expect(data<CostSettings>(await core.invoke('costs:settings-set', { displayCurrency: 'EUR', rates: { USD: 0.92 }, monthlyBudget: 300 })).webhook.configured).toBe(true);
    expect(data<CostSettings>(await core.invoke('costs:settings-set', { displayCurrency: 'EUR', rates: { USD: 0.92 }, monthlyBudget: 300, webhookUrl: null })).webhook).toEqual({ configured: false, origin: null });
    expect(await core.vault.get(secretNames.budgetWebhookUrl)).toBeNull();
  });

  it('price servers in their currency (with a rate for it), refuse an unknown server', async () => {
    const id = addServer('vps-a');
    expect(await core.invoke('costs:server-price-set', { serverId: randomUUID(), monthlyPrice: 12, currency: 'EUR' })).toMatchObject({ ok: false, error: { code: 'SERVER_NOT_FOUND' } });
    expect(await core.invoke('costs:server-price-set', { serverId: id, monthlyPrice: 12, currency: 'EUR' })).toMatchObject({ ok: false, error: { code: 'COSTS_RATE_MISSING' } });
    data(await core.invoke('costs:settings-set', { displayCurrency: 'EUR', rates: { USD: 0.9 }, monthlyBudget: 100 }));
    const priced = data<CostSettings>(await core.invoke('costs:server-price-set', { serverId: id, monthlyPrice: 12, currency: 'EUR' }));
    expect(priced.servers).toEqual([{ serverId: id, name: 'vps-a', monthlyPrice: { amount: 12, currency: 'EUR' } }]);
    expect(core.audit.list()[0]).toMatchObject({ action: 'costs.server-price-set', targetId: id, detail: { monthlyPrice: 12, currency: 'EUR' } });
    // Back to USD: the EUR-priced server now needs a EUR rate.
    expect(await core.invoke('costs:settings-set', { displayCurrency: 'USD', monthlyBudget: 100 })).toMatchObject({ ok: false, error: { code: 'COSTS_RATE_MISSING', message: expect.stringMatching(/1 EUR/) } });
    expect(data<CostSettings>(await core.invoke('costs:settings-set', { displayCurrency: 'USD', rates: { EUR: 1.1 }, monthlyBudget: 100 })).ratesNeeded).toEqual(['EUR']);
  });
});

describe('summary, attribution and alerts through the contract', () => {
  it('answer in the display currency, publish the budget alert event, and serve a read-only console', async () => {
    const events: Array<{ channel: string; payload: unknown }> = [];
    core.events.subscribe((e) => events.push(e));
    const server = addServer('vps-a');
    data(await core.invoke('costs:settings-set', { displayCurrency: 'EUR', rates: { USD: 0.5 }, monthlyBudget: 20 }));
    data(await core.invoke('costs:server-price-set', { serverId: server, monthlyPrice: 30, currency: 'EUR' }));
    rentals.put({ rentalId: 'rent-1', agentId: null, label: 'RTX 4090', state: 'running', dphTotalUsd: 2, storageDphUsd: 0.1 });
    core.costs.tick();
    for (let h = 0; h < 12; h++) {
      clock.advance(3_600_000);
      core.costs.tick();
    }
    await core.costs.budget.settled();

    // 12 h: vps 0.50 EUR + GPU 12 EUR = 12.50 of 20: the 50 % alert, as an event the renderer hears.
    const summary = data<CostsSummary>(await core.invoke('costs:summary', {}, readOnly));
    expect(summary).toMatchObject({
      month: '2026-11',
      current: true,
      currency: 'EUR',
      monthToDate: { total: { amount: expect.closeTo(12.5, 9), currency: 'EUR' }, vps: { amount: expect.closeTo(0.5, 9) }, gpu: { amount: expect.closeTo(12, 9) } },
      budget: { monthly: { amount: 20, currency: 'EUR' }, monthPercent: expect.closeTo(62.5, 9), allowsRental: true },
      accruedUntil: '2026-11-10T12:00:00.000Z',
    });
    expect(summary.days.map((d) => d.day)).toEqual(Array.from({ length: 10 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`));
    expect(summary.sources.map((s) => [s.label, s.state, s.rate])).toEqual([
      ['RTX 4090', 'running', { amount: 2, currency: 'USD', per: 'hour' }],
      ['vps-a', 'running', { amount: 30, currency: 'EUR', per: 'month' }],
    ]);
    expect(summary.alerts.map((a) => a.threshold)).toEqual([50]);
    expect(events.filter((e) => e.channel === 'costs:budget-alert').map((e) => (e.payload as { threshold: number }).threshold)).toEqual([50]);

    const attribution = data<CostAttribution>(await core.invoke('costs:attribution', { month: '2026-11' }, readOnly));
    expect(attribution).toMatchObject({ total: { amount: expect.closeTo(12.5, 9), currency: 'EUR' }, idle: { amount: expect.closeTo(12.5, 9) }, requestCount: 0 });
    expect(data<CostSettings>(await core.invoke('costs:settings-get', {}, readOnly)).webhook).toEqual({ configured: false, origin: null });
    expect(await core.invoke('costs:attribution', { from: '2026-11-10T00:00:00Z' }, readOnly)).toMatchObject({ ok: false, error: { code: 'COSTS_BAD_PERIOD' } });
    expect(await core.invoke('costs:summary', { month: '2026-13' }, readOnly)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'month' } });

    // Read-only: nothing can be changed, and nothing was.
    expect(await core.invoke('costs:settings-set', { displayCurrency: 'USD', rates: { EUR: 1 }, monthlyBudget: 1000 }, readOnly)).toMatchObject({ ok: false, error: { code: 'READ_ONLY' } });
    expect(await core.invoke('costs:server-price-set', { serverId: server, monthlyPrice: 0, currency: 'EUR' }, readOnly)).toMatchObject({ ok: false, error: { code: 'READ_ONLY' } });
    expect(data<CostSettings>(await core.invoke('costs:settings-get', {}, readOnly)).monthlyBudget).toEqual({ amount: 20, currency: 'EUR' });
  });
});
