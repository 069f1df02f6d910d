// Contract of the Costs feature: one ledger across VPS servers (their monthly prices spread by the second) and
// GPU rentals (seconds at their rates, reconciled with Vast.ai's /charges), attributed to requests, clients,
// batches and agents; one budget with alerts at 50/80/100 % and a forecast of the month's end. Every figure
// carries its currency. Support staff (read-only) see all of it; only an operator changes settings and prices.
import { z } from 'zod';
import { defineEvent, defineInvoke } from './define.js';

export const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, 'a three-letter currency code such as EUR or USD');

export const Money = z.object({ amount: z.number(), currency: z.string() });
export type Money = z.infer<typeof Money>;

/** "2026-11": a UTC calendar month (the ledger's months are UTC ones). */
export const MonthKey = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM');

export const BudgetAlert = z.object({
  id: z.number().int(),
  period: z.enum(['month', 'day']),
  /** "2026-11" or "2026-11-24". */
  periodKey: z.string(),
  threshold: z.union([z.literal(50), z.literal(80), z.literal(100)]),
  spent: Money,
  budget: Money,
  raisedAt: z.string(),
  webhook: z.enum(['none', 'pending', 'sent', 'failed']),
  webhookError: z.string().nullable(),
});
export type BudgetAlert = z.infer<typeof BudgetAlert>;

export const CostSource = z.object({
  sourceKind: z.enum(['vps', 'gpu']),
  sourceId: z.string(),
  label: z.string(),
  agentId: z.string().nullable(),
  /** closed: destroyed rental, or a server whose price was removed. */
  state: z.enum(['running', 'stopped', 'closed']),
  /** What it is billed at now: a server's monthly price, a GPU's $/h in its state. */
  rate: z.object({ amount: z.number(), currency: z.string(), per: z.enum(['month', 'hour']) }),
  spent: Money,
  /** Since when it has been metered (ISO). */
  since: z.string(),
});
export type CostSource = z.infer<typeof CostSource>;

export const ChargesReconciliation = z.object({
  sourceId: z.string(),
  label: z.string(),
  vastInstanceId: z.number().int().nullable(),
  /** The ledger's own estimate, what Vast billed, and the difference added to the ledger (Vast's figure wins). */
  ledger: Money,
  charges: Money,
  difference: Money,
  at: z.string(),
});

export const CostsSummary = z.object({
  month: z.string(),
  /** Whether the month is the current one (only then is there a forecast). */
  current: z.boolean(),
  currency: z.string(),
  /** How far the ledger has been accrued (the oldest open meter); null before anything is metered. */
  accruedUntil: z.string().nullable(),
  monthToDate: z.object({ total: Money, vps: Money, gpu: Money }),
  today: Money,
  forecast: z.object({ total: Money, fixed: Money, gpuSoFar: Money, gpuRest: Money, gpuBurnPerHour: Money }).nullable(),
  budget: z.object({
    monthly: Money.nullable(),
    daily: Money.nullable(),
    /** The month's spend against the monthly budget, today's against the daily one; null without a budget. */
    monthPercent: z.number().nullable(),
    dayPercent: z.number().nullable(),
    /** False at 100 %: no new GPU rental is made. */
    allowsRental: z.boolean(),
    refusal: z.string().nullable(),
  }),
  alerts: z.array(BudgetAlert),
  days: z.array(z.object({ day: z.string(), vps: Money, gpu: Money })),
  sources: z.array(CostSource),
  reconciliations: z.array(ChargesReconciliation),
});
export type CostsSummary = z.infer<typeof CostsSummary>;

export const costsSummary = defineInvoke('costs:summary', {
  input: z.object({ month: MonthKey.optional() }).default({}),
  output: CostsSummary,
  readOnly: true,
});

export const CostAttribution = z.object({
  from: z.string(),
  to: z.string(),
  total: Money,
  attributed: Money,
  /** Cost of agents that ran nothing in the period. */
  idle: Money,
  byAgent: z.array(
    z.object({
      sourceKind: z.enum(['vps', 'gpu']),
      sourceId: z.string(),
      label: z.string(),
      agents: z.array(z.object({ id: z.string(), name: z.string() })),
      cost: Money,
      attributed: Money,
      idle: Money,
      busySeconds: z.number(),
      requests: z.number().int(),
    }),
  ),
  byClient: z.array(z.object({ clientLabel: z.string().nullable(), cost: Money, requests: z.number().int() })),
  byBatch: z.array(z.object({ batchId: z.string(), label: z.string(), clientLabel: z.string().nullable(), cost: Money, requests: z.number().int() })),
  byRequest: z.array(
    z.object({
      requestId: z.string(),
      fileName: z.string(),
      batchId: z.string(),
      batchLabel: z.string(),
      clientLabel: z.string().nullable(),
      busySeconds: z.number(),
      cost: Money,
    }),
  ),
  requestCount: z.number().int(),
});
export type CostAttribution = z.infer<typeof CostAttribution>;

export const costsAttribution = defineInvoke('costs:attribution', {
  input: z
    .object({
      /** A whole month, or a period [from, to); neither: this month so far. */
      month: MonthKey.optional(),
      from: z.iso.datetime({ offset: true }).optional(),
      to: z.iso.datetime({ offset: true }).optional(),
      requestLimit: z.number().int().min(1).max(5000).default(200),
    })
    .default({ requestLimit: 200 }),
  output: CostAttribution,
  readOnly: true,
});

export const CostSettings = z.object({
  displayCurrency: z.string(),
  /** Display-currency units one unit of each other currency is worth ({ USD: 0.92 } when showing EUR). */
  rates: z.record(z.string(), z.number()),
  /** Currencies in use (USD for Vast, the servers' price currencies) that need a rate. */
  ratesNeeded: z.array(z.string()),
  monthlyBudget: Money.nullable(),
  dailyBudget: Money.nullable(),
  /** The webhook's origin only: the URL may carry a token and stays in the vault. */
  webhook: z.object({ configured: z.boolean(), origin: z.string().nullable() }),
  servers: z.array(z.object({ serverId: z.string(), name: z.string(), monthlyPrice: Money.nullable() })),
  updatedAt: z.string().nullable(),
});
export type CostSettings = z.infer<typeof CostSettings>;

export const costsSettingsGet = defineInvoke('costs:settings-get', {
  input: z.object({}).default({}),
  output: CostSettings,
  readOnly: true,
});

const BudgetAmount = z.number().positive().max(1e9);

export const costsSettingsSet = defineInvoke('costs:settings-set', {
  input: z.object({
    displayCurrency: CurrencyCode,
    rates: z.record(CurrencyCode, z.number().positive().max(1e6)).default({}),
    /** In the display currency; null: none. */
    monthlyBudget: BudgetAmount.nullable(),
    dailyBudget: BudgetAmount.nullable().default(null),
    /** A new webhook URL (http or https), null to remove it; left out: keep the one set. */
    webhookUrl: z.url({ protocol: /^https?$/ }).max(2000).nullable().optional(),
  }),
  output: CostSettings,
});

export const costsServerPriceSet = defineInvoke('costs:server-price-set', {
  input: z.object({
    serverId: z.string().uuid(),
    /** The server's monthly price in `currency`; null stops metering it. */
    monthlyPrice: z.number().min(0).max(1e7).nullable(),
    currency: CurrencyCode,
  }),
  output: CostSettings,
});

/** Raised once per period and threshold (50, 80, 100 %). */
export const budgetAlertEvent = defineEvent('costs:budget-alert', BudgetAlert);

/** "412.30 EUR": the amount and its currency code, never a bare number. */
export function moneyText(m: Money): string {
  return `${m.amount.toFixed(2)} ${m.currency}`;
}

/**
 * What a person is told when an alert is raised, in one place with the event: the desktop app's notification
 * (electron/main/budget-notifications.ts) and the browser's (the renderer) say the same words.
 */
export function budgetAlertNotice(alert: BudgetAlert): { title: string; body: string } {
  const which = alert.period === 'month' ? 'Monthly budget' : 'Daily budget';
  const when = alert.period === 'month' ? 'this month' : 'today';
  const stop = alert.threshold >= 100 ? ' No new GPU rental is made until the budget is raised; work goes on on the servers.' : '';
  return {
    title: `${which} ${alert.threshold} % reached`,
    body: `${moneyText(alert.spent)} of ${moneyText(alert.budget)} spent ${when} (${alert.periodKey}).${stop}`,
  };
}

export const costsContract = {
  [costsSummary.name]: costsSummary,
  [costsAttribution.name]: costsAttribution,
  [costsSettingsGet.name]: costsSettingsGet,
  [costsSettingsSet.name]: costsSettingsSet,
  [costsServerPriceSet.name]: costsServerPriceSet,
};
