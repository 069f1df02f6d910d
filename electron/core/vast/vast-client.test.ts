// The Vast.ai client against the fake Vast.ai: search, the lifecycle, listing, stop/start, destroy, account,
// charges, billing, scoped keys, rate limits and retries. Manual clock: the tests move time themselves.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeVastWithClient, testRateScale, type FakeVastWithClient } from '../../../test-harness/vast/vast-test-setup.js';
import { VastClient } from './vast-client.js';
import { scaledIntervals } from './vast-endpoints.js';
import { VastError } from './vast-errors.js';
import { hostPortOf } from './vast-schemas.js';
import { offerAllInHourlyUsd } from './vast-spend.js';

let t: FakeVastWithClient;
beforeEach(async () => {
  t = await startFakeVastWithClient({ seed: 11 });
});
afterEach(async () => {
  await t.close();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as VastError).code;
  }
  return 'no error';
}

const rentable = { diskGb: 16, minDirectPorts: 1, verifiedOnly: false };

async function rentCheapest(label: string): Promise<number> {
  const [offer] = await t.client.searchOffers(rentable);
  const created = await t.client.createInstance({ offerId: offer.id, image: 'example/app:1', diskGb: 16, label, ports: [{ port: 8787 }] });
  return created.instanceId;
}

describe('offer search', () => {
  it('filters, orders by all-in price with the disk asked for, and honours the limit', async () => {
    const offers = await t.client.searchOffers({ gpuNames: ['RTX 4090', 'RTX 3090'], diskGb: 100, minReliability: 0.95, verifiedOnly: false, minDirectPorts: 0, limit: 5 });
    expect(offers.length).toBeGreaterThan(0);
    expect(offers.length).toBeLessThanOrEqual(5);
    for (const o of offers) {
      expect(['RTX 4090', 'RTX 3090']).toContain(o.gpuName);
      expect(o.reliability).toBeGreaterThanOrEqual(0.95);
      expect(o.diskSpaceGb).toBeGreaterThanOrEqual(100);
      // Vast's dph_total prices the allocated storage, and equals our all-in figure for that disk.
      expect(o.dphTotal).toBeCloseTo(offerAllInHourlyUsd(o, 100), 9);
    }
    expect(offers.map((o) => o.dphTotal)).toEqual([...offers.map((o) => o.dphTotal)].sort((a, b) => a - b));
  });

  it('filters by country code and $/h ceiling; nothing matching is an empty list', async () => {
    const all = await t.client.searchOffers({ verifiedOnly: false, minDirectPorts: 0, diskGb: 8, limit: 1000 });
    const country = all[0].countryCode!;
    const inCountry = await t.client.searchOffers({ countries: [country], verifiedOnly: false, minDirectPorts: 0, diskGb: 8, limit: 1000 });
    expect(inCountry.length).toBe(all.filter((o) => o.countryCode === country).length);
    expect(await t.client.searchOffers({ maxDphTotal: 0.0001, verifiedOnly: false, diskGb: 8 })).toEqual([]);
  });

  it('refuses out-of-range filters before any call reaches Vast', async () => {
    t.fake.log.clear();
    expect(await codeOf(t.client.searchOffers({ numGpus: 0 }))).toBe('VAST_FILTER_OUT_OF_RANGE');
    expect(t.fake.log.entries).toHaveLength(0);
  });
});

describe('renting and the lifecycle', () => {
  it('goes null → loading → running; ports and a trimmed public IP only once running', async () => {
    const id = await rentCheapest('mf-test-lifecycle');
    let instance = await t.client.getInstance(id);
    expect(instance?.actualStatus).toBeNull();
    expect(instance?.ports).toEqual({});
    await t.fake.advance(10_000);
    instance = await t.client.getInstance(id);
    expect(instance?.actualStatus).toBe('loading');
    expect(instance?.publicIp).toBeNull();
    await t.fake.advance(60_000);
    instance = await t.client.getInstance(id);
    expect(instance?.actualStatus).toBe('running');
    expect(instance?.publicIp).toBe('127.0.0.1');
    expect(hostPortOf(instance!, 8787)).toBeGreaterThan(1024);
    expect(instance?.label).toBe('mf-test-lifecycle');
  });

  it('an offer rented by someone else is gone: VAST_OFFER_GONE, and later searches leave it out', async () => {
    const [offer] = await t.client.searchOffers(rentable);
    t.fake.vanishOffer(offer.id);
    expect(await codeOf(t.client.createInstance({ offerId: offer.id, image: 'example/app:1', diskGb: 16, label: 'mf-gone' }))).toBe('VAST_OFFER_GONE');
    expect((await t.client.searchOffers({ ...rentable, limit: 1000 })).map((o) => o.id)).not.toContain(offer.id);
    expect(t.fake.liveInstances()).toHaveLength(0);
  });

  it('a rented offer stops appearing and cannot be rented twice', async () => {
    const [offer] = await t.client.searchOffers(rentable);
    await t.client.createInstance({ offerId: offer.id, image: 'example/app:1', diskGb: 16, label: 'mf-first' });
    expect((await t.client.searchOffers({ ...rentable, limit: 1000 })).map((o) => o.id)).not.toContain(offer.id);
    expect(await codeOf(t.client.createInstance({ offerId: offer.id, image: 'example/app:1', diskGb: 16, label: 'mf-second' }))).toBe('VAST_OFFER_GONE');
    expect(t.fake.liveInstances()).toHaveLength(1);
  });

  it('destroy: the instance reads as null and leaves the listing; a second destroy counts as done', async () => {
    const id = await rentCheapest('mf-destroy');
    expect(await t.client.destroyInstance(id)).toEqual({ alreadyGone: false });
    expect(await t.client.getInstance(id)).toBeNull();
    expect((await t.client.listAllInstances()).map((i) => i.id)).not.toContain(id);
    expect(await t.client.destroyInstance(id)).toEqual({ alreadyGone: true });
  });

  it('stop and start move the state fields; start goes through scheduling and loading back to running', async () => {
    const id = await rentCheapest('mf-stop');
    await t.fake.advance(70_000);
    await t.client.stopInstance(id);
    let instance = await t.client.getInstance(id);
    expect([instance?.intendedStatus, instance?.curState, instance?.nextState]).toEqual(['stopped', 'stopped', 'stopped']);
    expect(['stopped', 'exited']).toContain(instance?.actualStatus);
    expect(instance?.ports).toEqual({});
    await t.client.startInstance(id);
    instance = await t.client.getInstance(id);
    expect(instance?.intendedStatus).toBe('running');
    expect(instance?.actualStatus).not.toBe('running');
    await t.fake.advance(5_000 + 60_000);
    expect((await t.client.getInstance(id))?.actualStatus).toBe('running');
  });

  it('a start can stay stuck in Scheduling when the GPU was taken meanwhile', async () => {
    const id = await rentCheapest('mf-stuck-start');
    await t.fake.advance(70_000);
    await t.client.stopInstance(id);
    t.fake.faults.stickNextStart();
    await t.client.startInstance(id);
    await t.fake.advance(3_600_000);
    const instance = (await t.client.getInstance(id))!;
    expect(instance.intendedStatus).toBe('running');
    expect(instance.actualStatus).not.toBe('running');
    expect(instance.statusMsg).toBe('Scheduling');
  });

  it('lists with v1 pagination, 25 a page, and filters by label', async () => {
    const many = await startFakeVastWithClient({ seed: 5, machines: 40, rateLimitScale: 0 }, { minIntervalsMs: scaledIntervals(0) });
    try {
      const offers = await many.client.searchOffers({ verifiedOnly: false, minDirectPorts: 0, diskGb: 8, limit: 1000 });
      for (const [i, offer] of offers.slice(0, 30).entries()) {
        await many.client.createInstance({ offerId: offer.id, image: 'example/app:1', diskGb: 8, label: `mf-page-${i}` });
      }
      const first = await many.client.listInstances();
      expect(first.instances).toHaveLength(25);
      expect(first.total).toBe(30);
      expect(first.nextToken).toBeTruthy();
      const second = await many.client.listInstances({ pageToken: first.nextToken! });
      expect(second.instances).toHaveLength(5);
      expect(second.nextToken).toBeNull();
      expect(new Set([...first.instances, ...second.instances].map((i) => i.id)).size).toBe(30);
      expect(await many.client.listAllInstances()).toHaveLength(30);
      const byLabel = await many.client.listInstances({ filters: { label: { eq: 'mf-page-7' } } });
      expect(byLabel.instances.map((i) => i.label)).toEqual(['mf-page-7']);
      // Computed columns cannot be filtered (Vast answers 400).
      expect(await codeOf(many.client.listInstances({ filters: { dph_total: { lte: 1 } } }))).toBe('VAST_BAD_REQUEST');
    } finally {
      await many.close();
    }
  });

  it('also takes the legacy ?api_key= parameter', async () => {
    const res = await fetch(`${t.fake.url}/api/v0/users/current/?api_key=${t.fake.apiKey}`);
    expect(res.status).toBe(200);
    // As Vast does, the account's own key is in the answer (the official CLI's `show user` removes it before printing).
    expect(await res.json()).toMatchObject({ credit: 25, api_key: t.fake.apiKey });
  });

  it('the deprecated v0 listing answers 410 deprecated_endpoint (not an auth error)', async () => {
    const res = await fetch(`${t.fake.url}/api/v0/instances/`, { headers: { authorization: `Bearer ${t.fake.apiKey}` } });
    expect(res.status).toBe(410);
    expect(await res.json()).toMatchObject({ error: 'deprecated_endpoint' });
  });
});

describe('bad input', () => {
  it('a wrong API key: VAST_AUTH_FAILED with what to do, and nothing rented', async () => {
    const [offer] = await t.client.searchOffers(rentable);
    const wrong = new VastClient({ baseUrl: t.fake.url, apiKey: 'not-a-real-key', minIntervalsMs: scaledIntervals(testRateScale) });
    let error: VastError | undefined;
    await wrong.createInstance({ offerId: offer.id, image: 'example/app:1', diskGb: 16, label: 'mf-wrong-key' }).catch((e: VastError) => (error = e));
    expect(error?.code).toBe('VAST_AUTH_FAILED');
    expect(error?.message).toMatch(/Settings/);
    expect(await codeOf(wrong.getAccount())).toBe('VAST_AUTH_FAILED');
    expect(t.fake.liveInstances()).toHaveLength(0);
    expect(t.fake.log.count({ endpoint: 'create', status: 401 })).toBe(1);
  });

  it.each([
    ['a value over 256 characters', { env: { MEDIAFLEET_SECRET: 'x'.repeat(257) } }, 'VAST_ENV_TOO_LONG'],
    ['32 KB of env in all', { env: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`V${i}`, 'y'.repeat(200)])) }, 'VAST_ENV_TOO_LONG'],
    ['an on-start script over 4096 characters', { onstart: `#!/bin/sh\n${'echo hi\n'.repeat(600)}` }, 'VAST_ONSTART_TOO_LONG'],
    ['a label over 256 characters', { label: 'l'.repeat(257) }, 'VAST_LABEL_TOO_LONG'],
    ['an env name that is not one', { env: { '-p 22:22': '1' } }, 'VAST_INVALID_REQUEST'],
    ['less than 8 GB of disk', { diskGb: 4 }, 'VAST_INVALID_REQUEST'],
  ])('refuses %s before the call', async (_what, change, code) => {
    t.fake.log.clear();
    const request = { offerId: 1, image: 'example/app:1', diskGb: 16, label: 'mf-limits', ...change };
    expect(await codeOf(t.client.createInstance(request))).toBe(code);
    expect(t.fake.log.entries).toHaveLength(0);
  });
});

describe('money', () => {
  it('the account shows credit; the billing clock drains it by dph_total while running and storage while stopped', async () => {
    t.fake.setCredit(10);
    expect((await t.client.getAccount()).credit).toBeCloseTo(10, 6);
    const id = await rentCheapest('mf-bill');
    await t.fake.advance(70_000); // provisioning (free) then loading (disk only) then running
    const instance = (await t.client.getInstance(id))!;
    const before = (await t.client.getAccount()).credit;
    await t.fake.advance(3_600_000);
    const afterRunningHour = (await t.client.getAccount()).credit;
    expect(before - afterRunningHour).toBeCloseTo(instance.dphTotal!, 6);
    await t.client.stopInstance(id);
    await t.fake.advance(3_600_000);
    expect(afterRunningHour - (await t.client.getAccount()).credit).toBeCloseTo(instance.storageTotalCost!, 6);
    const charges = await t.client.listCharges({ fromSeconds: 0, toSeconds: Date.now() / 1000 + 86_400 * 3 });
    const mine = charges.filter((c) => c.instanceId === id);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.reduce((s, c) => s + c.amountUsd, 0)).toBeCloseTo(10 - (await t.client.getAccount()).credit, 5);
  });

  it('at zero credit the instances stop, and nothing more is billed', async () => {
    const id = await rentCheapest('mf-broke');
    await t.fake.advance(70_000);
    const rate = (await t.client.getInstance(id))!.dphTotal!;
    t.fake.setCredit(rate / 2); // half an hour of GPU left
    await t.fake.advance(3_600_000);
    const instance = (await t.client.getInstance(id))!;
    expect(instance.intendedStatus).toBe('stopped');
    expect(instance.actualStatus).not.toBe('running');
    expect((await t.client.getAccount()).credit).toBe(0);
    expect(await codeOf(t.client.startInstance(id))).toBe('VAST_NO_CREDIT');
  });
});

describe('instance-scoped keys', () => {
  it('may read, stop and destroy only their own instance', async () => {
    const [a, b] = await t.client.searchOffers({ ...rentable, limit: 2 });
    const own = await t.client.createInstance({ offerId: a.id, image: 'example/app:1', diskGb: 16, label: 'mf-own' });
    const other = await t.client.createInstance({ offerId: b.id, image: 'example/app:1', diskGb: 16, label: 'mf-other' });
    const scoped = new VastClient({ baseUrl: t.fake.url, apiKey: own.instanceApiKey!, minIntervalsMs: scaledIntervals(testRateScale) });
    expect((await scoped.getInstance(own.instanceId))?.id).toBe(own.instanceId);
    expect(await codeOf(scoped.getInstance(other.instanceId))).toBe('VAST_FORBIDDEN');
    expect(await codeOf(scoped.destroyInstance(other.instanceId))).toBe('VAST_FORBIDDEN');
    expect(await codeOf(scoped.listInstances())).toBe('VAST_AUTH_FAILED');
    expect(await codeOf(scoped.getAccount())).toBe('VAST_AUTH_FAILED');
    await scoped.stopInstance(own.instanceId);
    expect(await scoped.destroyInstance(own.instanceId)).toEqual({ alreadyGone: false });
    expect(t.fake.liveInstances().map((i) => i.id)).toEqual([other.instanceId]);
    // Its key dies with it.
    expect(await codeOf(scoped.getInstance(own.instanceId))).toBe('VAST_AUTH_FAILED');
  });
});

describe('rate limits and server errors', () => {
  it('spaces calls per endpoint so the fake limiter never answers 429', async () => {
    // Limits at 1/20 of the real ones (list 50 ms, search 300 ms); the client spaces 20 % wider than the fake limits.
    const spaced = await startFakeVastWithClient({ rateLimitScale: 0.05 }, { minIntervalsMs: scaledIntervals(0.06) });
    try {
      for (let i = 0; i < 8; i++) await spaced.client.listInstances();
      await Promise.all([spaced.client.getAccount(), spaced.client.listInstances(), spaced.client.listInstances(), spaced.client.searchOffers(rentable), spaced.client.searchOffers(rentable)]);
      expect(spaced.fake.log.entries.filter((e) => e.fault === 'limiter').map((e) => `${e.seq} ${e.endpoint}`)).toEqual([]);
      expect(spaced.fake.log.count({ endpoint: 'list', status: 200 })).toBe(10);
      expect(spaced.fake.log.count({ endpoint: 'search', status: 200 })).toBe(2);
    } finally {
      await spaced.close();
    }
  });

  it('a client that does not space its calls meets the limiter, backs off and still gets through', async () => {
    const unspaced = await startFakeVastWithClient({ rateLimitScale: 0.05 }, { minIntervalsMs: scaledIntervals(0), retry: { initialDelayMs: 20, maxDelayMs: 200, maxTries: 8 } });
    try {
      await Promise.all([unspaced.client.listInstances(), unspaced.client.listInstances(), unspaced.client.listInstances()]);
      expect(unspaced.fake.log.entries.filter((e) => e.fault === 'limiter').length).toBeGreaterThan(0);
      expect(unspaced.fake.log.count({ endpoint: 'list', status: 200 })).toBe(3);
    } finally {
      await unspaced.close();
    }
  });

  it('without spacing, the fake limiter (at the real 1 s for the listing) answers plain-text 429 with no Retry-After', async () => {
    const real = await startFakeVastWithClient({ rateLimitScale: 1 });
    try {
      const headers = { authorization: `Bearer ${real.fake.apiKey}` };
      expect((await fetch(`${real.fake.url}/api/v1/instances/`, { headers })).status).toBe(200);
      const res = await fetch(`${real.fake.url}/api/v1/instances/`, { headers });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBeNull();
      expect(res.headers.get('content-type')).toMatch(/text\/plain/);
      expect(await res.text()).toMatch(/API requests too frequent/);
      // Other endpoints have their own interval.
      expect((await fetch(`${real.fake.url}/api/v0/users/current/`, { headers })).status).toBe(200);
    } finally {
      await real.close();
    }
  });

  it('rides out a 429 storm and 5xx answers, each retried after a backoff', async () => {
    t.fake.faults.rateLimitStorm(3, 'list');
    t.fake.faults.serverError(1, 502, 'list');
    expect((await t.client.listInstances()).instances).toEqual([]);
    const list = t.fake.log.entries.filter((e) => e.endpoint === 'list');
    expect(list.map((e) => e.status)).toEqual([429, 429, 429, 502, 200]);
  });

  it('gives up after its tries with VAST_RATE_LIMITED, and a cancel stops the waiting at once', async () => {
    t.fake.faults.rateLimitStorm(100, 'account');
    expect(await codeOf(t.client.getAccount())).toBe('VAST_RATE_LIMITED');
    expect(t.fake.log.count({ endpoint: 'account' })).toBe(6);
    const slow = new VastClient({ baseUrl: t.fake.url, apiKey: t.fake.apiKey, retry: { initialDelayMs: 10_000, maxDelayMs: 10_000, maxTotalMs: 60_000 } });
    const controller = new AbortController();
    const started = Date.now();
    const pending = codeOf(slow.getAccount({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 100);
    expect(await pending).toBe('CANCELED');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('destroy retries 5xx until Vast confirms, never leaving it at an error', async () => {
    const id = await rentCheapest('mf-destroy-retry');
    t.fake.faults.serverError(2, 503, 'destroy');
    expect(await t.client.destroyInstance(id)).toEqual({ alreadyGone: false });
    expect(t.fake.liveInstances()).toHaveLength(0);
  });
});

describe('seeded chaos', () => {
  async function chaosRun(seed: number): Promise<string> {
    const run = await startFakeVastWithClient({ seed });
    try {
      run.fake.faults.chaos = { rateLimit: 0.2, serverError: 0.1, createAnswerLost: 0.3, bootFailure: 0.3 };
      const offers = await run.client.searchOffers({ diskGb: 16, verifiedOnly: false, limit: 10 });
      for (const [i, offer] of offers.slice(0, 4).entries()) {
        await run.client.createInstance({ offerId: offer.id, image: 'example/app:1', diskGb: 16, label: `mf-chaos-${i}` }).catch((e: VastError) => e.code);
      }
      await run.fake.advance(70_000);
      for (const instance of await run.client.listAllInstances()) await run.client.destroyInstance(instance.id);
      expect(run.fake.liveInstances()).toHaveLength(0);
      return run.fake.log.entries.map((e) => `${e.endpoint}:${e.status}${e.fault ? `(${e.fault})` : ''}`).join(' ');
    } finally {
      await run.close();
    }
  }

  it('the same seed injects the same faults in the same places; every rented instance is destroyed', async () => {
    const first = await chaosRun(77);
    expect(first).toMatch(/\(/); // some fault was injected
    expect(await chaosRun(77)).toBe(first);
    expect(await chaosRun(78)).not.toBe(first);
  });
});

describe('what the official CLI asks at start', () => {
  it('gpu_names is anonymous', async () => {
    expect(await t.client.gpuNames()).toContain('RTX 4090');
    expect(t.fake.log.entries.at(-1)?.identity).toBe('anonymous');
  });
});
