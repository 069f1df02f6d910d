// Cluster mode with real parts: two agents (real HTTP, real SQLite, real worker threads) share one queue through
// BullMQ on a real redis-server. The worker is the trivial test worker (support/sleep-worker.ts) so that what is
// under test is the shared queue: jobs spread over the agents, uploads fetched from the agent that took them,
// results back at that agent, priority, cancel of waiting and running jobs, 429 on the cluster's backlog, and a
// Redis outage. Real models on two agent processes, with one of them killed mid-job, are in
// cluster-takeover.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputTokens } from '../src/cluster/input-tokens.js';
import { clusterKeyPrefix } from '../src/cluster/shared-queue.js';
import { loadConfig } from '../src/config.js';
import { redisServerPath, startRedis, type TestRedis } from '../../test-harness/agent/redis-process.js';
import {
  api,
  leftoverUploads,
  mediaForm,
  sleepWorkerUrl,
  startTestAgent,
  waitForStatus,
  type TestAgent,
} from '../../test-harness/agent/test-agent.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a job status body, read field by field
async function waitForStage(t: TestAgent, id: string, stage: string, timeoutMs = 10_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${id}`);
    if (res.body?.stage === stage) return res.body;
    if (Date.now() > until)
      throw new Error(
        `job ${id} is at stage ${res.body?.stage} (${res.body?.status}), not ${stage}, after ${timeoutMs} ms`,
      );
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!redisServerPath)(
  'cluster: two agents share one queue on Redis (skipped: no redis-server; Debian package redis-server)',
  () => {
    let redis: TestRedis;
    let a: TestAgent;
    let b: TestAgent;
    let inspect: Queue;
    const queueName = `test-${process.pid}`;

    beforeAll(async () => {
      redis = await startRedis();
      const cluster = { redisUrl: redis.url, clusterQueue: queueName, leaseMs: 3000 };
      // A has at most 4 jobs in the cluster and refuses work when 4 wait there (maxQueueDepth). One tenant may use
      // all of it here: per-tenant shares are tested in fairness.test.ts.
      a = await startTestAgent(
        { ...cluster, agentId: 'agent-a', maxQueueDepth: 4, maxQueuePerTenant: 100, workers: 1 },
        { workerUrl: sleepWorkerUrl },
      );
      b = await startTestAgent({ ...cluster, agentId: 'agent-b', workers: 1 }, { workerUrl: sleepWorkerUrl });
      inspect = new Queue(queueName, {
        connection: { host: '127.0.0.1', port: redis.port },
        prefix: clusterKeyPrefix,
      });
    });
    afterAll(async () => {
      await inspect?.close();
      await a?.close();
      await b?.close();
      await redis?.close();
    });

    const submitToA = (content: string, fields: Record<string, string> = {}) =>
      api(a.url, a.tokens.submit, 'POST', '/v1/jobs', mediaForm(content, fields));

    it('jobs given to one agent run on both; every result comes back to the agent that took the upload', async () => {
      const accepted = await Promise.all([1, 2, 3, 4].map((i) => submitToA(`sleep 400 job-${i}`)));
      expect(accepted.map((r) => r.status)).toEqual([202, 202, 202, 202]);
      const finished = await Promise.all(
        accepted.map((r) =>
          waitForStatus(a.url, a.tokens.submit, r.body.id, ['succeeded', 'failed'], 20_000),
        ),
      );
      expect(finished.map((j) => j.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
      // The result is the worker's, about the uploaded bytes, wherever it ran.
      finished.forEach((job, i) => expect(job.result.media.bytes).toBe(`sleep 400 job-${i + 1}`.length));
      const ranOn = new Set(finished.map((j) => j.result.agent.id));
      expect(ranOn).toEqual(new Set(['agent-a', 'agent-b']));
      // B fetched its uploads from A over HTTP and removed them; A removed its own once the jobs were done.
      expect(await leftoverUploads(b.dataDir)).toEqual([]);
      expect(await leftoverUploads(a.dataDir)).toEqual([]);
      // B keeps no record of A's jobs: the job belongs to the agent that accepted it.
      expect((await api(b.url, b.tokens.admin, 'GET', `/v1/jobs/${accepted[0].body.id}`)).status).toBe(404);
    });

    it('reports the shared queue in /v1/health and /v1/info', async () => {
      const health = await api(a.url, a.tokens.read, 'GET', '/v1/health');
      expect(health.body.cluster).toEqual({
        queue: queueName,
        redis: redis.url,
        connected: true,
        backlog: 0,
        dispatched: 0,
      });
      const info = await api(b.url, b.tokens.read, 'GET', '/v1/info');
      expect(info.body.cluster).toMatchObject({ queue: queueName, connected: true });
    });

    it('interactive jobs overtake batch jobs waiting in the shared queue', async () => {
      // Both workers busy, then three batch jobs and one interactive job wait.
      const busy = await Promise.all([submitToA('sleep 1500 busy-1'), submitToA('sleep 1500 busy-2')]);
      for (const r of busy) await waitForStage(a, r.body.id, 'sleeping');
      const batch = [];
      for (const i of [1, 2, 3])
        batch.push(
          await api(
            b.url,
            b.tokens.submit,
            'POST',
            '/v1/jobs',
            mediaForm(`sleep 300 batch-${i}`, { priority: 'batch' }),
          ),
        );
      const interactive = await api(
        b.url,
        b.tokens.submit,
        'POST',
        '/v1/jobs',
        mediaForm('sleep 300 interactive', { priority: 'interactive' }),
      );
      const finishedAt = async (t: TestAgent, id: string) =>
        Date.parse((await waitForStatus(t.url, t.tokens.submit, id, ['succeeded'], 20_000)).finishedAt);
      const interactiveDone = await finishedAt(b, interactive.body.id);
      const batchDone = await Promise.all(batch.map((r) => finishedAt(b, r.body.id)));
      // Two workers: the interactive job and the first batch job start together as the busy ones end; the other
      // two batch jobs only after them.
      expect(interactiveDone).toBeLessThan(batchDone[1]);
      expect(interactiveDone).toBeLessThan(batchDone[2]);
      for (const r of busy) await waitForStatus(a.url, a.tokens.submit, r.body.id, ['succeeded']);
    });

    it('cancels a job waiting in the shared queue and jobs running on either agent; the workers are free at once', async () => {
      const running = await Promise.all([submitToA('sleep 20000 long-1'), submitToA('sleep 20000 long-2')]);
      for (const r of running) await waitForStage(a, r.body.id, 'sleeping');
      const waiting = await submitToA('sleep 20000 long-3');
      await waitForStage(a, waiting.body.id, 'waiting for a cluster worker');
      expect(await (await Job.fromId(inspect, waiting.body.id))?.getState()).toBe('prioritized');

      const canceledWaiting = await api(a.url, a.tokens.submit, 'DELETE', `/v1/jobs/${waiting.body.id}`);
      expect(canceledWaiting.body).toMatchObject({ status: 'canceled', error: { code: 'CANCELED' } });
      await until('the waiting job is removed from Redis', async () =>
        (await Job.fromId(inspect, waiting.body.id)) ? undefined : true,
      );

      for (const r of running)
        expect((await api(a.url, a.tokens.submit, 'DELETE', `/v1/jobs/${r.body.id}`)).body.status).toBe(
          'canceled',
        );
      // Both workers stopped their 20-second jobs: two quick jobs finish within a few seconds.
      const quick = await Promise.all([submitToA('quick-1'), submitToA('quick-2')]);
      for (const r of quick)
        expect((await waitForStatus(a.url, a.tokens.submit, r.body.id, ['succeeded'], 5000)).status).toBe(
          'succeeded',
        );
      expect(await leftoverUploads(a.dataDir)).toEqual([]);
      expect(await leftoverUploads(b.dataDir)).toEqual([]);
    });

    it('an agent that restarts while its job runs elsewhere collects the result after the restart, once', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediafleet-origin-'));
    const settings = { redisUrl: redis.url, clusterQueue: queueName, clusterTakesJobs: false, agentId: 'origin' };
    let origin = await startTestAgent(settings, { workerUrl: sleepWorkerUrl, dataDir });
    try {
      const accepted = await api(origin.url, origin.tokens.submit, 'POST', '/v1/jobs', mediaForm('sleep 1500 across a restart'));
      await waitForStage(origin, accepted.body.id, 'sleeping');
      await origin.close();
      // The job went on meanwhile on A or B.
      origin = await startTestAgent(settings, { workerUrl: sleepWorkerUrl, dataDir });
      const job = await waitForStatus(origin.url, origin.tokens.submit, accepted.body.id, ['succeeded', 'failed'], 15_000);
      expect(job).toMatchObject({ status: 'succeeded', result: { media: { bytes: 'sleep 1500 across a restart'.length } } });
      expect(['agent-a', 'agent-b']).toContain(job.result.agent.id);
      const list = await api(origin.url, origin.tokens.submit, 'GET', '/v1/jobs?limit=200');
      expect(list.body.jobs.filter((j: { id: string }) => j.id === accepted.body.id)).toHaveLength(1);
      expect(await leftoverUploads(dataDir)).toEqual([]);
    } finally {
      await origin.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("a job's time limit counts from when an agent runs it, not while it waits in the shared queue", async () => {
    // Both workers busy for 2 s; a job with a 1.5 s limit waits behind them, then runs 200 ms: it succeeds.
    const busy = await Promise.all([submitToA('sleep 2000 busy-1'), submitToA('sleep 2000 busy-2')]);
    for (const r of busy) await waitForStage(a, r.body.id, 'sleeping');
    const waited = await submitToA('sleep 200 patient', { timeoutMs: '1500' });
    const tooLong = await submitToA('sleep 5000 too long', { timeoutMs: '1500' });
    expect((await waitForStatus(a.url, a.tokens.submit, waited.body.id, ['succeeded', 'failed'], 10_000)).status).toBe('succeeded');
    const failed = await waitForStatus(a.url, a.tokens.submit, tooLong.body.id, ['succeeded', 'failed'], 15_000);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT', message: 'the job ran longer than 1500 ms' } });
    for (const r of busy) await waitForStatus(a.url, a.tokens.submit, r.body.id, ['succeeded']);
  });

  it('answers 429 with Retry-After when the whole cluster has as many jobs waiting as the agent allows', async () => {
      // B fills the shared queue: two jobs running, four waiting. A allows 4 waiting (its maxQueueDepth).
      const fill = [];
      for (let i = 0; i < 6; i++)
        fill.push(await api(b.url, b.tokens.submit, 'POST', '/v1/jobs', mediaForm(`sleep 20000 fill-${i}`)));
      const refused = await until('A refuses a job', async () => {
        const res = await submitToA('one more');
        if (res.status === 429) return res;
        await waitForStatus(a.url, a.tokens.submit, res.body.id, [
          'succeeded',
          'canceled',
          'failed',
          'running',
        ]);
        await api(a.url, a.tokens.submit, 'DELETE', `/v1/jobs/${res.body.id}`);
        return undefined;
      });
      expect(refused.body.error.code).toBe('QUEUE_FULL');
      expect(refused.body.error.message).toMatch(/the queue holds 4 jobs/);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      for (const r of fill) await api(b.url, b.tokens.submit, 'DELETE', `/v1/jobs/${r.body.id}`);
      // The backlog is counted again as jobs move: A takes jobs again once it sees the queue empty.
      await until(
        'A sees the shared queue empty',
        async () =>
          (await api(a.url, a.tokens.read, 'GET', '/v1/health')).body.cluster.backlog === 0
            ? true
            : undefined,
        5000,
      );
      expect((await submitToA('accepted again')).status).toBe(202);
    });

    it('while Redis is down, new jobs are refused with the reason; a job already in the cluster finishes when it is back', async () => {
      const before = await submitToA('sleep 1500 through-the-outage');
      await waitForStage(a, before.body.id, 'sleeping');
      await redis.stop();
      const refused = await until('A notices Redis is gone', async () => {
        const res = await submitToA('during the outage');
        return res.status === 429 ? res : undefined;
      });
      expect(refused.body.error).toEqual({
        code: 'QUEUE_FULL',
        message: `the shared queue (Redis at ${redis.url}) is unreachable; retry later`,
      });
      expect((await api(a.url, a.tokens.read, 'GET', '/v1/health')).body.cluster.connected).toBe(false);
      await redis.start();
      const job = await waitForStatus(
        a.url,
        a.tokens.submit,
        before.body.id,
        ['succeeded', 'failed'],
        20_000,
      );
      expect(job.status).toBe('succeeded');
      const after = await until('A takes jobs again', async () => {
        const res = await submitToA('after the outage');
        return res.status === 202 ? res : undefined;
      });
      expect(
        (await waitForStatus(a.url, a.tokens.submit, after.body.id, ['succeeded', 'failed'], 10_000)).status,
      ).toBe('succeeded');
    });

    it("serves an upload to cluster members only: a wrong input token is 401, a finished job's upload 404", async () => {
      const running = await submitToA('sleep 1000 guarded');
      await waitForStage(a, running.body.id, 'sleeping');
      const fetchInput = (id: string, token: string) =>
        fetch(`${a.url}/v1/cluster/inputs/${id}`, { headers: { authorization: `Bearer ${token}` } });
      const wrong = await fetchInput(running.body.id, InputTokens.open(b.dataDir).sign(running.body.id)); // B's key, not A's
      expect(wrong.status).toBe(401);
      expect((await fetchInput(running.body.id, a.tokens.admin)).status).toBe(401); // an API token is not an input token
      const right = InputTokens.open(a.dataDir).sign(running.body.id);
      expect(await (await fetchInput(running.body.id, right)).text()).toBe('sleep 1000 guarded');
      await waitForStatus(a.url, a.tokens.submit, running.body.id, ['succeeded']);
      const gone = await fetchInput(running.body.id, right);
      expect(gone.status).toBe(404);
      expect(((await gone.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    });

    it('an agent stops within seconds while Redis is down, and while its connections are still coming back', async () => {
    // BullMQ's close can wait forever for a connection that is reconnecting (taskforcesh/bullmq#4656).
    const connected = async (t: TestAgent) => (await api(t.url, t.tokens.read, 'GET', '/v1/health')).body.cluster.connected as boolean;
    const c = await startTestAgent({ redisUrl: redis.url, clusterQueue: queueName, workers: 1 }, { workerUrl: sleepWorkerUrl });
    const d = await startTestAgent({ redisUrl: redis.url, clusterQueue: queueName, workers: 1 }, { workerUrl: sleepWorkerUrl });
    await redis.stop();
    await until('the agents notice', async () => (!(await connected(c)) && !(await connected(d)) ? true : undefined));
    let t0 = performance.now();
    await c.close();
    expect(performance.now() - t0).toBeLessThan(10_000);
    await redis.start();
    await until('the agent is back', async () => ((await connected(d)) ? true : undefined));
    t0 = performance.now();
    await d.close();
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('refuses a REDIS_URL that is not a Redis address, naming the setting', () => {
      expect(() => loadConfig({}, { REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(
        /REDIS_URL.*redis:\/\/ or rediss:\/\//,
      );
      expect(() => loadConfig({}, { REDIS_URL: 'not a url' })).toThrow(/REDIS_URL/);
      expect(() => loadConfig({}, { MEDIAFLEET_CLUSTER_QUEUE: 'a:b' })).toThrow(/MEDIAFLEET_CLUSTER_QUEUE/);
    expect(() => loadConfig({}, { MEDIAFLEET_CLUSTER_URL: 'ftp://agent-a' })).toThrow(/MEDIAFLEET_CLUSTER_URL.*http:\/\/ or https:\/\//);
      expect(
        loadConfig({}, { REDIS_URL: 'redis://10.0.0.5:6380/2', MEDIAFLEET_CLUSTER_TAKE_JOBS: 'false' }),
      ).toMatchObject({ redisUrl: 'redis://10.0.0.5:6380/2', clusterTakesJobs: false });
    });
  },
);
