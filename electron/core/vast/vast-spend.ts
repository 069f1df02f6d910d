// Spend arithmetic from the spec's "Cost fields and computing spend": GPU time is billed at dph_total while
// running, the disk at storage_total_cost while stopped (not while offline), by the second. Estimates only:
// Vast's /charges/ is the authoritative figure.

/** Disk $/h: Vast prices storage per GB per month (720 h). */
export function storageHourlyUsd(diskGb: number, storageCostPerGbMonth: number): number {
  return (diskGb * storageCostPerGbMonth) / 720;
}

/**
 * What an offer costs per hour, all in, with `diskGb` of disk: the GPU part (dph_base, or min_bid for a bid) plus
 * the disk. This is the figure to compare offers by; Vast's own dph_total prices the disk searched for.
 */
export function offerAllInHourlyUsd(offer: { dphBase: number; storageCostPerGbMonth: number; minBid?: number | null }, diskGb: number, type: 'on-demand' | 'bid' = 'on-demand'): number {
  const gpu = type === 'bid' ? (offer.minBid ?? offer.dphBase) : offer.dphBase;
  return gpu + storageHourlyUsd(diskGb, offer.storageCostPerGbMonth);
}

export interface InstanceRates {
  /** $/h while running, disk included. */
  dphTotal: number;
  /** $/h of the disk alone, billed while stopped. */
  storageTotalCost: number;
}

export interface StateSeconds {
  runningSeconds: number;
  stoppedSeconds: number;
  /** Bytes moved, billed at the instance's inet costs when given. */
  uploadedBytes?: number;
  downloadedBytes?: number;
}

export function estimateSpendUsd(time: StateSeconds, rates: InstanceRates, inet: { upCostPerGb?: number | null; downCostPerGb?: number | null } = {}): number {
  const gb = 1e9;
  return (
    (Math.max(0, time.runningSeconds) * rates.dphTotal) / 3600 +
    (Math.max(0, time.stoppedSeconds) * rates.storageTotalCost) / 3600 +
    ((time.uploadedBytes ?? 0) / gb) * (inet.upCostPerGb ?? 0) +
    ((time.downloadedBytes ?? 0) / gb) * (inet.downCostPerGb ?? 0)
  );
}

/** How a container state is billed: the GPU only while running; storage in every state but offline. */
export function billingClassOf(actualStatus: string | null): 'running' | 'stopped' | 'free' {
  if (actualStatus === 'running') return 'running';
  if (actualStatus === 'offline') return 'free';
  return 'stopped';
}

/**
 * Seconds per billing class from observed states (time-ordered samples, each state holding until the next
 * sample, the last until `untilMs`). Samples before the first observation are not counted.
 */
export function stateSecondsFromSamples(samples: Array<{ atMs: number; actualStatus: string | null }>, untilMs: number): StateSeconds {
  let runningSeconds = 0;
  let stoppedSeconds = 0;
  for (let i = 0; i < samples.length; i++) {
    const end = i + 1 < samples.length ? samples[i + 1].atMs : untilMs;
    const seconds = Math.max(0, end - samples[i].atMs) / 1000;
    const cls = billingClassOf(samples[i].actualStatus);
    if (cls === 'running') runningSeconds += seconds;
    else if (cls === 'stopped') stoppedSeconds += seconds;
  }
  return { runningSeconds, stoppedSeconds };
}
