// The budget across servers and GPUs: a monthly one and an optional daily one, in the display currency. Alerts
// at 50, 80 and 100 % are raised once per period (a row per period and threshold is the proof): an audit entry,
// an event for the renderer, and a POST to the operator's webhook when one is set. At 100 % no new rental may be
// made: `allowsRental()` is what the rentals code asks before any call to Vast. It reads the ledger each time,
// never a stored flag, so raising the budget lifts the stop at once.
import type { AuditLog } from '../audit/audit-log.js';
import { ConsoleError } from '../contracts/define.js';
import type { ConsoleDb } from '../store/console-store.js';
import { dayKeyOf, daySpanOf, monthKeyOf, monthSpanOf, type Span } from './calendar.js';
import type { CostLedger } from './cost-ledger.js';
import type { CostSettingsRepository } from './cost-settings-repository.js';
import { Converter, type Money } from './money.js';

export const alertThresholds = [50, 80, 100] as const;
export type AlertThreshold = (typeof alertThresholds)[number];
export type BudgetPeriod = 'month' | 'day';

export interface BudgetAlert {
  id: number;
  period: BudgetPeriod;
  /** "2026-11" or "2026-11-24" (UTC). */
  periodKey: string;
  threshold: AlertThreshold;
  spent: Money;
  budget: Money;
  raisedAt: string;
  webhook: 'none' | 'pending' | 'sent' | 'failed';
  webhookError: string | null;
}

export interface BudgetStatus {
  monthly: Money | null;
  daily: Money | null;
  monthSpent: Money;
  daySpent: Money;
  /** Spent as a percentage of the budget; null without a budget. */
  monthPercent: number | null;
  dayPercent: number | null;
  allowsRental: boolean;
  /** Why a rental is refused, in words; null when it is allowed. */
  refusal: string | null;
}

/** Sends an alert to the operator's webhook; throws with the reason when it was not taken. */
export type WebhookPost = (url: string, body: unknown) => Promise<void>;

export const postJsonWebhook: WebhookPost = async (url, body) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'mediafleet-console' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`the webhook answered HTTP ${res.status}`);
};

interface AlertRow {
  id: number;
  period: BudgetPeriod;
  period_key: string;
  threshold: AlertThreshold;
  spent: number;
  budget: number;
  currency: string;
  raised_at: string;
  webhook: BudgetAlert['webhook'];
  webhook_error: string | null;
}

const alertOf = (r: AlertRow): BudgetAlert => ({
  id: r.id,
  period: r.period,
  periodKey: r.period_key,
  threshold: r.threshold,
  spent: { amount: r.spent, currency: r.currency },
  budget: { amount: r.budget, currency: r.currency },
  raisedAt: r.raised_at,
  webhook: r.webhook,
  webhookError: r.webhook_error,
});

export interface BudgetDeps {
  db: ConsoleDb;
  ledger: CostLedger;
  settings: CostSettingsRepository;
  audit: AuditLog;
  now: () => Date;
  /** Brings the ledger up to now before a rental decision (an on-demand tick). */
  accrueNow: () => void;
  onAlert?: (alert: BudgetAlert) => void;
  postWebhook?: WebhookPost;
}

/** What the ledger holds for a period, in the display currency. */
export function spentIn(ledger: CostLedger, converter: Converter, span: Span): number {
  return ledger.amountsBySource(span).reduce((sum, a) => sum + converter.toDisplay(a.amount, a.currency), 0);
}

export class Budget {
  private readonly deliveries = new Set<Promise<void>>();

  constructor(private readonly deps: BudgetDeps) {}

  status(nowMs = this.deps.now().getTime()): BudgetStatus {
    const settings = this.deps.settings.get();
    const converter = new Converter(settings);
    const monthSpent = spentIn(this.deps.ledger, converter, monthSpanOf(nowMs));
    const daySpent = spentIn(this.deps.ledger, converter, daySpanOf(nowMs));
    const percent = (spent: number, budget: number | null) => (budget === null ? null : (spent / budget) * 100);
    const refusal =
      settings.monthlyBudget !== null && monthSpent >= settings.monthlyBudget
        ? `This month's budget of ${settings.monthlyBudget} ${settings.displayCurrency} is spent; raise it in Costs to rent again.`
        : settings.dailyBudget !== null && daySpent >= settings.dailyBudget
          ? `Today's budget of ${settings.dailyBudget} ${settings.displayCurrency} is spent; raise it in Costs or rent tomorrow.`
          : null;
    return {
      monthly: settings.monthlyBudget === null ? null : converter.money(settings.monthlyBudget),
      daily: settings.dailyBudget === null ? null : converter.money(settings.dailyBudget),
      monthSpent: converter.money(monthSpent),
      daySpent: converter.money(daySpent),
      monthPercent: percent(monthSpent, settings.monthlyBudget),
      dayPercent: percent(daySpent, settings.dailyBudget),
      allowsRental: refusal === null,
      refusal,
    };
  }

  /** Whether a new GPU rental may be made now (false at 100 % of the monthly or daily budget). */
  allowsRental(): boolean {
    this.deps.accrueNow();
    return this.status().allowsRental;
  }

  /** For the rentals code: refuses with BUDGET_EXHAUSTED before any call to Vast. */
  assertAllowsRental(): void {
    this.deps.accrueNow();
    const { refusal } = this.status();
    if (refusal) throw new ConsoleError('BUDGET_EXHAUSTED', refusal);
  }

  /** Raises the alerts the spend has reached and were not raised yet in their period; returns the new ones. */
  evaluate(nowMs = this.deps.now().getTime()): BudgetAlert[] {
    const status = this.status(nowMs);
    const raised: BudgetAlert[] = [];
    const check = (period: BudgetPeriod, periodKey: string, spent: Money, budget: Money | null, percent: number | null) => {
      if (!budget || percent === null) return;
      for (const threshold of alertThresholds) {
        if (percent < threshold) continue;
        const alert = this.insertAlert(period, periodKey, threshold, spent, budget);
        if (alert) raised.push(alert);
      }
    };
    check('month', monthKeyOf(nowMs), status.monthSpent, status.monthly, status.monthPercent);
    check('day', dayKeyOf(nowMs), status.daySpent, status.daily, status.dayPercent);
    for (const alert of raised) this.raise(alert);
    return raised;
  }

  /** The alerts of a month: its monthly ones and those of its days, newest first. */
  alertsOfMonth(monthKey: string): BudgetAlert[] {
    const rows = this.deps.db
      .prepare("SELECT * FROM budget_alerts WHERE (period = 'month' AND period_key = ?) OR (period = 'day' AND period_key LIKE ?) ORDER BY id DESC")
      .all(monthKey, `${monthKey}-%`) as AlertRow[];
    return rows.map(alertOf);
  }

  /** Waits for webhook deliveries in flight (tests, and a console closing). */
  async settled(): Promise<void> {
    while (this.deliveries.size) await Promise.allSettled([...this.deliveries]);
  }

  private insertAlert(period: BudgetPeriod, periodKey: string, threshold: AlertThreshold, spent: Money, budget: Money): BudgetAlert | null {
    // OR IGNORE on (period, key, threshold): raised once per period, whichever process or tick got there first.
    const result = this.deps.db
      .prepare(
        `INSERT OR IGNORE INTO budget_alerts (period, period_key, threshold, spent, budget, currency, raised_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(period, periodKey, threshold, spent.amount, budget.amount, budget.currency, this.deps.now().toISOString());
    if (result.changes === 0) return null;
    return alertOf(this.deps.db.prepare('SELECT * FROM budget_alerts WHERE id = ?').get(result.lastInsertRowid) as AlertRow);
  }

  private raise(alert: BudgetAlert): void {
    this.deps.audit.record(
      'costs.budget-alert',
      null,
      { period: alert.period, periodKey: alert.periodKey, threshold: alert.threshold, spent: alert.spent.amount, budget: alert.budget.amount, currency: alert.budget.currency },
      'console',
    );
    // The vault itself may refuse (a locked keychain): the alert stays raised and the failure is on record.
    const delivery = this.deliver(alert).catch((err: unknown) => {
      this.deps.audit.record('costs.budget-webhook-failed', null, { periodKey: alert.periodKey, threshold: alert.threshold, reason: String(err) }, 'console');
    });
    this.deliveries.add(delivery);
    void delivery.finally(() => this.deliveries.delete(delivery));
  }

  private async deliver(alert: BudgetAlert): Promise<void> {
    const url = await this.deps.settings.webhookUrl();
    const setWebhook = (state: BudgetAlert['webhook'], error: string | null) =>
      this.deps.db.prepare('UPDATE budget_alerts SET webhook = ?, webhook_error = ? WHERE id = ?').run(state, error, alert.id);
    if (url) setWebhook('pending', null);
    const shown: BudgetAlert = { ...alert, webhook: url ? 'pending' : 'none' };
    this.deps.onAlert?.(shown);
    if (!url) return;
    const body = {
      event: 'mediafleet.budget-alert',
      period: alert.period,
      periodKey: alert.periodKey,
      threshold: alert.threshold,
      spent: alert.spent,
      budget: alert.budget,
      raisedAt: alert.raisedAt,
      text: `Mediafleet: ${alert.threshold} % of the ${alert.period === 'month' ? 'monthly' : 'daily'} budget spent (${alert.spent.amount.toFixed(2)} of ${alert.budget.amount.toFixed(2)} ${alert.budget.currency}).`,
    };
    try {
      await (this.deps.postWebhook ?? postJsonWebhook)(url, body);
      setWebhook('sent', null);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      setWebhook('failed', reason);
      this.deps.audit.record('costs.budget-webhook-failed', null, { periodKey: alert.periodKey, threshold: alert.threshold, reason }, 'console');
    }
  }
}
