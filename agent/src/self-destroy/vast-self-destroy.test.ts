// The self-destroy call against the fake Vast.ai (the only fake allowed): an instance's own key destroys it and it
// leaves the listing; 429 storms (plain text and JSON, no Retry-After) and 5xx are retried; a 404 no_such_instance
// is done; a key that may not act on that instance is refused and destroys nothing; an answer lost after the
// destroy happened (the key then dies with the instance) ends as gone, not as a wrong key.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeVast, type FakeVast } from '../../../test-harness/vast/fake-vast.js';
import { listedInstanceIds, rentOverHttp } from '../../../test-harness/vast/rent-over-http.js';
import { classifyDestroyReply, destroyOwnInstance, SelfDestroyRefused, type VastSelfDestroyOptions } from './vast-self-destroy.js';

const logger = pino({ level: 'silent' });
const fastBackoff = { initialMs: 5, maxMs: 20, factor: 2 };
let fake: FakeVast;

beforeAll(async () => {
  fake = await startFakeVast({ seed: 7, clockSpeed: 0, rateLimitScale: 0 });
});
afterAll(async () => fake?.close());

const rent = () => rentOverHttp(fake, { image: 'example.invalid/other:1', label: 'self-destroy-test' });
const options = (id: number, apiKey: string, extra: Partial<VastSelfDestroyOptions> = {}): VastSelfDestroyOptions => ({
  baseUrl: `${fake.url}/api/v0`,
  containerId: String(id),
  apiKey,
  logger,
  backoff: fastBackoff,
  ...extra,
});
const destroysOf = (id: number) => fake.log.entries.filter((e) => e.method === 'DELETE' && e.path === `/api/v0/instances/${id}/`);

describe('destroying its own instance', () => {
  it('with CONTAINER_API_KEY: destroyed, gone from the listing, one DELETE by the instance key', async () => {
    const { id, instanceApiKey } = await rent();
    expect(await listedInstanceIds(fake)).toContain(id);
    expect(await destroyOwnInstance(options(id, instanceApiKey))).toEqual({ outcome: 'destroyed', attempts: 1 });
    expect(await listedInstanceIds(fake)).not.toContain(id);
    expect(destroysOf(id).map((e) => [e.identity, e.status])).toEqual([[`instance:${id}`, 200]]);
  });

  it('retries a 429 storm (plain text or JSON, no Retry-After) and 5xx answers until it is done', async () => {
    const { id, instanceApiKey } = await rent();
    fake.faults.rateLimitStorm(4, 'destroy');
    fake.faults.serverError(2, 502, 'destroy');
    const outcome = await destroyOwnInstance(options(id, instanceApiKey));
    expect(outcome).toEqual({ outcome: 'destroyed', attempts: 7 });
    expect(destroysOf(id).map((e) => e.status)).toEqual([429, 429, 429, 429, 502, 502, 200]);
    expect(await listedInstanceIds(fake)).not.toContain(id);
  });

  it("backs off under the fake's own per-key limiter (3 s between destroys, scaled) instead of failing", async () => {
    const limited = await startFakeVast({ seed: 8, clockSpeed: 0, rateLimitScale: 0.02 });
    try {
      const first = await rentOverHttp(limited, { image: 'example.invalid/other:1' });
      const second = await rentOverHttp(limited, { image: 'example.invalid/other:1' });
      // One account key for both: the second destroy comes within the 60 ms interval and meets the limiter.
      const base = { baseUrl: `${limited.url}/api/v0`, apiKey: limited.apiKey, logger, backoff: { initialMs: 10, maxMs: 40, factor: 2 } };
      await destroyOwnInstance({ ...base, containerId: String(first.id) });
      const outcome = await destroyOwnInstance({ ...base, containerId: String(second.id) });
      expect(outcome.outcome).toBe('destroyed');
      expect(limited.log.entries.filter((e) => e.method === 'DELETE' && e.fault === 'limiter').length).toBeGreaterThan(0);
      expect(await listedInstanceIds(limited)).toEqual([]);
    } finally {
      await limited.close();
    }
  });

  it('an instance already gone (404 no_such_instance) counts as done', async () => {
    const { id } = await rent();
    await destroyOwnInstance(options(id, fake.apiKey));
    expect(await destroyOwnInstance(options(id, fake.apiKey))).toEqual({ outcome: 'already-gone', attempts: 1 });
    expect(destroysOf(id).map((e) => e.status)).toEqual([200, 404]);
  });

  it("another instance's key is refused (403) and destroys nothing; a wrong key too (401)", async () => {
    const mine = await rent();
    const other = await rent();
    await expect(destroyOwnInstance(options(other.id, mine.instanceApiKey))).rejects.toThrow(SelfDestroyRefused);
    await expect(destroyOwnInstance(options(other.id, mine.instanceApiKey))).rejects.toThrow(/403.*CONTAINER_ID/);
    await expect(destroyOwnInstance(options(other.id, 'not-a-key'))).rejects.toThrow(/401/);
    expect(await listedInstanceIds(fake)).toEqual(expect.arrayContaining([mine.id, other.id]));
    expect(destroysOf(other.id).map((e) => e.status)).toEqual([403, 403, 401]);
  });

  it('an answer lost after Vast destroyed the instance: the retry meets a dead key (401) and that is done', async () => {
    const { id, instanceApiKey } = await rent();
    let calls = 0;
    // The request reaches the fake and is carried out; the answer is lost on the way back (a connection reset).
    const losingFirstAnswer: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (++calls === 1) {
        await res.text();
        throw new TypeError('fetch failed: other side closed');
      }
      return res;
    };
    expect(await destroyOwnInstance(options(id, instanceApiKey, { fetch: losingFirstAnswer }))).toEqual({ outcome: 'already-gone', attempts: 2 });
    expect(destroysOf(id).map((e) => e.status)).toEqual([200, 401]);
    expect(await listedInstanceIds(fake)).not.toContain(id);
  });

  it('keeps retrying while Vast cannot be reached, and stops when told to', async () => {
    const controller = new AbortController();
    const attempts: number[] = [];
    const unreachable = destroyOwnInstance({
      baseUrl: 'http://127.0.0.1:9/api/v0',
      containerId: '1',
      apiKey: 'k',
      logger,
      backoff: fastBackoff,
      signal: controller.signal,
      fetch: async (input, init) => {
        attempts.push(Date.now());
        if (attempts.length === 5) controller.abort(new Error('the agent is stopping'));
        return fetch(input, init);
      },
    });
    await expect(unreachable).rejects.toThrow(/the agent is stopping/);
    expect(attempts.length).toBe(5);
  });
});

describe('reading an answer', () => {
  it('sorts the answers Vast gives', () => {
    expect(classifyDestroyReply(200, '{"success":true}', false).verdict).toBe('destroyed');
    expect(classifyDestroyReply(200, '{"success":false,"error":"no_such_instance"}', false).verdict).toBe('gone');
    expect(classifyDestroyReply(404, '{"error":"not_found"}', false).verdict).toBe('gone');
    expect(classifyDestroyReply(200, '{"success":false,"error":"busy"}', false).verdict).toBe('retry');
    expect(classifyDestroyReply(429, 'API requests too frequent', false)).toMatchObject({ verdict: 'retry', mayHaveWorked: false });
    expect(classifyDestroyReply(503, '<html>', false)).toMatchObject({ verdict: 'retry', mayHaveWorked: true });
    expect(classifyDestroyReply(401, '{"error":"auth_error"}', false).verdict).toBe('refused');
    expect(classifyDestroyReply(401, '{"error":"auth_error"}', true).verdict).toBe('gone');
    expect(classifyDestroyReply(403, '{"error":"forbidden"}', true).verdict).toBe('refused');
    expect(classifyDestroyReply(400, '{"error":"invalid_args"}', false).verdict).toBe('refused');
  });
});
