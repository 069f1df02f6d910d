// @vitest-environment jsdom
// The app-wide budget banner, in the real shell (App) against the contract-checked fake console: on every view
// the newest alert of this period still in force, with the spend as it is now and a link to Costs; it goes when
// the operator raises the budget (through the Costs form) and when its period is over; Dismiss hides it until a
// newer alert; an alert raised now appears at once and, in a browser that allowed it, as a notification.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BudgetAlert, CostAttribution, CostSettings, CostsSummary } from '../../../../electron/core/contracts/costs.js';
import { contractFakeTransport } from '../../../../test-harness/renderer/contract-fake-transport.js';
import { renderWithConsole } from '../../../../test-harness/renderer/render-with-console.js';
import { App } from '../../App.js';
import { useUiStore } from '../../state/ui-store.js';
import { bannerAlert, bannerText, openBudgetAlerts } from './budget-banner.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });

const alert = (threshold: 50 | 80 | 100, over: Partial<BudgetAlert> = {}): BudgetAlert => ({
  id: threshold,
  period: 'month',
  periodKey: '2026-12',
  threshold,
  spent: eur((threshold / 100) * 500),
  budget: eur(500),
  raisedAt: '2026-12-06T10:00:00.000Z',
  webhook: 'none',
  webhookError: null,
  ...over,
});

function summary(spent: number, monthly: number | null, alerts: BudgetAlert[], over: Partial<CostsSummary> = {}): CostsSummary {
  return {
    month: '2026-12',
    current: true,
    currency: 'EUR',
    accruedUntil: '2026-12-07T01:00:00.000Z',
    monthToDate: { total: eur(spent), vps: eur(12), gpu: eur(spent - 12) },
    today: eur(20),
    forecast: null,
    budget: {
      monthly: monthly === null ? null : eur(monthly),
      daily: null,
      monthPercent: monthly === null ? null : (spent / monthly) * 100,
      dayPercent: null,
      allowsRental: monthly === null || spent < monthly,
      refusal: monthly !== null && spent >= monthly ? `This month's budget of ${monthly} EUR is spent; raise it in Costs to rent again.` : null,
    },
    alerts,
    days: Array.from({ length: 7 }, (_, i) => ({ day: `2026-12-0${i + 1}`, vps: eur(1), gpu: eur(2) })),
    sources: [],
    reconciliations: [],
    ...over,
  };
}

const settings = (monthly: number | null): CostSettings => ({
  displayCurrency: 'EUR',
  rates: { USD: 0.92 },
  ratesNeeded: ['USD'],
  monthlyBudget: monthly === null ? null : eur(monthly),
  dailyBudget: null,
  webhook: { configured: false, origin: null },
  servers: [],
  updatedAt: null,
});

const emptyAttribution: CostAttribution = { from: '2026-12-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z', total: eur(0), attributed: eur(0), idle: eur(0), byAgent: [], byClient: [], byBatch: [], byRequest: [], requestCount: 0 };

function console_(state: { summary: CostsSummary; settings: CostSettings }, opts: { readOnly?: boolean } = {}) {
  return contractFakeTransport(
    {
      'costs:summary': () => state.summary,
      'costs:attribution': () => emptyAttribution,
      'costs:settings-get': () => state.settings,
      'costs:settings-set': (input: { monthlyBudget: number | null }) => {
        // What the core does: the budget changes, so does the percentage; the alerts stay on record.
        state.settings = settings(input.monthlyBudget);
        state.summary = summary(state.summary.monthToDate.total.amount, input.monthlyBudget, state.summary.alerts);
        return state.settings;
      },
      'requests:list': () => [],
      'batches:list': () => [],
      'requests:erasures': () => [],
      'agents:list': () => [],
      'audit:list': () => [],
    },
    opts,
  );
}

const notifications: Array<{ title: string; body?: string; tag?: string }> = [];
class RecordingNotification {
  static permission: NotificationPermission = 'granted';
  static requestPermission = () => Promise.resolve(RecordingNotification.permission);
  constructor(title: string, options: { body?: string; tag?: string } = {}) {
    notifications.push({ title, ...options });
  }
}

beforeEach(() => {
  useUiStore.setState({ view: 'jobs', serverId: null, items: [], selectedId: null, unclaimed: new Map() });
  history.replaceState(null, '', '/#/jobs');
  localStorage.clear();
  notifications.length = 0;
  RecordingNotification.permission = 'granted';
  (window as unknown as { Notification: unknown }).Notification = RecordingNotification;
});
afterEach(() => {
  cleanup();
  history.replaceState(null, '', '/');
  delete (window as unknown as { Notification?: unknown }).Notification;
});

describe('which alert the banner shows', () => {
  it('the newest of this period still in force: not one the budget was raised past, not a past day or month, not dismissed', () => {
    const s = summary(412.3, 500, [alert(80), alert(50)]);
    expect(bannerAlert(s, new Set())?.threshold).toBe(80);
    expect(bannerText(bannerAlert(s, new Set())!, s)).toBe('Budget 80 % reached: 412.30 EUR of 500.00 EUR this month');
    expect(bannerAlert(s, new Set([80]))?.threshold).toBe(50);
    expect(bannerAlert(s, new Set([80, 50]))).toBeNull();
    // Raised to 700: 58.9 %, the 80 % alert is over, the 50 % one still holds.
    expect(openBudgetAlerts(summary(412.3, 700, [alert(80), alert(50)])).map((a) => a.threshold)).toEqual([50]);
    expect(openBudgetAlerts(summary(412.3, null, [alert(80), alert(50)]))).toEqual([]);
    // A month that is over, and a daily alert of yesterday, are history for the Costs view only.
    expect(openBudgetAlerts(summary(412.3, 500, [alert(80)], { current: false }))).toEqual([]);
    const daily = summary(412.3, 500, [alert(80, { id: 9, period: 'day', periodKey: '2026-12-06', budget: eur(20) })]);
    daily.budget = { ...daily.budget, daily: eur(20), dayPercent: 100 };
    expect(openBudgetAlerts(daily).filter((a) => a.period === 'day')).toEqual([]);
    const today = { ...daily, alerts: [alert(100, { id: 10, period: 'day', periodKey: '2026-12-07', budget: eur(20) })] };
    expect(bannerText(bannerAlert(today, new Set())!, today)).toBe('Daily budget 100 % reached: 20.00 EUR of 20.00 EUR today');
  });
});

describe('the budget banner in the shell', () => {
  it('is on every view with a link to Costs, and goes away when the operator raises the budget', async () => {
    const state = { summary: summary(412.3, 500, [alert(80), alert(50)]), settings: settings(500) };
    renderWithConsole(<App />, console_(state));
    const banner = await screen.findByTestId('budget-banner');
    expect(banner.textContent).toMatch(/^Budget 80 % reached: 412\.30 EUR of 500\.00 EUR this month/);
    expect(within(banner).getByRole('link', { name: 'Open Costs' }).getAttribute('href')).toBe('#/costs');
    fireEvent.click(screen.getByRole('button', { name: 'Audit log' }));
    expect(screen.getByTestId('budget-banner').textContent).toMatch(/Budget 80 % reached/);

    fireEvent.click(screen.getByRole('button', { name: 'Costs' }));
    // On Costs itself the link would lead nowhere.
    await waitFor(() => expect(within(screen.getByTestId('budget-banner')).queryByRole('link')).toBeNull());
    const form = await screen.findByRole('form', { name: 'budget and currency' });
    fireEvent.change(within(form).getByLabelText('Monthly budget (EUR)'), { target: { value: '1000' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(screen.queryByTestId('budget-banner')).toBeNull());
  });

  it('at 100 % says rentals are stopped; Dismiss hides it (after a reload too) until a newer alert, which comes at once with a notification', async () => {
    const state = { summary: summary(503, 500, [alert(100), alert(80), alert(50)]), settings: settings(500) };
    const transport = console_(state, { readOnly: true });
    const first = renderWithConsole(<App />, transport);
    const banner = await screen.findByTestId('budget-banner');
    expect(banner.textContent).toMatch(/^Budget 100 % reached: 503\.00 EUR of 500\.00 EUR this month · GPU rentals are stopped/);
    fireEvent.click(within(banner).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('budget-banner')).toBeNull();
    first.unmount();

    renderWithConsole(<App />, transport);
    await waitFor(() => expect(transport.callsOf('costs:summary').length).toBeGreaterThanOrEqual(2));
    expect(screen.queryByTestId('budget-banner')).toBeNull();

    // The daily budget is reached now: the core raises the alert and publishes it.
    const daily = alert(100, { id: 101, period: 'day', periodKey: '2026-12-07', spent: eur(20.5), budget: eur(20) });
    state.summary = summary(503, 500, [daily, ...state.summary.alerts]);
    state.summary.budget = { ...state.summary.budget, daily: eur(20), dayPercent: 102.5 };
    state.summary.today = eur(20.5);
    act(() => transport.emit('costs:budget-alert', daily));
    expect((await screen.findByTestId('budget-banner')).textContent).toMatch(/^Daily budget 100 % reached: 20\.50 EUR of 20\.00 EUR today/);
    expect(notifications).toEqual([{ title: 'Daily budget 100 % reached', body: expect.stringMatching(/^20\.50 EUR of 20\.00 EUR spent today \(2026-12-07\)\. No new GPU rental/), tag: 'mediafleet-budget-101' }]);
    // Read-only: the banner only reads.
    expect(new Set(transport.calls.map((c) => c.method)).has('costs:settings-set')).toBe(false);
  });

  it('shows no browser notification unless the person allowed them, and offers to turn them on in Costs', async () => {
    RecordingNotification.permission = 'default';
    const state = { summary: summary(100, 500, []), settings: settings(500) };
    const transport = console_(state);
    renderWithConsole(<App />, transport);
    await waitFor(() => expect(transport.callsOf('costs:summary').length).toBe(1));
    state.summary = summary(260, 500, [alert(50)]);
    act(() => transport.emit('costs:budget-alert', alert(50)));
    expect((await screen.findByTestId('budget-banner')).textContent).toMatch(/^Budget 50 % reached: 260\.00 EUR of 500\.00 EUR/);
    expect(notifications).toEqual([]);
    fireEvent.click(within(screen.getByTestId('budget-banner')).getByRole('link', { name: 'Open Costs' }));
    await screen.findByRole('heading', { name: 'Costs', level: 1 });
    RecordingNotification.permission = 'granted';
    fireEvent.click(await screen.findByRole('button', { name: 'Notify me on this computer' }));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Notify me on this computer' })).toBeNull());
  });

  it('shows nothing when the summary cannot be read', async () => {
    const transport = contractFakeTransport({ 'requests:list': () => [], 'batches:list': () => [], 'requests:erasures': () => [] });
    renderWithConsole(<App />, transport);
    await waitFor(() => expect(transport.callsOf('costs:summary').length).toBe(1));
    expect(screen.queryByTestId('budget-banner')).toBeNull();
  });
});
