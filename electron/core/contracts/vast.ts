// The console contract for Vast.ai GPUs (`vastContract`): the key (checked before it is saved) and the account's
// credit, the GPU image and its registry login, the offer search, renting as an operation, destroying, the list of
// rentals and the reconcile. Settings → GPUs and Fleet's GPUs section build on these.
import { z } from 'zod';
import { OfferFilters } from '../vast/vast-offer-query.js';
import { defineInvoke, OperationStarted } from './define.js';

/** The offer filters (the renderer checks its form with them) and the stable codes Vast.ai calls can answer with. */
export { OfferFilters } from '../vast/vast-offer-query.js';
export { vastErrorCodes, type VastErrorCode } from '../vast/vast-errors.js';

/** A Vast.ai API key as pasted: one word (a space inside is a paste that went wrong). */
export const VastApiKey = z
  .string()
  .trim()
  .min(16, 'a Vast.ai API key is longer: copy the whole key from Account → API keys')
  .max(200)
  .regex(/^\S+$/, 'the key has a space inside: copy it again, without spaces');

/** The account behind the key (what /users/current/ says). */
export const VastAccountFacts = z.object({ email: z.string().nullable(), creditUsd: z.number() });

/**
 * Checks the key against Vast's /users/current/ and only then keeps it in the vault: a key Vast refuses is
 * VAST_AUTH_FAILED and nothing is saved. While rentals are open, a key of another Vast.ai account is refused
 * (VAST_KEY_OTHER_ACCOUNT): with it the console could neither see nor destroy the instances it rented.
 */
export const saveVastKeyMethod = defineInvoke('vast:save-key', {
  input: z.object({ apiKey: VastApiKey }),
  output: VastAccountFacts,
});

export const VastAccountView = z.object({
  /** A key is in the vault. */
  configured: z.boolean(),
  email: z.string().nullable(),
  /** Remaining prepaid credit (USD); null when not asked or Vast did not answer. */
  creditUsd: z.number().nullable(),
  /** Why the saved key could not be checked (Vast refused it, or could not be reached); null when it was, or not asked. */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type VastAccountView = z.infer<typeof VastAccountView>;

/** Whether a key is saved and, unless checkWithVast is false, the account's credit (one call to Vast). */
export const vastAccountMethod = defineInvoke('vast:account', {
  input: z.object({ checkWithVast: z.boolean().default(true) }).default({ checkWithVast: true }),
  output: VastAccountView,
  readOnly: true,
});

export const VastOfferView = z.object({
  offerId: z.number().int(),
  machineId: z.number().int(),
  gpuName: z.string(),
  numGpus: z.number(),
  gpuRamGb: z.number().nullable(),
  cpuCores: z.number().nullable(),
  /** The GPU part, $/h (dph_base, or min_bid for an interruptible bid). */
  gpuUsdPerHour: z.number(),
  /** The disk asked for, $/h. */
  diskUsdPerHour: z.number(),
  /** GPU + the disk asked for, $/h (the figure offers are sorted by). */
  allInUsdPerHour: z.number(),
  /** 0..1. */
  reliability: z.number().nullable(),
  verified: z.boolean(),
  /** "City, CC" as Vast writes it. */
  location: z.string().nullable(),
  countryCode: z.string().nullable(),
  directPortCount: z.number(),
  cudaMaxGood: z.number().nullable(),
  /** Vast's DLPerf: its estimate of the machine's deep-learning speed. */
  dlperf: z.number().nullable(),
  /**
   * The speed score: DLPerf per all-in $/h (speed for the money). Null where Vast gives no DLPerf. The console's
   * own benchmarks of rented agents may replace it once there are some.
   */
  speedScore: z.number().nullable(),
});
export type VastOfferView = z.infer<typeof VastOfferView>;

export const VastOfferSearch = z.object({
  /** The disk the all-in prices include. */
  diskGb: z.number(),
  type: z.enum(['on-demand', 'bid']),
  /** Cheapest all-in $/h first; equal prices: the higher speed score first. */
  offers: z.array(VastOfferView),
});
export type VastOfferSearch = z.infer<typeof VastOfferSearch>;

/**
 * Any object passes the contract's check here; the handler validates it with parseOfferFilters, so a filter out of
 * range is VAST_FILTER_OUT_OF_RANGE naming the filter (as renting's filters are), before any call to Vast.
 */
const OfferFiltersAsSent = z.custom<OfferFilters>((v) => v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v)), {
  message: 'offer filters are an object',
});

/** Offers matching the filters, priced all in with the disk asked for, cheapest first, each with its speed score. */
export const searchVastOffersMethod = defineInvoke('vast:search-offers', {
  input: OfferFiltersAsSent,
  output: VastOfferSearch,
  readOnly: true,
});

/**
 * A Docker image reference Vast can pull: [registry[:port]/]path[:tag][@sha256:digest], the path in lower case.
 * Vast pulls it on a machine of its own, so a registry on loopback or a private address cannot work there.
 */
export const GpuImageReference = z
  .string()
  .trim()
  .max(255)
  .regex(
    /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::\d{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/,
    'not an image reference: write registry.example.com/team/mediafleet-gpu:1.0 (lower-case path, optional tag)',
  );

/** Vast passes the login to `docker login` as "-u USER -p PASSWORD REGISTRY": none of the three may hold a space. */
export const VastImageLogin = z.object({
  registry: z
    .string()
    .trim()
    .regex(/^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::\d{1,5})?$/, 'a registry host, e.g. registry.example.com or ghcr.io'),
  username: z.string().trim().min(1, 'the registry user name').max(200).regex(/^\S+$/, 'a user name without spaces'),
  password: z.string().min(1, 'the password or access token').max(1000).regex(/^\S+$/, 'Vast passes the password on a command line: use an access token without spaces'),
});
export type VastImageLogin = z.infer<typeof VastImageLogin>;

export const VastSettingsView = z.object({
  /** The image a rental has Vast pull; null until set. */
  gpuImage: z.string().nullable(),
  /** The registry login is in the vault; it is never answered, only whether there is one. */
  imageLogin: z.object({ configured: z.boolean() }),
  /** The filters Add GPU starts from; null: the built-in ones (verified, a direct port, 32 GB). */
  defaultFilters: OfferFilters.nullable(),
});
export type VastSettingsView = z.infer<typeof VastSettingsView>;

export const vastSettingsMethod = defineInvoke('vast:settings', {
  input: z.object({}).default({}),
  output: VastSettingsView,
  readOnly: true,
});

/** Sets what is given: a value replaces, null removes, absent leaves it as it is. New rentals use the new values. */
export const setVastSettingsMethod = defineInvoke('vast:set-settings', {
  input: z.object({ gpuImage: GpuImageReference.nullable().optional(), imageLogin: VastImageLogin.nullable().optional(), defaultFilters: OfferFilters.nullable().optional() }),
  output: VastSettingsView,
});

export const RentInput = z.object({
  offerId: z.number().int().positive(),
  diskGb: z.number().min(8).max(20_000).default(32),
  /**
   * The filters the offer was found with: when it is gone or its instance does not boot, the next try is the
   * cheapest other offer matching them (on another machine). Default: any verified offer with a direct port.
   */
  filters: OfferFilters.optional(),
  /** Creates in all, the first included (each failed one is destroyed and confirmed gone before the next). */
  maxAttempts: z.number().int().min(1).max(5).default(3),
});
export type RentInput = z.input<typeof RentInput>;

/** Starts a rental operation (kind 'vast-rent': intent row, create, boot, register); progress as operation events. */
export const rentVastInstanceMethod = defineInvoke('vast:rent', {
  input: RentInput,
  output: OperationStarted,
});

export const destroyVastInstanceMethod = defineInvoke('vast:destroy', {
  input: z
    .object({ instanceId: z.number().int().positive().optional(), rentalId: z.string().min(1).max(100).optional() })
    .refine((v) => (v.instanceId === undefined) !== (v.rentalId === undefined), { message: 'name either instanceId or rentalId' }),
  /** destroyed: the instance is confirmed gone from Vast's listing; alreadyGone: it was gone before this call. */
  output: z.object({ destroyed: z.boolean(), alreadyGone: z.boolean() }),
});

export const RentalState = z.enum(['intent', 'creating', 'create-unknown', 'booting', 'running', 'destroying', 'destroyed', 'failed']);

export const RentalView = z.object({
  rentalId: z.string(),
  label: z.string(),
  operationId: z.string().nullable(),
  attempt: z.number().int(),
  offerId: z.number().int(),
  instanceId: z.number().int().nullable(),
  state: RentalState,
  /** Vast's actual_status when last seen. */
  vastStatus: z.string().nullable(),
  gpuName: z.string().nullable(),
  numGpus: z.number().nullable(),
  diskGb: z.number(),
  /** $/h: GPU, disk, and both (billed while running). Null until Vast said. */
  gpuUsdPerHour: z.number().nullable(),
  diskUsdPerHour: z.number().nullable(),
  totalUsdPerHour: z.number().nullable(),
  agentId: z.string().nullable(),
  agentName: z.string().nullable(),
  createdAt: z.string(),
  runningAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  endReason: z.string().nullable(),
  lastError: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Running with no job since then (null while a job runs on it, or when it is not running). */
  idleSince: z.string().nullable(),
  /** When the idle policy destroys it if no job comes before (its next pass after this moment). */
  idleDestroyAt: z.string().nullable(),
});
export type RentalView = z.infer<typeof RentalView>;

export const listVastRentalsMethod = defineInvoke('vast:rentals', {
  input: z.object({ includeEnded: z.boolean().default(true), limit: z.number().int().min(1).max(1000).default(200) }).default({ includeEnded: true, limit: 200 }),
  output: z.array(RentalView),
  readOnly: true,
});

export const ReconcileReport = z.object({
  /** Instances in Vast's listing that carry this console's label prefix. */
  instancesSeen: z.number().int(),
  /** Rentals whose instance was found by its label and recorded. */
  adopted: z.array(z.object({ rentalId: z.string(), instanceId: z.number().int() })),
  /** Booting rentals whose agent was registered in the fleet. */
  registered: z.array(z.object({ rentalId: z.string(), agentId: z.string() })),
  /** Instances destroyed (and confirmed gone): orphans, failed boots, unfinished destroys. */
  destroyed: z.array(z.object({ rentalId: z.string().nullable(), instanceId: z.number().int(), reason: z.string() })),
  /** Intents whose create left no instance: nothing was rented. */
  failed: z.array(z.object({ rentalId: z.string() })),
  /** Rentals whose instance Vast no longer lists (destroyed outside this console). */
  gone: z.array(z.object({ rentalId: z.string(), instanceId: z.number().int() })),
  /** Left for a later pass: still inside the create window, booting, or worked on by an operation. */
  pending: z.array(z.object({ rentalId: z.string(), why: z.string() })),
  errors: z.array(z.object({ rentalId: z.string().nullable(), instanceId: z.number().int().nullable(), code: z.string(), message: z.string() })),
});
export type ReconcileReport = z.infer<typeof ReconcileReport>;

export const reconcileVastMethod = defineInvoke('vast:reconcile', {
  input: z.object({}).default({}),
  output: ReconcileReport,
});

export const vastContract = {
  [saveVastKeyMethod.name]: saveVastKeyMethod,
  [vastAccountMethod.name]: vastAccountMethod,
  [searchVastOffersMethod.name]: searchVastOffersMethod,
  [vastSettingsMethod.name]: vastSettingsMethod,
  [setVastSettingsMethod.name]: setVastSettingsMethod,
  [rentVastInstanceMethod.name]: rentVastInstanceMethod,
  [destroyVastInstanceMethod.name]: destroyVastInstanceMethod,
  [listVastRentalsMethod.name]: listVastRentalsMethod,
  [reconcileVastMethod.name]: reconcileVastMethod,
};
