// When a rented GPU goes: one with no work for the idle time is destroyed (destroyed, never stopped: a stopped
// instance still bills its disk), and once the budget is spent each one goes as soon as its jobs have ended, or
// when the grace window after the budget ran out has passed. Pure: the facts come in, the decisions go out.

export interface IdlePolicySettings {
  /** A running GPU agent with no job for this long is destroyed. */
  idleMinutes: number;
  /** After the budget is spent, a GPU still working is destroyed this long later (its jobs go elsewhere). */
  budgetGraceMinutes: number;
}

export const defaultIdlePolicy: IdlePolicySettings = { idleMinutes: 10, budgetGraceMinutes: 15 };

export interface RentalActivity {
  rentalId: string;
  /** When its agent was registered (work could reach it from then on). */
  runningSinceMs: number;
  /** A job of this console is on it now. */
  busy: boolean;
  /** When its last job ended; null when it ran none. */
  lastJobEndedMs: number | null;
}

export interface IdleDecision {
  rentalId: string;
  reason: string;
}

export function idleDecisions(rentals: readonly RentalActivity[], nowMs: number, settings: IdlePolicySettings, budgetSpentSinceMs: number | null): IdleDecision[] {
  const decisions: IdleDecision[] = [];
  for (const r of rentals) {
    if (budgetSpentSinceMs !== null) {
      if (!r.busy) decisions.push({ rentalId: r.rentalId, reason: 'the budget is spent: destroyed once its jobs had ended' });
      else if (nowMs - budgetSpentSinceMs >= settings.budgetGraceMinutes * 60_000) {
        decisions.push({ rentalId: r.rentalId, reason: `the budget is spent and its ${settings.budgetGraceMinutes} min grace window has passed; its jobs go to other agents` });
      }
      continue;
    }
    if (r.busy) continue;
    const idleSince = Math.max(r.runningSinceMs, r.lastJobEndedMs ?? 0);
    const idleMs = nowMs - idleSince;
    if (idleMs >= settings.idleMinutes * 60_000) decisions.push({ rentalId: r.rentalId, reason: `idle for ${Math.round(idleMs / 60_000)} min (the idle limit is ${settings.idleMinutes} min)` });
  }
  return decisions;
}
