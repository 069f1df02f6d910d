// The automatic scaler's contract: the operator's policy (rent up to N GPUs of an offer filter while the fleet's
// expected backlog exceeds M minutes and the month's forecast stays under the budget; a GPU idle K minutes is
// destroyed), and its decisions with their reasons and figures. Support staff (read-only) see both; only an
// operator changes the policy (audited).
import { z } from 'zod';
import type { OfferFilters } from '../vast/vast-offer-query.js';
import { defineInvoke } from './define.js';

/** Any object passes here; the service validates it with parseOfferFilters (VAST_FILTER_OUT_OF_RANGE naming the filter). */
const OfferFiltersAsSent = z.custom<OfferFilters>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), { message: 'offer filters are an object' });

export const AutoscalePolicy = z.object({
  enabled: z.boolean(),
  /** Open rentals (booting ones included) never exceed this. */
  maxInstances: z.number().int().min(1).max(20),
  /** The filters of vast:search-offers; the cheapest matching offer is rented. */
  filters: OfferFiltersAsSent,
  /** Rent while the fleet's expected backlog exceeds this many minutes. */
  backlogMinutes: z.number().positive().max(24 * 60),
  /** A rented GPU with no job for this long is destroyed (the idle policy's limit while this policy is on). */
  idleMinutes: z.number().positive().max(24 * 60),
  /** Disk of each rental, GB (Vast's minimum is 8). */
  diskGb: z.number().min(8).max(20_000),
});
export type AutoscalePolicy = z.infer<typeof AutoscalePolicy>;

export const AutoscalePolicyView = AutoscalePolicy.extend({
  /** When an operator last saved it; null: never (the defaults, off). */
  updatedAt: z.string().nullable(),
});
export type AutoscalePolicyView = z.infer<typeof AutoscalePolicyView>;

export const AutoscaleAction = z.enum(['rent', 'destroy', 'refuse']);

export const AutoscaleFigures = z.object({
  backlogMinutes: z.number().optional(),
  thresholdMinutes: z.number().optional(),
  openRentals: z.number().optional(),
  maxInstances: z.number().optional(),
  /** Month-end forecast in the display currency, before and with the new instance's $/h for the rest of the month. */
  forecast: z.number().optional(),
  forecastWithNew: z.number().optional(),
  /** The monthly budget (display currency); null without one. */
  limit: z.number().nullable().optional(),
  currency: z.string().optional(),
  offerId: z.number().optional(),
  offerUsdPerHour: z.number().optional(),
  idleMinutes: z.number().optional(),
  rentalId: z.string().optional(),
});
export type AutoscaleFigures = z.infer<typeof AutoscaleFigures>;

export const AutoscaleDecision = z.object({
  id: z.number().int(),
  at: z.string(),
  action: AutoscaleAction,
  /** Stable: RENTED, MAX_INSTANCES, FORECAST_OVER_BUDGET, BUDGET_EXHAUSTED, NO_OFFER, IDLE, BUDGET_SPENT, or the error code a rent was refused with. */
  reasonCode: z.string(),
  message: z.string(),
  figures: AutoscaleFigures,
  rentalId: z.string().nullable(),
  operationId: z.string().nullable(),
});
export type AutoscaleDecision = z.infer<typeof AutoscaleDecision>;

export const autoscalePolicyMethod = defineInvoke('autoscale:policy', {
  input: z.object({}).default({}),
  output: AutoscalePolicyView,
  readOnly: true,
});

export const setAutoscalePolicyMethod = defineInvoke('autoscale:set-policy', {
  input: AutoscalePolicy,
  output: AutoscalePolicyView,
});

/** Latest first. */
export const autoscaleDecisionsMethod = defineInvoke('autoscale:decisions', {
  input: z.object({ limit: z.number().int().min(1).max(500).default(50) }).default({ limit: 50 }),
  output: z.array(AutoscaleDecision),
  readOnly: true,
});

export const autoscaleContract = {
  [autoscalePolicyMethod.name]: autoscalePolicyMethod,
  [setAutoscalePolicyMethod.name]: setAutoscalePolicyMethod,
  [autoscaleDecisionsMethod.name]: autoscaleDecisionsMethod,
};
