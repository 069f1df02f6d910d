import { describe, expect, it } from 'vitest';
import { billingClassOf, estimateSpendUsd, offerAllInHourlyUsd, stateSecondsFromSamples, storageHourlyUsd } from './vast-spend.js';

describe('Vast spend arithmetic', () => {
  it('prices disk per GB-month over 720 hours, as the OpenAPI example does', () => {
    expect(storageHourlyUsd(10, 0.14933)).toBeCloseTo(0.0020741, 6);
    // dph_total = dph_base + storage_total_cost (the example: 1.0 + 0.0020741)
    expect(offerAllInHourlyUsd({ dphBase: 1.0, storageCostPerGbMonth: 0.14933 }, 10)).toBeCloseTo(1.0020741, 6);
  });

  it('prices a bid at min_bid plus the same disk', () => {
    expect(offerAllInHourlyUsd({ dphBase: 0.4, minBid: 0.15, storageCostPerGbMonth: 0.1 }, 72, 'bid')).toBeCloseTo(0.15 + 0.01, 9);
  });

  it('bills running seconds at dph_total and stopped seconds at storage_total_cost', () => {
    const rates = { dphTotal: 0.5, storageTotalCost: 0.01 };
    expect(estimateSpendUsd({ runningSeconds: 7200, stoppedSeconds: 3600 }, rates)).toBeCloseTo(1.01, 9);
    expect(estimateSpendUsd({ runningSeconds: 0, stoppedSeconds: 0 }, rates)).toBe(0);
    expect(estimateSpendUsd({ runningSeconds: 0, stoppedSeconds: 0, uploadedBytes: 2e9, downloadedBytes: 1e9 }, rates, { upCostPerGb: 0.01, downCostPerGb: 0.02 })).toBeCloseTo(0.04, 9);
  });

  it('counts observed states until the next sample; offline is not billed', () => {
    expect(billingClassOf('offline')).toBe('free');
    expect(billingClassOf('loading')).toBe('stopped');
    const seconds = stateSecondsFromSamples(
      [
        { atMs: 0, actualStatus: 'loading' },
        { atMs: 60_000, actualStatus: 'running' },
        { atMs: 3_660_000, actualStatus: 'offline' },
        { atMs: 3_720_000, actualStatus: 'exited' },
      ],
      3_780_000,
    );
    expect(seconds).toEqual({ runningSeconds: 3600, stoppedSeconds: 120 });
  });
});
