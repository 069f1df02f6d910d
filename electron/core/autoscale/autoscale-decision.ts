// The scaler's rule, pure: the facts of one tick in, one decision out. Rent only while the backlog exceeds the
// threshold, fewer than N rentals are open, no rent is in flight, the budget is not spent, an offer matches, and
// the month-end forecast with the new instance's $/h held for the rest of the month stays under the monthly
// budget. The checks that need no offer come first, so a refusal they give costs no search at Vast.ai. The bench
// (bench/bench-autoscale.ts) replays a trace through this same function.
import type { AutoscaleFigures, AutoscalePolicy } from '../contracts/autoscale.js';

export interface TickFacts {
  backlogMinutes: number;
  /** Rentals not ended (booting and destroying ones included): what N caps. */
  openRentals: number;
  /** A rent this scaler started is still being made (never more than one at once). */
  rentInFlight: boolean;
  /** The budget's own refusal (100 % of the monthly or daily budget); null when it allows a rental. */
  budgetRefusal: string | null;
  /** Month-end forecast so far, display currency. */
  forecast: number;
  /** The monthly budget, display currency; null without one. */
  limit: number | null;
  currency: string;
  /** Hours left in the month (the new instance's $/h is held for them). */
  remainingHours: number;
}

export interface OfferFact {
  offerId: number;
  /** All in (GPU + the disk asked for), USD. */
  usdPerHour: number;
  /** The same in the display currency. */
  displayPerHour: number;
}

export type Decision =
  /** Nothing to do: no row (the backlog is under the threshold, the policy is off, or a rent is in flight). */
  | { kind: 'none'; why: string }
  /** Every check that needs no offer passed: look up the cheapest matching offer and decide again with it. */
  | { kind: 'need-offer'; figures: AutoscaleFigures }
  | { kind: 'rent'; offer: OfferFact; message: string; figures: AutoscaleFigures }
  | { kind: 'refuse'; code: string; message: string; figures: AutoscaleFigures };

const money = (n: number, currency: string) => `${n.toFixed(2)} ${currency}`;

/** `offer`: undefined before the search, null when none matched. */
export function decideTick(policy: AutoscalePolicy, facts: TickFacts, offer?: OfferFact | null): Decision {
  if (!policy.enabled) return { kind: 'none', why: 'the policy is off' };
  const figures: AutoscaleFigures = {
    backlogMinutes: round(facts.backlogMinutes, 2),
    thresholdMinutes: policy.backlogMinutes,
    openRentals: facts.openRentals,
    maxInstances: policy.maxInstances,
    forecast: round(facts.forecast, 4),
    limit: facts.limit,
    currency: facts.currency,
  };
  if (facts.backlogMinutes <= policy.backlogMinutes) return { kind: 'none', why: 'the backlog is under the threshold' };
  if (facts.rentInFlight) return { kind: 'none', why: 'a rent is in flight' };
  const backlog = `the backlog is ${Math.round(facts.backlogMinutes)} min (over ${policy.backlogMinutes} min)`;
  if (facts.openRentals >= policy.maxInstances) {
    return { kind: 'refuse', code: 'MAX_INSTANCES', message: `Not renting: ${backlog}, but ${facts.openRentals} of at most ${policy.maxInstances} GPU${policy.maxInstances === 1 ? ' is' : 's are'} already rented.`, figures };
  }
  if (facts.budgetRefusal) return { kind: 'refuse', code: 'BUDGET_EXHAUSTED', message: `Not renting: ${backlog}, but ${facts.budgetRefusal}`, figures };
  if (facts.limit !== null && facts.forecast >= facts.limit) {
    return {
      kind: 'refuse',
      code: 'FORECAST_OVER_BUDGET',
      message: `Not renting: ${backlog}, but the month-end forecast is already ${money(facts.forecast, facts.currency)}, over the ${money(facts.limit, facts.currency)} budget.`,
      figures,
    };
  }
  if (offer === undefined) return { kind: 'need-offer', figures };
  if (offer === null) return { kind: 'refuse', code: 'NO_OFFER', message: `Not renting: ${backlog}, but no Vast.ai offer matches the policy's filter.`, figures };
  const withNew = facts.forecast + offer.displayPerHour * facts.remainingHours;
  const offered: AutoscaleFigures = { ...figures, forecastWithNew: round(withNew, 4), offerId: offer.offerId, offerUsdPerHour: offer.usdPerHour };
  if (facts.limit !== null && withNew > facts.limit) {
    return {
      kind: 'refuse',
      code: 'FORECAST_OVER_BUDGET',
      message: `Not renting: ${backlog}, but offer ${offer.offerId} at ${offer.usdPerHour.toFixed(3)} USD/h for the rest of the month would bring the forecast to ${money(withNew, facts.currency)}, over the ${money(facts.limit, facts.currency)} budget.`,
      figures: offered,
    };
  }
  return {
    kind: 'rent',
    offer,
    message: `Renting offer ${offer.offerId} at ${offer.usdPerHour.toFixed(3)} USD/h: ${backlog}; ${facts.openRentals + 1} of at most ${policy.maxInstances} GPU${policy.maxInstances === 1 ? '' : 's'}${facts.limit !== null ? `, forecast with it ${money(withNew, facts.currency)} of ${money(facts.limit, facts.currency)}` : ', no monthly budget set'}.`,
    figures: offered,
  };
}

function round(n: number, digits: number): number {
  return Number(n.toFixed(digits));
}
