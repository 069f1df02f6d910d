// @vitest-environment jsdom
// The Costs view against a fake console that answers like the contract (zod-checked input and output): the
// gauge with spend, forecast and budget, a stacked bar per day, the alerts (and a new one arriving as an event),
// what is metered, who spent it by client, batch and agent with the idle part, and the settings form, checked
// before it sends. A read-only console shows all of it and offers no change.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { consoleMethods } from '../../../../electron/core/api.js';
import type { BudgetAlert, CostAttribution, CostSettings, CostsSummary } from '../../../../electron/core/contracts/costs.js';
import { contractFakeTransport, FakeConsoleError } from '../../../../test-harness/renderer/contract-fake-transport.js';
import { renderWithConsole } from '../../../../test-harness/renderer/render-with-console.js';
import { CostsView } from './CostsView.js';
import { formatMoney, gaugeFigures, niceCeiling } from './cost-figures.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });

const alert = (threshold: 50 | 80 | 100, id = threshold): BudgetAlert => ({
  id,
  period: 'month',
  periodKey: '2026-11',
  threshold,
  spent: eur((threshold / 100) * 200),
  budget: eur(200),
  raisedAt: '2026-11-09T10:00:00.000Z',
  webhook: threshold === 80 ? 'failed' : 'sent',
  webhookError: threshold === 80 ? 'the webhook answered HTTP 500' : null,
});

function summary(over: Partial<CostsSummary> = {}): CostsSummary {
  return {
    month: '2026-11',
    current: true,
    currency: 'EUR',
    accruedUntil: '2026-11-10T12:00:00.000Z',
    monthToDate: { total: eur(170), vps: eur(30), gpu: eur(140) },
    today: eur(12),
    forecast: { total: eur(510), fixed: eur(90), gpuSoFar: eur(140), gpuRest: eur(280), gpuBurnPerHour: eur(0.58) },
    budget: { monthly: eur(200), daily: null, monthPercent: 85, dayPercent: null, allowsRental: true, refusal: null },
    alerts: [alert(80), alert(50)],
    days: Array.from({ length: 10 }, (_, i) => ({ day: `2026-11-${String(i + 1).padStart(2, '0')}`, vps: eur(3), gpu: eur(i === 4 ? 80 : 6) })),
    sources: [
      { sourceKind: 'vps', sourceId: 's1', label: 'vps-paris', agentId: null, state: 'running', rate: { amount: 12, currency: 'EUR', per: 'month' }, spent: eur(3.6), since: '2026-11-01T00:00:00.000Z' },
      { sourceKind: 'gpu', sourceId: 'r1', label: 'RTX 4090 · 4711', agentId: 'g1', state: 'stopped', rate: { amount: 0.012, currency: 'USD', per: 'hour' }, spent: eur(140), since: '2026-11-05T00:00:00.000Z' },
    ],
    reconciliations: [
      { sourceId: 'r0', label: 'RTX 3090 · 4700', vastInstanceId: 4700, ledger: { amount: 1.234, currency: 'USD' }, charges: { amount: 1.25, currency: 'USD' }, difference: { amount: 0.016, currency: 'USD' }, at: '2026-11-04T00:00:00.000Z' },
    ],
    ...over,
  };
}

const attribution = (): CostAttribution => ({
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-12-01T00:00:00.000Z',
  total: eur(170),
  attributed: eur(160),
  idle: eur(10),
  byAgent: [
    { sourceKind: 'gpu', sourceId: 'r1', label: 'RTX 4090 · 4711', agents: [{ id: 'g1', name: 'gpu-4090' }], cost: eur(140), attributed: eur(140), idle: eur(0), busySeconds: 7200, requests: 12 },
    { sourceKind: 'vps', sourceId: 's2', label: 'vps-idle', agents: [{ id: 'a2', name: 'agent-idle' }], cost: eur(10), attributed: eur(0), idle: eur(10), busySeconds: 0, requests: 0 },
  ],
  byClient: [
    { clientLabel: 'acme', cost: eur(120), requests: 9 },
    { clientLabel: null, cost: eur(40), requests: 4 },
  ],
  byBatch: [{ batchId: 'b1', label: 'acme stills', clientLabel: 'acme', cost: eur(120), requests: 9 }],
  byRequest: [],
  requestCount: 13,
});

const settings = (over: Partial<CostSettings> = {}): CostSettings => ({
  displayCurrency: 'EUR',
  rates: { USD: 0.92 },
  ratesNeeded: ['USD'],
  monthlyBudget: eur(200),
  dailyBudget: null,
  webhook: { configured: true, origin: 'https://hooks.example.test' },
  servers: [{ serverId: '00000000-0000-4000-8000-000000000001', name: 'vps-paris', monthlyPrice: eur(12) }],
  updatedAt: '2026-11-01T09:00:00.000Z',
  ...over,
});

function answers(state: { summary: CostsSummary; settings: CostSettings }) {
  return {
    'costs:summary': () => state.summary,
    'costs:attribution': attribution,
    'costs:settings-get': () => state.settings,
    'costs:settings-set': (input: { displayCurrency: string; monthlyBudget: number | null }) => {
      state.settings = settings({ displayCurrency: input.displayCurrency, monthlyBudget: input.monthlyBudget === null ? null : eur(input.monthlyBudget) });
      return state.settings;
    },
    'costs:server-price-set': () => state.settings,
  };
}

afterEach(cleanup);

describe('cost figures', () => {
  it('always write the currency, scale the gauge to hold budget and forecast, and round axes up', () => {
    expect(formatMoney({ amount: 12.5, currency: 'EUR' })).toMatch(/^EUR\s12\.50$/);
    expect(formatMoney({ amount: 0.01234, currency: 'USD' }, { precise: true })).toMatch(/^USD\s0\.0123$/);
    // The scale holds the larger of budget and forecast with a tenth to spare.
    expect(gaugeFigures(100, 300, 200)).toMatchObject({ tone: 'ok', spent: expect.closeTo(100 / 330, 9), forecast: expect.closeTo(300 / 330, 9), budgetMark: expect.closeTo(200 / 330, 9) });
    expect(gaugeFigures(170, null, 200).tone).toBe('warn');
    expect(gaugeFigures(200, null, 200).tone).toBe('bad');
    expect([niceCeiling(0), niceCeiling(7), niceCeiling(86), niceCeiling(101)]).toEqual([1, 10, 100, 200]);
  });
});

describe('Costs view', () => {
  it('shows spend and forecast against the budget, a bar per day, the alerts, what is metered and who spent it', async () => {
    const transport = contractFakeTransport(answers({ summary: summary(), settings: settings() }));
    renderWithConsole(<CostsView />, transport);
    const budget = await screen.findByRole('region', { name: 'Budget' });
    expect(within(budget).getByTestId('budget-gauge').getAttribute('aria-label')).toMatch(/^EUR\s170\.00 of EUR\s200\.00 spent this month \(85 %\), forecast EUR\s510\.00$/);
    expect(within(budget).getByTestId('forecast').textContent).toMatch(/EUR\s510\.00/);
    expect(within(budget).getByText('GPU rentals allowed')).toBeTruthy();
    expect(budget.querySelector('[data-tone]')?.getAttribute('data-tone')).toBe('warn');

    const chart = screen.getByTestId('daily-chart');
    expect(chart.querySelectorAll('g[data-day]')).toHaveLength(10);
    const fifth = chart.querySelector('g[data-day="2026-11-05"]')!;
    const [vpsBar, gpuBar] = [fifth.querySelector('rect[data-kind="vps"]')!, fifth.querySelector('rect[data-kind="gpu"]')!];
    // Stacked: the GPU bar sits on the servers' bar, and 80 EUR is the tallest of the month.
    expect(Number(gpuBar.getAttribute('y')) + Number(gpuBar.getAttribute('height'))).toBeCloseTo(Number(vpsBar.getAttribute('y')), 6);
    expect(Number(gpuBar.getAttribute('height'))).toBeGreaterThan(Number(chart.querySelector('g[data-day="2026-11-04"] rect[data-kind="gpu"]')!.getAttribute('height')));

    const alerts = screen.getByRole('region', { name: 'Budget alerts' });
    expect(within(alerts).getByText(/80 % of the monthly budget \(2026-11\): EUR\s160\.00 of EUR\s200\.00/)).toBeTruthy();
    expect(within(alerts).getByText(/webhook failed: the webhook answered HTTP 500/)).toBeTruthy();

    const metered = screen.getByRole('table', { name: 'servers and GPU rentals' });
    expect(within(metered).getByText(/EUR\s12\.00 \/ month/)).toBeTruthy();
    expect(within(metered).getByText(/USD\s0\.012 \/ h/)).toBeTruthy();
    expect(screen.getByRole('region', { name: 'Reconciled with Vast.ai' }).textContent).toMatch(/USD\s1\.25/);

    const byClient = await screen.findByRole('table', { name: 'by client' });
    expect(within(byClient).getByText('(no client label)')).toBeTruthy();
    expect(within(byClient).getByText('idle (agents that ran nothing)').closest('tr')!.textContent).toMatch(/EUR\s10\.00/);
    expect(within(screen.getByRole('table', { name: 'by batch' })).getByText('acme stills')).toBeTruthy();
    const byAgent = screen.getByRole('table', { name: 'by agent' });
    expect(within(byAgent).getByText('gpu-4090').closest('tr')!.textContent).toMatch(/2\.0 h/);
    expect(within(byAgent).getByText('vps-idle').closest('tr')!.textContent).toMatch(/EUR\s10\.00$/);
  });

  it('says when GPU rentals are stopped by the budget, and a new alert arriving as an event shows at once', async () => {
    const state = { summary: summary(), settings: settings() };
    const transport = contractFakeTransport(answers(state));
    renderWithConsole(<CostsView />, transport);
    await screen.findByRole('region', { name: 'Budget' });
    state.summary = summary({
      monthToDate: { total: eur(205), vps: eur(30), gpu: eur(175) },
      budget: { monthly: eur(200), daily: null, monthPercent: 102.5, dayPercent: null, allowsRental: false, refusal: "This month's budget of 200 EUR is spent; raise it in Costs to rent again." },
      alerts: [alert(100), alert(80), alert(50)],
    });
    act(() => transport.emit('costs:budget-alert', alert(100)));
    expect(await screen.findByText('GPU rentals stopped')).toBeTruthy();
    expect(screen.getByText(/budget of 200 EUR is spent.*Work goes on on the servers/)).toBeTruthy();
    expect(within(screen.getByRole('region', { name: 'Budget alerts' })).getByText(/100 % of the monthly budget/)).toBeTruthy();
    expect(screen.getByTestId('budget-gauge').closest('[data-tone]')!.getAttribute('data-tone')).toBe('bad');
  });

  it('reads another month when one is picked', async () => {
    const transport = contractFakeTransport(answers({ summary: summary(), settings: settings() }));
    renderWithConsole(<CostsView />, transport);
    await screen.findByRole('region', { name: 'Budget' });
    fireEvent.change(screen.getByLabelText('Month'), { target: { value: '2026-10' } });
    await waitFor(() => expect(transport.callsOf('costs:summary')).toContainEqual({ month: '2026-10' }));
    expect(transport.callsOf('costs:attribution')).toContainEqual({ month: '2026-10', requestLimit: 200 });
  });

  it('checks the settings before sending them, sends them, and shows the console’s refusal with what to do', async () => {
    const state = { summary: summary(), settings: settings() };
    const transport = contractFakeTransport({
      ...answers(state),
      'costs:server-price-set': (input: { currency: string }) => {
        if (input.currency === 'GBP') throw new FakeConsoleError('COSTS_RATE_MISSING', 'Enter how much 1 GBP is worth in EUR in the cost settings first.');
        return state.settings;
      },
    });
    renderWithConsole(<CostsView />, transport);
    const form = await screen.findByRole('form', { name: 'budget and currency' });
    const budgetInput = within(form).getByLabelText('Monthly budget (EUR)');
    fireEvent.change(budgetInput, { target: { value: 'lots' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save settings' }));
    expect(await within(form).findByText(/expected number/i)).toBeTruthy();
    fireEvent.change(within(form).getByLabelText('1 USD in EUR'), { target: { value: '' } });
    fireEvent.change(budgetInput, { target: { value: '250' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save settings' }));
    expect(await within(form).findByText('how much is 1 USD in EUR?')).toBeTruthy();
    expect(transport.callsOf('costs:settings-set')).toEqual([]);

    fireEvent.change(within(form).getByLabelText('1 USD in EUR'), { target: { value: '0,91' } });
    fireEvent.change(within(form).getByLabelText(/Daily budget/), { target: { value: '15' } });
    fireEvent.click(within(form).getByRole('checkbox', { name: /remove the webhook/ }));
    fireEvent.click(within(form).getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(transport.callsOf('costs:settings-set')).toEqual([{ displayCurrency: 'EUR', rates: { USD: 0.91 }, monthlyBudget: 250, dailyBudget: 15, webhookUrl: null }]));
    expect(await within(form).findByText('Saved.')).toBeTruthy();

    // Shown in USD, the figures need a EUR rate (the priced server bills in EUR) and no USD one.
    fireEvent.change(within(form).getByLabelText('Display currency'), { target: { value: 'usd' } });
    expect(within(form).getByLabelText('1 EUR in USD')).toBeTruthy();
    expect(within(form).queryByLabelText('1 USD in USD')).toBeNull();

    const row = screen.getByTestId('price-vps-paris');
    fireEvent.change(within(row).getByLabelText('currency of vps-paris'), { target: { value: 'gbp' } });
    fireEvent.change(within(row).getByLabelText('monthly price of vps-paris'), { target: { value: '10' } });
    fireEvent.click(within(row).getByRole('button', { name: 'Save price' }));
    expect(await within(row).findByRole('alert')).toBeTruthy();
    expect(within(row).getByRole('alert').textContent).toMatch(/A conversion rate is missing.*1 GBP/);
    expect(transport.callsOf('costs:server-price-set')).toEqual([{ serverId: '00000000-0000-4000-8000-000000000001', monthlyPrice: 10, currency: 'GBP' }]);
  });

  it('downloads the metered sources and who spent it as CSV files, read-only included', async () => {
    const blobs: Array<{ name: string; text: string }> = [];
    const names: string[] = [];
    const original = { create: URL.createObjectURL, revoke: URL.revokeObjectURL, click: HTMLAnchorElement.prototype.click };
    const pending: Promise<void>[] = [];
    URL.createObjectURL = (blob: Blob) => {
      // jsdom's Blob has no text(); its FileReader reads it as a browser would.
      pending.push(
        new Promise((done) => {
          const reader = new FileReader();
          // Read as bytes and decoded keeping the BOM, to see the UTF-8 mark the file starts with.
          reader.onload = () => done(void blobs.push({ name: '', text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(reader.result as ArrayBuffer) }));
          reader.readAsArrayBuffer(blob);
        }),
      );
      return `blob:csv-${pending.length}`;
    };
    URL.revokeObjectURL = () => undefined;
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      names.push(this.download);
    };
    try {
      const transport = contractFakeTransport(answers({ summary: summary(), settings: settings() }), { readOnly: true });
      renderWithConsole(<CostsView />, transport);
      const metered = await screen.findByRole('region', { name: 'What is metered' });
      fireEvent.click(within(metered).getByRole('button', { name: 'Download CSV' }));
      const who = await screen.findByRole('region', { name: 'Who spent it' });
      fireEvent.click(within(who).getByRole('button', { name: 'CSV by client' }));
      fireEvent.click(within(who).getByRole('button', { name: 'CSV by agent' }));
      await Promise.all(pending);
      expect(names).toEqual(['costs-2026-11-servers-and-rentals.csv', 'costs-2026-11-by-client.csv', 'costs-2026-11-by-agent.csv']);
      const [sources, byClient, byAgent] = blobs.map((b) => b.text);
      // The UTF-8 mark first, then the header with the display currency, then one line per source.
      expect(sources!.startsWith('\uFEFFname,kind,source id,state,rate,rate currency,rate per,metered since,spent (EUR)\r\n')).toBe(true);
      expect(sources).toContain('vps-paris,server,s1,running,12,EUR,month,2026-11-01T00:00:00.000Z,3.6\r\n');
      expect(sources).toContain('RTX 4090 · 4711,GPU rental,r1,stopped,0.012,USD,hour,2026-11-05T00:00:00.000Z,140\r\n');
      expect(byClient).toBe('\uFEFFclient,requests,cost (EUR)\r\nacme,9,120\r\n,4,40\r\n');
      expect(byAgent).toContain('vps-idle,server,s2,agent-idle,0,0,10,0,10\r\n');
    } finally {
      URL.createObjectURL = original.create;
      URL.revokeObjectURL = original.revoke;
      HTMLAnchorElement.prototype.click = original.click;
    }
  });

  it('in read-only mode shows everything and changes nothing: only read-only methods are called', async () => {
    const transport = contractFakeTransport(answers({ summary: summary(), settings: settings() }), { readOnly: true });
    renderWithConsole(<CostsView />, transport);
    expect(await screen.findByTestId('budget-gauge')).toBeTruthy();
    expect(await screen.findByRole('table', { name: 'by agent' })).toBeTruthy();
    const settingsCard = await screen.findByRole('region', { name: 'Cost settings' });
    expect(within(settingsCard).getByText(/read-only: budgets, rates and prices are shown/)).toBeTruthy();
    expect((within(settingsCard).getByLabelText('Monthly budget (EUR)') as HTMLInputElement).value).toBe('200');
    for (const input of within(settingsCard).getAllByRole('textbox')) expect(input.closest('fieldset:disabled') ?? (input as HTMLInputElement).disabled).toBeTruthy();
    for (const button of within(settingsCard).getAllByRole('button')) expect((button as HTMLButtonElement).disabled || button.closest('fieldset:disabled') !== null).toBe(true);
    const methods = consoleMethods as Record<string, { readOnly?: boolean }>;
    expect(transport.calls.map((c) => c.method).filter((m) => !methods[m]?.readOnly)).toEqual([]);
    expect(new Set(transport.calls.map((c) => c.method))).toEqual(new Set(['costs:summary', 'costs:attribution', 'costs:settings-get']));
  });
});
