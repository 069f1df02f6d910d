// Turns the console's offer filters into Vast's search query (`{field: {op: value}}` plus order, type, limit
// and allocated_storage, which Vast prices into dph_total). Filters are validated first: a value out of range
// is refused with VAST_FILTER_OUT_OF_RANGE before anything is sent.
import { z } from 'zod';
import { VastError } from './vast-errors.js';

export const OfferFilters = z
  .object({
    /** GPU models as Vast names them ("RTX 4090"); any of them. */
    gpuNames: z.array(z.string().trim().min(1).max(64)).max(32).optional(),
    /** Exactly this many GPUs. */
    numGpus: z.number().int().min(1).max(16).optional(),
    /** Ceiling of the all-in $/h (GPU + the disk below). */
    maxDphTotal: z.number().positive().max(1000).optional(),
    /** Machine reliability 0..1. */
    minReliability: z.number().min(0).max(1).optional(),
    verifiedOnly: z.boolean().default(true),
    /** Open ports on the host's router; the agent needs one for its own port. */
    minDirectPorts: z.number().int().min(0).max(1000).default(1),
    /** Disk to rent in GB (Vast's minimum is 8); offers with less free disk are left out, and the price includes it. */
    diskGb: z.number().min(8).max(20_000).default(32),
    /** Highest CUDA version the host's driver supports, at least this (e.g. 12.1). */
    minCudaVersion: z.number().min(1).max(99).optional(),
    /** Two-letter country codes, any of them. */
    countries: z.array(z.string().regex(/^[A-Z]{2}$/, 'two capital letters, e.g. US')).max(250).optional(),
    excludeCountries: z.array(z.string().regex(/^[A-Z]{2}$/, 'two capital letters, e.g. CN')).max(250).optional(),
    /** on-demand, or bid (interruptible; priced at min_bid). */
    type: z.enum(['on-demand', 'bid']).default('on-demand'),
    order: z.enum(['price', 'score']).default('price'),
    limit: z.number().int().min(1).max(1000).default(64),
  })
  .strict();
export type OfferFilters = z.input<typeof OfferFilters>;
export type ParsedOfferFilters = z.output<typeof OfferFilters>;

export function parseOfferFilters(input: unknown): ParsedOfferFilters {
  const parsed = OfferFilters.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.') || 'filters';
    throw new VastError('VAST_FILTER_OUT_OF_RANGE', `Offer filter "${field}": ${issue.message}. Change it and search again.`);
  }
  return parsed.data;
}

export type OfferQuery = Record<string, unknown>;

export function buildOfferQuery(input: OfferFilters): OfferQuery {
  const f = parseOfferFilters(input);
  const q: OfferQuery = {
    rentable: { eq: true },
    rented: { eq: false },
    external: { eq: false },
    disk_space: { gte: f.diskGb },
    direct_port_count: { gte: f.minDirectPorts },
  };
  if (f.verifiedOnly) q.verified = { eq: true };
  if (f.gpuNames?.length) q.gpu_name = { in: f.gpuNames };
  if (f.numGpus !== undefined) q.num_gpus = { eq: f.numGpus };
  if (f.maxDphTotal !== undefined) q.dph_total = { lte: f.maxDphTotal };
  if (f.minReliability !== undefined) q.reliability = { gte: f.minReliability };
  if (f.minCudaVersion !== undefined) q.cuda_max_good = { gte: f.minCudaVersion };
  if (f.countries?.length || f.excludeCountries?.length) {
    q.geolocation = { ...(f.countries?.length ? { in: f.countries } : {}), ...(f.excludeCountries?.length ? { notin: f.excludeCountries } : {}) };
  }
  q.order = f.order === 'price' ? [['dph_total', 'asc']] : [['score', 'desc']];
  q.type = f.type;
  q.limit = f.limit;
  q.allocated_storage = f.diskGb;
  return q;
}
