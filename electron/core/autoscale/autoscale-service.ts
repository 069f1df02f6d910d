// The automatic scaler: every tick (30 s once started) it reads the fleet's expected backlog, the open rentals
// and the budget's forecast, asks the pure rule (autoscale-decision.ts), and rents the cheapest offer matching the
// policy's filter through RentalService.rent (which records the rental before it is made and asks the budget
// again before any call to Vast). It never destroys anything itself: the rental service's idle policy does, with
// this policy's idle time while it is on (`idleMinutes()`), and tells the scaler (`recordDestroy`) so the
// decision is on record here too. Every decision is a row and an audit entry; a refusal for the same reason as
// the last one is not written again until something else happened (a tick every 30 s would flood the list).
import type { AuditLog } from '../audit/audit-log.js';
import type { AutoscaleDecision, AutoscaleFigures, AutoscalePolicy, AutoscalePolicyView } from '../contracts/autoscale.js';
import { ConsoleError } from '../contracts/define.js';
import { monthSpanOf } from '../costs/calendar.js';
import type { CostsService } from '../costs/costs-service.js';
import { Converter, VAST_CURRENCY } from '../costs/money.js';
import type { Backlog } from '../dispatch/backlog.js';
import type { OperationEngine } from '../operations/operation-engine.js';
import type { ConsoleSettings } from '../store/console-settings.js';
import type { ConsoleDb } from '../store/console-store.js';
import type { RentalService } from '../vast/rental-service.js';
import { parseOfferFilters } from '../vast/vast-offer-query.js';
import { searchOfferViews } from '../vast/vast-offer-views.js';
import { decideTick, type OfferFact, type TickFacts } from './autoscale-decision.js';
import { AutoscaleRepository } from './autoscale-repository.js';

export interface AutoscaleServiceDeps {
  db: ConsoleDb;
  audit: AuditLog;
  settings: ConsoleSettings;
  operations: Pick<OperationEngine, 'status'>;
  rentals: Pick<RentalService, 'rent' | 'client' | 'repo'>;
  costs: Pick<CostsService, 'accrueNow' | 'summary' | 'budget' | 'settingsRepo'>;
  /** The fleet's expected backlog now (dispatch/backlog.ts over the live fleet). */
  backlog: () => Backlog;
  now: () => Date;
  /** A tick that failed (tried again at the next one); default console.warn. */
  logError?: (error: unknown) => void;
}

/** Rental states in which a rent is still being made. */
const makingStates = new Set(['intent', 'creating', 'create-unknown', 'booting']);

function codeOf(err: unknown): { code: string; message: string } {
  if (err instanceof ConsoleError) return { code: err.code, message: err.message };
  return { code: 'AUTOSCALE_ERROR', message: err instanceof Error ? err.message : String(err) };
}

export class AutoscaleService {
  readonly repo: AutoscaleRepository;
  private rentOperationId: string | null = null;
  /** The reason code of the last refusal written, until something else happens (de-duplication). */
  private lastRefusal: string | null;
  private ticking: Promise<AutoscaleDecision | null> | null = null;
  private loop: { stop(): Promise<void> } | null = null;

  constructor(private readonly deps: AutoscaleServiceDeps) {
    this.repo = new AutoscaleRepository(deps.db, deps.settings, deps.now);
    // After a restart the same refusal is not written again either.
    const [last] = this.repo.decisions(1);
    this.lastRefusal = last?.action === 'refuse' ? last.reasonCode : null;
  }

  policy(): AutoscalePolicyView {
    return this.repo.policy();
  }

  /** Validates the filters as the offer search does (VAST_FILTER_OUT_OF_RANGE) before anything is saved. */
  setPolicy(input: AutoscalePolicy): AutoscalePolicyView {
    parseOfferFilters({ ...input.filters, diskGb: input.diskGb });
    // Kept as the operator wrote them (defaults are applied at each search), minus the disk, which is the policy's.
    const { diskGb: _disk, ...given } = input.filters as Record<string, unknown>;
    const saved = this.repo.savePolicy({ ...input, filters: given });
    this.deps.audit.record('autoscale.policy-saved', null, { ...input, filters: given });
    // A new policy may change what is refused: the next refusal is written even if its reason is the same.
    this.lastRefusal = null;
    return saved;
  }

  decisions(limit: number): AutoscaleDecision[] {
    return this.repo.decisions(limit);
  }

  /** The idle policy's limit while the scaler is on; null leaves the rental service's own setting. */
  idleMinutes(): number | null {
    const policy = this.repo.policy();
    return policy.enabled ? policy.idleMinutes : null;
  }

  /** The rental service's idle policy destroyed a GPU: the decision goes on record with its figures. */
  recordDestroy(d: { rentalId: string; reason: string; budgetSpent: boolean; idleMinutes: number }): AutoscaleDecision {
    const open = this.deps.rentals.repo.listOpen().length;
    const code = d.budgetSpent ? 'BUDGET_SPENT' : 'IDLE';
    const figures: AutoscaleFigures = { rentalId: d.rentalId, idleMinutes: d.idleMinutes, openRentals: open };
    this.lastRefusal = null;
    return this.write({ action: 'destroy', reasonCode: code, message: `Destroyed rental ${d.rentalId}: ${d.reason}.`, figures, rentalId: d.rentalId });
  }

  /** One tick (a tick in progress is joined). Returns the decision written, or null when none was. */
  tick(): Promise<AutoscaleDecision | null> {
    this.ticking ??= this.tickOnce().finally(() => (this.ticking = null));
    return this.ticking;
  }

  start(intervalMs = 30_000): void {
    if (this.loop) return;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let current: Promise<unknown> = Promise.resolve();
    const pass = (): void => {
      current = this.tick()
        .catch((err: unknown) => (this.deps.logError ?? ((e) => console.warn(`autoscale: ${codeOf(e).message}`)))(err))
        .finally(() => {
          if (stopped) return;
          timer = setTimeout(pass, intervalMs);
          timer.unref();
        });
    };
    pass();
    this.loop = {
      stop: async () => {
        stopped = true;
        clearTimeout(timer);
        await current;
      },
    };
  }

  async stop(): Promise<void> {
    const loop = this.loop;
    this.loop = null;
    await loop?.stop();
  }

  private rentInFlight(): boolean {
    if (this.rentOperationId) {
      try {
        if (this.deps.operations.status(this.rentOperationId).status === 'running') return true;
      } catch {
        // Gone from the engine: not in flight.
      }
      this.rentOperationId = null;
    }
    // A rent being made by anyone (this console before a restart, an operator by hand) counts: one at a time.
    return this.deps.rentals.repo.listOpen().some((r) => makingStates.has(r.state));
  }

  private facts(): TickFacts {
    this.deps.costs.accrueNow();
    const nowMs = this.deps.now().getTime();
    const summary = this.deps.costs.summary();
    const status = this.deps.costs.budget.status(nowMs);
    return {
      backlogMinutes: this.deps.backlog().minutes,
      openRentals: this.deps.rentals.repo.listOpen().length,
      rentInFlight: this.rentInFlight(),
      budgetRefusal: status.refusal,
      forecast: summary.forecast?.total.amount ?? summary.monthToDate.total.amount,
      limit: status.monthly?.amount ?? null,
      currency: summary.currency,
      remainingHours: Math.max(0, monthSpanOf(nowMs).toMs - nowMs) / 3_600_000,
    };
  }

  private async cheapestOffer(policy: AutoscalePolicy): Promise<OfferFact | null> {
    const search = await searchOfferViews(() => this.deps.rentals.client(), { ...policy.filters, diskGb: policy.diskGb });
    const best = search.offers[0];
    if (!best) return null;
    const converter = new Converter(this.deps.costs.settingsRepo.get());
    return { offerId: best.offerId, usdPerHour: best.allInUsdPerHour, displayPerHour: converter.toDisplay(best.allInUsdPerHour, VAST_CURRENCY) };
  }

  private async tickOnce(): Promise<AutoscaleDecision | null> {
    const policy = this.repo.policy();
    if (!policy.enabled) {
      this.lastRefusal = null;
      return null;
    }
    let figures: AutoscaleFigures = { thresholdMinutes: policy.backlogMinutes, maxInstances: policy.maxInstances };
    try {
      const facts = this.facts();
      let decision = decideTick(policy, facts);
      if (decision.kind === 'need-offer') {
        figures = decision.figures;
        decision = decideTick(policy, facts, await this.cheapestOffer(policy));
      }
      if (decision.kind === 'none' || decision.kind === 'need-offer') {
        this.lastRefusal = null;
        return null;
      }
      if (decision.kind === 'refuse') return this.refuse(decision.code, decision.message, decision.figures);
      figures = decision.figures;
      const { operationId } = await this.deps.rentals.rent({ offerId: decision.offer.offerId, diskGb: policy.diskGb, filters: { ...policy.filters, diskGb: policy.diskGb }, maxAttempts: 3 });
      this.rentOperationId = operationId;
      this.lastRefusal = null;
      return this.write({ action: 'rent', reasonCode: 'RENTED', message: decision.message, figures, operationId });
    } catch (err) {
      // Vast not set up, no GPU image, the budget's own refusal at rent time, a missing conversion rate: each is a
      // refusal with its code, before anything was rented.
      const { code, message } = codeOf(err);
      return this.refuse(code, `Not renting: ${message}`, figures);
    }
  }

  private refuse(code: string, message: string, figures: AutoscaleFigures): AutoscaleDecision | null {
    if (this.lastRefusal === code) return null;
    this.lastRefusal = code;
    return this.write({ action: 'refuse', reasonCode: code, message, figures });
  }

  private write(d: Parameters<AutoscaleRepository['record']>[0]): AutoscaleDecision {
    const row = this.repo.record(d);
    this.deps.audit.record(`autoscale.${d.action}`, d.rentalId ?? null, { reasonCode: d.reasonCode, message: d.message, figures: d.figures, operationId: d.operationId ?? null }, 'console');
    return row;
  }
}
