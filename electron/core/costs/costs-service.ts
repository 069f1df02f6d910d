// The Costs feature assembled: the ledger ticking every ~10 s (and on demand), the budget checked after each
// tick, the summary and attribution read from the ledger in the display currency, and the operator's settings
// and server prices (both audited). The rentals code gets `budget.allowsRental()` / `assertAllowsRental()` and
// `accrueNow()`; the lead wires the GPU meter source to the rentals table.
import type { AuditLog } from '../audit/audit-log.js';
import { ConsoleError } from '../contracts/define.js';
import type { SecretVault } from '../secrets/secret-vault.js';
import type { ConsoleDb } from '../store/console-store.js';
import { attributeCosts, type Attribution } from './attribution.js';
import { Budget, type BudgetAlert, type WebhookPost } from './budget.js';
import { dayKeyOf, daySpanOf, monthKeyOf, monthSpanOf, monthSpanOfKey, type Span } from './calendar.js';
import { reconcileFinishedRentals, type Reconciliation, type VastChargesSource } from './charges-reconciler.js';
import { CostLedger } from './cost-ledger.js';
import { CostSettingsRepository, type StoredCostSettings } from './cost-settings-repository.js';
import { forecastMonthEnd } from './forecast.js';
import { noGpuRentals, type GpuMeterSource } from './gpu-meter-source.js';
import { Converter, missingRates, VAST_CURRENCY, type Money } from './money.js';

export interface CostsServiceDeps {
  db: ConsoleDb;
  vault: SecretVault;
  audit: AuditLog;
  now: () => Date;
  /** The GPU rentals to meter (the rentals table); none until that is wired. */
  gpuMeters?: GpuMeterSource;
  onAlert?: (alert: BudgetAlert) => void;
  postWebhook?: WebhookPost;
  /** How often the ledger ticks (default 10 s). */
  tickMs?: number;
  minSpanMs?: { vps: number; gpu: number };
  /** A tick that failed (it is tried again at the next one). */
  logError?: (error: unknown) => void;
}

export interface CostSettingsInput {
  displayCurrency: string;
  rates: Record<string, number>;
  monthlyBudget: number | null;
  dailyBudget: number | null;
  /** undefined: keep the webhook as it is; null: remove it. */
  webhookUrl?: string | null;
}

export class CostsService {
  readonly ledger: CostLedger;
  readonly settingsRepo: CostSettingsRepository;
  readonly budget: Budget;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly deps: CostsServiceDeps) {
    this.ledger = new CostLedger({ db: deps.db, gpu: deps.gpuMeters ?? noGpuRentals, minSpanMs: deps.minSpanMs });
    this.settingsRepo = new CostSettingsRepository(deps.db, deps.vault, deps.now);
    this.budget = new Budget({
      db: deps.db,
      ledger: this.ledger,
      settings: this.settingsRepo,
      audit: deps.audit,
      now: deps.now,
      accrueNow: () => this.accrueNow(),
      onAlert: deps.onAlert,
      postWebhook: deps.postWebhook,
    });
  }

  private nowMs(): number {
    return this.deps.now().getTime();
  }

  /** Ticks every `tickMs` until stop(); the first tick now (a console that slept or was closed catches up). */
  start(): void {
    if (this.timer) return;
    const tick = () => {
      try {
        this.tick();
      } catch (err) {
        (this.deps.logError ?? ((e) => console.error('costs: tick failed', e)))(err);
      }
    };
    tick();
    this.timer = setInterval(tick, this.deps.tickMs ?? 10_000);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.budget.settled();
  }

  /** One tick: accrue what is due, then raise the budget alerts the spend has reached. */
  tick(): BudgetAlert[] {
    this.ledger.accrue(this.nowMs());
    return this.budget.evaluate(this.nowMs());
  }

  /** Accrues every source up to now, however short the span (before a state or price change, a rental decision). */
  accrueNow(): void {
    this.ledger.accrue(this.nowMs(), { flush: true });
  }

  reconcileWithCharges(charges: VastChargesSource, options: { settleMs?: number; signal?: AbortSignal } = {}): Promise<Reconciliation[]> {
    return reconcileFinishedRentals({ ledger: this.ledger, charges, now: this.deps.now }, options);
  }

  summary(monthKey?: string) {
    const nowMs = this.nowMs();
    const month = this.monthSpan(monthKey ?? monthKeyOf(nowMs));
    const current = nowMs >= month.fromMs && nowMs < month.toMs;
    const settings = this.settingsRepo.get();
    const converter = new Converter(settings);
    const money = (amount: number): Money => converter.money(amount);

    const spentBySource = new Map<string, number>();
    let vps = 0;
    let gpu = 0;
    for (const a of this.ledger.amountsBySource(month)) {
      const amount = converter.toDisplay(a.amount, a.currency);
      spentBySource.set(`${a.sourceKind}:${a.sourceId}`, (spentBySource.get(`${a.sourceKind}:${a.sourceId}`) ?? 0) + amount);
      if (a.sourceKind === 'vps') vps += amount;
      else gpu += amount;
    }

    // Every day of the month up to today (the whole month when it is over), zero where nothing was billed.
    const byDay = new Map<number, { vps: number; gpu: number }>();
    for (const d of this.ledger.amountsByDay(month)) {
      const held = byDay.get(d.dayStartMs) ?? { vps: 0, gpu: 0 };
      held[d.sourceKind] += converter.toDisplay(d.amount, d.currency);
      byDay.set(d.dayStartMs, held);
    }
    const days: Array<{ day: string; vps: Money; gpu: Money }> = [];
    const lastDay = current ? daySpanOf(nowMs).fromMs : month.toMs - 1;
    for (let day = month.fromMs; day <= lastDay; day += 86_400_000) {
      const held = byDay.get(day) ?? { vps: 0, gpu: 0 };
      days.push({ day: dayKeyOf(day), vps: money(held.vps), gpu: money(held.gpu) });
    }

    const meters = this.ledger.meters();
    const open = meters.filter((m) => m.closedAtMs === null);
    const sources = meters
      .filter((m) => m.closedAtMs === null || spentBySource.has(`${m.kind}:${m.sourceId}`))
      .map((m) => ({
        sourceKind: m.kind,
        sourceId: m.sourceId,
        label: m.label,
        agentId: m.agentId,
        state: m.closedAtMs !== null ? ('closed' as const) : m.state,
        rate: { amount: m.rate, currency: m.currency, per: m.kind === 'vps' ? ('month' as const) : ('hour' as const) },
        spent: money(spentBySource.get(`${m.kind}:${m.sourceId}`) ?? 0),
        since: new Date(m.openedAtMs).toISOString(),
      }));

    const forecast = current
      ? forecastMonthEnd({
          nowMs,
          vpsSoFar: vps,
          gpuSoFar: gpu,
          vpsMonthlyPrices: open.filter((m) => m.kind === 'vps').map((m) => converter.toDisplay(m.rate, m.currency)),
          gpuBurnPerHour: open.filter((m) => m.kind === 'gpu').reduce((sum, m) => sum + converter.toDisplay(m.rate, m.currency), 0),
        })
      : null;

    const status = this.budget.status(nowMs);
    const labels = new Map(meters.map((m) => [m.sourceId, m]));
    return {
      month: monthKeyOf(month.fromMs),
      current,
      currency: converter.currency,
      accruedUntil: open.length ? new Date(Math.min(...open.map((m) => m.accruedUntilMs))).toISOString() : null,
      monthToDate: { total: money(vps + gpu), vps: money(vps), gpu: money(gpu) },
      today: status.daySpent,
      forecast: forecast && {
        total: money(forecast.total),
        fixed: money(forecast.fixed),
        gpuSoFar: money(forecast.gpuSoFar),
        gpuRest: money(forecast.gpuRest),
        gpuBurnPerHour: money(forecast.remainingHours > 0 ? forecast.gpuRest / forecast.remainingHours : 0),
      },
      budget: {
        monthly: status.monthly,
        daily: status.daily,
        monthPercent: settings.monthlyBudget === null ? null : ((vps + gpu) / settings.monthlyBudget) * 100,
        dayPercent: status.dayPercent,
        allowsRental: status.allowsRental,
        refusal: status.refusal,
      },
      alerts: this.budget.alertsOfMonth(monthKeyOf(month.fromMs)),
      days,
      sources,
      reconciliations: this.ledger.reconciliations(20).map((e) => {
        const detail = e.detail ?? {};
        const usd = (n: unknown): Money => ({ amount: typeof n === 'number' ? n : 0, currency: VAST_CURRENCY });
        return {
          sourceId: e.sourceId,
          label: labels.get(e.sourceId)?.label ?? e.sourceId,
          vastInstanceId: typeof detail.vastInstanceId === 'number' ? detail.vastInstanceId : null,
          ledger: usd(detail.ledgerUsd),
          charges: usd(detail.chargesUsd),
          difference: usd(e.amount),
          at: new Date(e.fromMs).toISOString(),
        };
      }),
    };
  }

  attribution(input: { month?: string; from?: string; to?: string; requestLimit?: number }): Attribution {
    const nowMs = this.nowMs();
    let period: Span;
    if (input.from || input.to) {
      if (!input.from || !input.to) throw new ConsoleError('COSTS_BAD_PERIOD', 'A period needs both its start (from) and its end (to).');
      period = { fromMs: Date.parse(input.from), toMs: Date.parse(input.to) };
      if (!(period.fromMs < period.toMs)) throw new ConsoleError('COSTS_BAD_PERIOD', 'The period ends before it starts.');
    } else if (input.month) {
      period = this.monthSpan(input.month);
    } else {
      // This month so far.
      period = { fromMs: monthSpanOf(nowMs).fromMs, toMs: Math.max(nowMs, monthSpanOf(nowMs).fromMs + 1) };
    }
    const converter = new Converter(this.settingsRepo.get());
    return attributeCosts({ db: this.deps.db, ledger: this.ledger, converter }, period, { nowMs, requestLimit: input.requestLimit });
  }

  async settings() {
    const stored = this.settingsRepo.get();
    const prices = new Map(this.settingsRepo.serverPrices().map((p) => [p.serverId, p]));
    const servers = this.deps.db.prepare('SELECT id, name FROM servers ORDER BY created_at, name').all() as Array<{ id: string; name: string }>;
    const money = (amount: number | null): Money | null => (amount === null ? null : { amount, currency: stored.displayCurrency });
    return {
      displayCurrency: stored.displayCurrency,
      rates: stored.rates,
      ratesNeeded: this.currenciesInUse(stored.displayCurrency).filter((c) => c !== stored.displayCurrency),
      monthlyBudget: money(stored.monthlyBudget),
      dailyBudget: money(stored.dailyBudget),
      webhook: { configured: await this.settingsRepo.webhookUrl().then((u) => u !== null), origin: stored.webhookOrigin },
      servers: servers.map((s) => {
        const price = prices.get(s.id);
        return { serverId: s.id, name: s.name, monthlyPrice: price ? { amount: price.monthlyPrice, currency: price.currency } : null };
      }),
      updatedAt: stored.updatedAt,
    };
  }

  async saveSettings(input: CostSettingsInput) {
    // A rate for the display currency itself is always 1: keep only the others.
    const rates = Object.fromEntries(Object.entries(input.rates).filter(([currency]) => currency !== input.displayCurrency));
    const missing = missingRates({ displayCurrency: input.displayCurrency, rates }, this.currenciesInUse(input.displayCurrency));
    if (missing.length) {
      throw new ConsoleError(
        'COSTS_RATE_MISSING',
        `Enter how much 1 ${missing.join(', 1 ')} is worth in ${input.displayCurrency}: ${missing.includes(VAST_CURRENCY) ? 'Vast.ai bills in USD' : 'a server is priced in it'}, and figures are shown in ${input.displayCurrency}.`,
      );
    }
    const previous: StoredCostSettings = this.settingsRepo.get();
    const webhookOrigin = input.webhookUrl === undefined ? previous.webhookOrigin : input.webhookUrl === null ? null : new URL(input.webhookUrl).origin;
    if (input.webhookUrl !== undefined) await this.settingsRepo.setWebhookUrl(input.webhookUrl);
    this.settingsRepo.save({ displayCurrency: input.displayCurrency, rates, monthlyBudget: input.monthlyBudget, dailyBudget: input.dailyBudget, webhookOrigin });
    this.deps.audit.record('costs.settings-saved', null, {
      displayCurrency: input.displayCurrency,
      rates,
      monthlyBudget: input.monthlyBudget,
      dailyBudget: input.dailyBudget,
      webhook: webhookOrigin,
    });
    // A budget lowered below what is spent raises its alerts now, not at the next tick.
    this.budget.evaluate();
    return this.settings();
  }

  async setServerPrice(input: { serverId: string; monthlyPrice: number | null; currency: string }) {
    const server = this.deps.db.prepare('SELECT id, name FROM servers WHERE id = ?').get(input.serverId) as { id: string; name: string } | undefined;
    if (!server) throw new ConsoleError('SERVER_NOT_FOUND', 'That server is not in this console (removed meanwhile?).');
    const settings = this.settingsRepo.get();
    if (input.monthlyPrice !== null && missingRates(settings, [input.currency]).length) {
      throw new ConsoleError('COSTS_RATE_MISSING', `Enter how much 1 ${input.currency} is worth in ${settings.displayCurrency} in the cost settings first.`);
    }
    // The time so far is billed at the old price; the new one holds from now.
    this.accrueNow();
    this.settingsRepo.setServerPrice(input.serverId, input.monthlyPrice === null ? null : { monthlyPrice: input.monthlyPrice, currency: input.currency });
    this.accrueNow();
    this.deps.audit.record('costs.server-price-set', input.serverId, { name: server.name, monthlyPrice: input.monthlyPrice, currency: input.currency });
    this.budget.evaluate();
    return this.settings();
  }

  private monthSpan(key: string): Span {
    const span = monthSpanOfKey(key);
    if (!span) throw new ConsoleError('COSTS_BAD_PERIOD', `"${key}" is not a month (YYYY-MM).`);
    return span;
  }

  /**
   * USD (Vast bills in it), the currencies of the servers' prices, and those this month's ledger holds (a server
   * whose price was removed still has its spend in its currency: without a rate for it the budget could not be
   * checked, and a save would be refused only after it was made).
   */
  private currenciesInUse(displayCurrency: string): string[] {
    const billed = this.ledger.amountsBySource(monthSpanOf(this.nowMs())).map((a) => a.currency);
    const used = new Set([VAST_CURRENCY, ...this.settingsRepo.serverPrices().map((p) => p.currency), ...billed]);
    used.delete(displayCurrency);
    return [...used].sort();
  }
}
