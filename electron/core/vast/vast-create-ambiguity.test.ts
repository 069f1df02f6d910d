// An ambiguous create (timeout, connection reset, 5xx) is never sent again: the client reads the instance back
// by its label, or reports VAST_CREATE_OUTCOME_UNKNOWN with the label for the caller to record. Each failure is
// injected by the fake, once with the instance created anyway and once without.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CreateFailureMode } from '../../../test-harness/vast/fake-vast-faults.js';
import { startFakeVastWithClient, type FakeVastWithClient } from '../../../test-harness/vast/vast-test-setup.js';
import type { VastError } from './vast-errors.js';

let t: FakeVastWithClient;
beforeEach(async () => {
  t = await startFakeVastWithClient({ seed: 23 });
  t.fake.faults.createTimeoutHoldMs = 5_000;
});
afterEach(async () => {
  await t.close();
});

async function cheapestOffer(): Promise<number> {
  return (await t.client.searchOffers({ diskGb: 16, verifiedOnly: false }))[0].id;
}

const modes: CreateFailureMode[] = ['timeout', 'reset', 500, 502, 503, 504];

describe('ambiguous create', () => {
  it.each(modes)('%s after the instance was made: found by its label, the create sent once', async (mode) => {
    const offerId = await cheapestOffer();
    t.fake.faults.failNextCreate(mode, true);
    const created = await t.client.createInstance({ offerId, image: 'example/app:1', diskGb: 16, label: `mf-amb-${mode}` });
    expect(created.readBack).toBe(true);
    expect(created.instanceApiKey).toBeNull();
    expect(t.fake.liveInstances().map((i) => [i.id, i.label])).toEqual([[created.instanceId, `mf-amb-${mode}`]]);
    expect(t.fake.log.count({ endpoint: 'create' })).toBe(1);
    expect(t.fake.log.count({ endpoint: 'list' })).toBeGreaterThanOrEqual(1);
  });

  it.each(modes)('%s before anything was made: VAST_CREATE_OUTCOME_UNKNOWN with the label, the create sent once', async (mode) => {
    const offerId = await cheapestOffer();
    t.fake.faults.failNextCreate(mode, false);
    let error: VastError | undefined;
    await t.client.createInstance({ offerId, image: 'example/app:1', diskGb: 16, label: `mf-none-${mode}` }).catch((e: VastError) => (error = e));
    expect(error?.code).toBe('VAST_CREATE_OUTCOME_UNKNOWN');
    expect(error?.details.label).toBe(`mf-none-${mode}`);
    expect(error?.message).toContain(`mf-none-${mode}`);
    expect(t.fake.liveInstances()).toHaveLength(0);
    expect(t.fake.log.count({ endpoint: 'create' })).toBe(1);
    // Every read-back was tried before giving up.
    expect(t.fake.log.count({ endpoint: 'list' })).toBe(3);
  });

  it('read-after-create lag: the instance is missing from the first read-backs, and still found', async () => {
    const lagged = await startFakeVastWithClient({ seed: 24, readAfterCreateLagReads: 2 });
    try {
      const offerId = (await lagged.client.searchOffers({ diskGb: 16, verifiedOnly: false }))[0].id;
      lagged.fake.faults.failNextCreate(502, true);
      const created = await lagged.client.createInstance({ offerId, image: 'example/app:1', diskGb: 16, label: 'mf-lag' });
      expect(created.readBack).toBe(true);
      expect(lagged.fake.log.count({ endpoint: 'list' })).toBe(3);
      expect(lagged.fake.log.count({ endpoint: 'create' })).toBe(1);
    } finally {
      await lagged.close();
    }
  });

  it('a cancel while the create is in flight: VAST_CREATE_OUTCOME_UNKNOWN, nothing resent', async () => {
    const offerId = await cheapestOffer();
    t.fake.faults.failNextCreate('timeout', true);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    let error: VastError | undefined;
    await t.client.createInstance({ offerId, image: 'example/app:1', diskGb: 16, label: 'mf-cancel' }, { signal: controller.signal }).catch((e: VastError) => (error = e));
    expect(error?.code).toBe('VAST_CREATE_OUTCOME_UNKNOWN');
    expect(t.fake.log.count({ endpoint: 'create' })).toBe(1);
    // The instance exists and carries the label the caller recorded: the reconcile will find it.
    expect(t.fake.liveInstances().map((i) => i.label)).toEqual(['mf-cancel']);
  });

  it('429s on create are not ambiguous (the limiter refused it): retried, one instance', async () => {
    const offerId = await cheapestOffer();
    t.fake.faults.rateLimitStorm(2, 'create');
    const created = await t.client.createInstance({ offerId, image: 'example/app:1', diskGb: 16, label: 'mf-429' });
    expect(created.readBack).toBe(false);
    expect(t.fake.log.entries.filter((e) => e.endpoint === 'create').map((e) => e.status)).toEqual([429, 429, 200]);
    expect(t.fake.liveInstances()).toHaveLength(1);
  });

  it('a bid below min_bid leaves a stopped contract, which the client destroys', async () => {
    const [offer] = await t.client.searchOffers({ diskGb: 16, verifiedOnly: false, type: 'bid' });
    let error: VastError | undefined;
    await t.client.createInstance({ offerId: offer.id, image: 'example/app:1', diskGb: 16, label: 'mf-bid', bidPrice: offer.minBid! / 2 }).catch((e: VastError) => (error = e));
    expect(error?.code).toBe('VAST_BID_TOO_LOW');
    expect(error?.details).toMatchObject({ destroyed: true });
    expect(t.fake.liveInstances()).toHaveLength(0);
    expect(t.fake.log.count({ endpoint: 'destroy', status: 200 })).toBe(1);
  });
});
