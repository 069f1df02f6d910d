// The Vast.ai endpoints the client calls, with the minimum interval between two calls to each. Vast limits
// requests per endpoint and identity with a minimum interval (OpenAPI `x-rate-limit`: create 4.5 s, show 2 s,
// list 1 s, stop/start 1 s, destroy 3 s, search 10 per minute) and answers 429 without Retry-After when a call
// comes early, so the client spaces its own calls instead of learning the limits from 429s.
export const vastEndpoints = ['search', 'create', 'show', 'list', 'state', 'destroy', 'account', 'charges', 'gpuNames'] as const;
export type VastEndpoint = (typeof vastEndpoints)[number];

/**
 * Minimum milliseconds between two calls to one endpoint, from the spec's thresholds. `account` and `charges`
 * have no published threshold: 1 s, like the list. `gpuNames` is anonymous and unlimited.
 */
export const vastMinIntervalsMs: Readonly<Record<VastEndpoint, number>> = {
  search: 6000,
  create: 4500,
  show: 2000,
  list: 1000,
  state: 1000,
  destroy: 3000,
  account: 1000,
  charges: 1000,
  gpuNames: 0,
};

/** Scales every interval (tests run the same spacing logic against a fake whose limits are scaled alike). */
export function scaledIntervals(scale: number, base: Readonly<Record<VastEndpoint, number>> = vastMinIntervalsMs): Record<VastEndpoint, number> {
  const out = {} as Record<VastEndpoint, number>;
  for (const endpoint of vastEndpoints) out[endpoint] = base[endpoint] * scale;
  return out;
}
