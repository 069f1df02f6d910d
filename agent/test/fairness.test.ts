// Fair share between tenants over the real HTTP API, bounded in requests and time: tenant acme floods the queue
// while one worker runs jobs (the trivial test worker, 60 ms each); acme gets 429 TENANT_QUEUE_FULL with a
// Retry-After once its share is waiting, globex still gets in, and the worker alternates between the two instead of
// running acme's backlog first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, mediaForm, sleepWorkerUrl, startTestAgent, waitForStatus, type TestAgent } from '../../test-harness/agent/test-agent.js';

describe('fair share between tenants', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ workers: 1, maxQueueDepth: 20, maxQueuePerTenant: 8 }, { workerUrl: sleepWorkerUrl });
  });
  afterAll(async () => t?.close());

  const submit = (token: string, content: string) => api(t.url, token, 'POST', '/v1/jobs', mediaForm(content));

  it('caps each tenant at its share of the queue and alternates the worker between tenants', async () => {
    // A blocker first, so the flood queues up behind it; it is canceled once both tenants have queued.
    const blocker = await submit(t.tokens.submit, 'sleep 30000');
    await waitForStatus(t.url, t.tokens.submit, blocker.body.id, ['running']);
    // 40 uploads from acme, 10 at a time.
    const flood: Awaited<ReturnType<typeof submit>>[] = [];
    for (let round = 0; round < 4; round++) flood.push(...(await Promise.all(Array.from({ length: 10 }, () => submit(t.tokens.submit, 'sleep 60')))));
    const accepted = flood.filter((r) => r.status === 202);
    const refused = flood.filter((r) => r.status === 429);
    expect(accepted).toHaveLength(8);
    expect(refused).toHaveLength(32);
    for (const r of refused) {
      expect(r.body.error.code).toBe('TENANT_QUEUE_FULL');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // globex is not held back by acme's flood.
    const globex = await Promise.all(Array.from({ length: 5 }, () => submit(t.tokens.otherTenant, 'sleep 60')));
    expect(globex.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    expect((await api(t.url, t.tokens.submit, 'DELETE', `/v1/jobs/${blocker.body.id}`)).body.status).toBe('canceled');

    const acmeJobs = await Promise.all(accepted.map((r) => waitForStatus(t.url, t.tokens.submit, r.body.id, ['succeeded'], 20_000)));
    const globexJobs = await Promise.all(globex.map((r) => waitForStatus(t.url, t.tokens.otherTenant, r.body.id, ['succeeded'], 20_000)));
    const order = [...acmeJobs.map((j) => ({ tenant: 'acme', at: Date.parse(j.startedAt) })), ...globexJobs.map((j) => ({ tenant: 'globex', at: Date.parse(j.startedAt) }))]
      .sort((a, b) => a.at - b.at)
      .map((j) => j.tenant);
    // First in, first out would run all 8 of acme's first; fair turns give globex every other start.
    expect(order.slice(0, 10).filter((x) => x === 'globex')).toHaveLength(5);
    // Turn by turn (globex first: acme's blocker was the last job started).
    expect(order.slice(0, 10)).toEqual(['globex', 'acme', 'globex', 'acme', 'globex', 'acme', 'globex', 'acme', 'globex', 'acme']);
  });
});
