// Figures of Fleet's GPUs section as plain functions: which rentals are still open, their uptime and the spend so
// far (an estimate: $/h × time running, until the ledger reconciles it with Vast's charges), the rental states in
// words, and the "Add GPU" filters from the form as typed.
import { OfferFilters, type RentalView } from '../../../../electron/core/contracts/vast.js';

/** States in which an instance may exist (or be about to) and still bill: these get a card. */
const openStates = new Set<RentalView['state']>(['intent', 'creating', 'create-unknown', 'booting', 'running', 'destroying']);

export function isOpenRental(rental: Pick<RentalView, 'state'>): boolean {
  return openStates.has(rental.state);
}

export const rentalStateText: Record<RentalView['state'], { label: string; tone: 'ok' | 'warn' | 'bad' | 'info' }> = {
  intent: { label: 'renting', tone: 'info' },
  creating: { label: 'renting', tone: 'info' },
  'create-unknown': { label: 'looking for it', tone: 'warn' },
  booting: { label: 'booting', tone: 'info' },
  running: { label: 'running', tone: 'ok' },
  destroying: { label: 'destroying', tone: 'warn' },
  destroyed: { label: 'destroyed', tone: 'info' },
  failed: { label: 'failed', tone: 'bad' },
};

/** "RTX 4090", "2× A100 SXM4", or "GPU" before Vast said which. */
export function rentalTitle(rental: Pick<RentalView, 'gpuName' | 'numGpus'>): string {
  const name = rental.gpuName ?? 'GPU';
  return rental.numGpus && rental.numGpus > 1 ? `${rental.numGpus}× ${name}` : name;
}

export interface RentalSpend {
  /** Seconds since the instance came up (to its end, once ended); null while it has not run. */
  runningSeconds: number | null;
  /** $/h × running time, USD; null while the rate or the start is unknown. */
  estimateUsd: number | null;
}

export function rentalSpend(rental: Pick<RentalView, 'runningAt' | 'endedAt' | 'totalUsdPerHour'>, nowMs: number): RentalSpend {
  if (!rental.runningAt) return { runningSeconds: null, estimateUsd: null };
  const end = rental.endedAt ? Date.parse(rental.endedAt) : nowMs;
  const runningSeconds = Math.max(0, (end - Date.parse(rental.runningAt)) / 1000);
  return { runningSeconds, estimateUsd: rental.totalUsdPerHour === null ? null : (rental.totalUsdPerHour * runningSeconds) / 3600 };
}

/** "45 s", "12 min", "2 h 05 min", "3 d 4 h". */
export function formatUptime(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** The card's idle line: working, or how long it has been idle and how long until the idle policy destroys it. */
export function idleCountdownText(rental: Pick<RentalView, 'idleSince' | 'idleDestroyAt'>, now: number): string {
  if (rental.idleSince === null || rental.idleDestroyAt === null) return 'working';
  const idleFor = formatUptime(Math.max(0, (now - Date.parse(rental.idleSince)) / 1000));
  const left = (Date.parse(rental.idleDestroyAt) - now) / 1000;
  return left > 0 ? `idle ${idleFor}; destroyed in ${formatUptime(left)} unless work comes` : `idle ${idleFor}; being destroyed`;
}

/** USD as Vast prices it: "USD 0.3512 / h" (four decimals: Vast's rates differ in the third). */
export function formatUsdPerHour(usd: number): string {
  return `USD ${usd.toFixed(4)} / h`;
}

export function formatUsd(usd: number): string {
  return `USD ${usd.toFixed(2)}`;
}

/** The "Add GPU" filters as typed: text fields, so an empty one means "any". */
export interface OfferFilterForm {
  gpuNames: string;
  maxUsdPerHour: string;
  minReliabilityPercent: string;
  diskGb: string;
  verifiedOnly: boolean;
}

export const defaultOfferFilterForm: OfferFilterForm = { gpuNames: '', maxUsdPerHour: '', minReliabilityPercent: '', diskGb: '32', verifiedOnly: true };

export type OfferFilterField = Exclude<keyof OfferFilterForm, 'verifiedOnly'>;

/** The form for saved filters (the operator's defaults); what the form has no field for keeps its built-in value. */
export function formFromOfferFilters(filters: OfferFilters | null): OfferFilterForm {
  if (!filters) return defaultOfferFilterForm;
  return {
    gpuNames: (filters.gpuNames ?? []).join(', '),
    maxUsdPerHour: filters.maxDphTotal !== undefined ? String(filters.maxDphTotal) : '',
    minReliabilityPercent: filters.minReliability !== undefined ? String(Math.round(filters.minReliability * 1000) / 10) : '',
    diskGb: String(filters.diskGb ?? 32),
    verifiedOnly: filters.verifiedOnly ?? true,
  };
}

/** Saved filters in words, for Settings: "RTX 4090 · at most USD 0.60 / h all in · 64 GB disk · verified only". */
export function describeOfferFilters(filters: OfferFilters): string {
  const parts = [
    filters.gpuNames?.length ? filters.gpuNames.join(' or ') : 'any GPU',
    ...(filters.maxDphTotal !== undefined ? [`at most USD ${filters.maxDphTotal.toFixed(2)} / h all in`] : []),
    ...(filters.minReliability !== undefined ? [`reliability ≥ ${Math.round(filters.minReliability * 1000) / 10} %`] : []),
    `${filters.diskGb ?? 32} GB disk`,
    filters.verifiedOnly === false ? 'verified or not' : 'verified only',
  ];
  return parts.join(' · ');
}

/** How many offers one search lists (the cheapest ones). */
export const offersPerSearch = 30;

const fieldOfFilter: Record<string, OfferFilterField> = { gpuNames: 'gpuNames', maxDphTotal: 'maxUsdPerHour', minReliability: 'minReliabilityPercent', diskGb: 'diskGb' };

const numberOf = (text: string): number | undefined | 'bad' => {
  const t = text.trim().replace(',', '.');
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : 'bad';
};

/**
 * The filters to search with, or what is wrong per field. Checked with the contract's own schema, so the form
 * says what the console would refuse (VAST_FILTER_OUT_OF_RANGE) before anything is sent.
 */
export function offerFiltersFromForm(form: OfferFilterForm): { filters: OfferFilters; errors: null } | { filters: null; errors: Partial<Record<OfferFilterField, string>> } {
  const errors: Partial<Record<OfferFilterField, string>> = {};
  const max = numberOf(form.maxUsdPerHour);
  const reliability = numberOf(form.minReliabilityPercent);
  const disk = numberOf(form.diskGb);
  if (max === 'bad') errors.maxUsdPerHour = 'a price in USD per hour, e.g. 0.50';
  if (reliability === 'bad') errors.minReliabilityPercent = 'a percentage, e.g. 98';
  if (disk === 'bad' || disk === undefined) errors.diskGb = 'the disk to rent in GB, e.g. 32';
  if (Object.keys(errors).length > 0) return { filters: null, errors };
  const gpuNames = form.gpuNames
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const filters: OfferFilters = {
    ...(gpuNames.length ? { gpuNames } : {}),
    ...(max !== undefined ? { maxDphTotal: max as number } : {}),
    ...(reliability !== undefined ? { minReliability: (reliability as number) / 100 } : {}),
    diskGb: disk as number,
    verifiedOnly: form.verifiedOnly,
    minDirectPorts: 1,
    limit: offersPerSearch,
  };
  const checked = OfferFilters.safeParse(filters);
  if (checked.success) return { filters, errors: null };
  for (const issue of checked.error.issues) {
    const field = fieldOfFilter[String(issue.path[0])];
    if (!field || errors[field]) continue;
    errors[field] =
      field === 'maxUsdPerHour'
        ? 'more than 0 and at most 1000 USD per hour'
        : field === 'minReliabilityPercent'
          ? 'between 0 and 100 %'
          : field === 'diskGb'
            ? 'at least 8 GB (Vast.ai’s minimum) and at most 20000'
            : 'GPU models as Vast.ai names them, separated by commas';
  }
  return { filters: null, errors };
}
