import { describe, expect, it } from 'vitest';
import { buildOfferQuery } from './vast-offer-query.js';
import { VastError } from './vast-errors.js';

describe('offer query', () => {
  it('builds the spec example query from the console filters', () => {
    const q = buildOfferQuery({ gpuNames: ['RTX 4090'], numGpus: 1, maxDphTotal: 0.5, minReliability: 0.98, minDirectPorts: 1, diskGb: 40, minCudaVersion: 12.1, countries: ['US', 'CA'], limit: 20 });
    expect(q).toMatchObject({
      gpu_name: { in: ['RTX 4090'] },
      num_gpus: { eq: 1 },
      dph_total: { lte: 0.5 },
      reliability: { gte: 0.98 },
      verified: { eq: true },
      rentable: { eq: true },
      rented: { eq: false },
      direct_port_count: { gte: 1 },
      disk_space: { gte: 40 },
      cuda_max_good: { gte: 12.1 },
      geolocation: { in: ['US', 'CA'] },
      order: [['dph_total', 'asc']],
      type: 'on-demand',
      limit: 20,
      allocated_storage: 40,
    });
  });

  it.each([
    [{ numGpus: 0 }, 'numGpus'],
    [{ minReliability: 1.5 }, 'minReliability'],
    [{ diskGb: 4 }, 'diskGb'],
    [{ maxDphTotal: -1 }, 'maxDphTotal'],
    [{ countries: ['usa'] }, 'countries.0'],
    [{ limit: 5000 }, 'limit'],
    [{ gpuName: 'RTX 4090' }, 'filters'],
  ])('refuses %j before anything is sent (VAST_FILTER_OUT_OF_RANGE naming %s)', (filters, field) => {
    let error: unknown;
    try {
      buildOfferQuery(filters as never);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(VastError);
    expect((error as VastError).code).toBe('VAST_FILTER_OUT_OF_RANGE');
    expect((error as VastError).message).toContain(`"${field}"`);
  });
});
