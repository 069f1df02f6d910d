// The health poller against the real agent (agent/src/http on 127.0.0.1 with its trivial test worker), so a
// change in the agent's /v1/health, /v1/info or /metrics shape breaks here rather than in the field.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisServerPath, startRedis, type TestRedis } from '../../../../test-harness/agent/redis-process.js';
import { api, mediaForm, sleepWorkerUrl, startTestAgent, waitForStatus, type TestAgent } from '../../../../test-harness/agent/test-agent.js';
import { FileVault } from '../../secrets/file-vault.js';
import { secretNames } from '../../secrets/secret-vault.js';
import { openConsoleStore, type ConsoleDb } from '../../store/console-store.js';
import { AgentsRepository } from '../agents-repository.js';
import { HealthMonitor } from './health-monitor.js';

/** A console store and vault in a temp dir, and a health monitor polling `agent` with its read token. */
async function monitorOf(agent: TestAgent, name: string, now?: () => number): Promise<{ dir: string; db: ConsoleDb; monitor: HealthMonitor; agentId: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mf-health-agent-'));
  const db = openConsoleStore(join(dir, 'c.db'));
  const vault = FileVault.open({ path: join(dir, 'v.json'), passphrase: 'p', scrypt: { N: 2 ** 12, r: 8, p: 1 } });
  const agents = new AgentsRepository(db);
  const agentId = agents.upsert({ serverId: null, name, baseUrl: agent.url }).id;
  // A read-scoped token is all polling needs.
  await vault.set(secretNames.agentAdminToken(agentId), agent.tokens.read);
  const monitor = new HealthMonitor({
    db,
    vault,
    ...(now ? { now } : {}),
    targets: { agents: () => agents.list(), servers: () => [], connect: () => Promise.reject(new Error('none')) },
  });
  return { dir, db, monitor, agentId };
}

describe('health polling of a real agent', () => {
  let agent: TestAgent;
  let dir: string;
  let db: ConsoleDb;
  let monitor: HealthMonitor;
  let agentId: string;
  let clock = Date.now();

  beforeAll(async () => {
    agent = await startTestAgent({ workers: 1 }, { workerUrl: sleepWorkerUrl });
    ({ dir, db, monitor, agentId } = await monitorOf(agent, 'real-agent', () => clock));
  });

  afterAll(async () => {
    await agent?.close();
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads up, queue depth, version and finished-job rates from the agent', async () => {
    await monitor.pollOnce();
    const info = await api(agent.url, agent.tokens.read, 'GET', '/v1/info');
    expect(monitor.snapshot()[0]).toMatchObject({ targetId: agentId, up: true, reason: null, queueDepth: 0, version: info.body.version });
    for (let i = 0; i < 3; i++) {
      const res = await api(agent.url, agent.tokens.submit, 'POST', '/v1/jobs', mediaForm(`quick ${i}`));
      expect(res.status).toBe(202);
      await waitForStatus(agent.url, agent.tokens.submit, res.body.id, ['succeeded']);
    }
    clock += 60_000;
    await monitor.pollOnce();
    expect(monitor.snapshot()[0]!.jobsPerMinute).toBe(3);
    expect(monitor.snapshot()[0]!.errorsPerMinute).toBe(0);
  });

  it('marks the agent down once it stops, with the reason', async () => {
    await agent.close();
    clock += 5000;
    await monitor.pollOnce();
    clock += 5000;
    await monitor.pollOnce();
    expect(monitor.snapshot()[0]).toMatchObject({ up: false, reason: 'connection refused' });
    expect(monitor.repo.alerts(true)).toEqual([expect.objectContaining({ kind: 'agent-unreachable', targetId: agentId })]);
  });
});

describe.skipIf(!redisServerPath)('health polling of a cluster agent (skipped: no redis-server; Debian package redis-server)', () => {
  let redis: TestRedis;
  let agent: TestAgent;
  let dir: string;
  let db: ConsoleDb;
  let monitor: HealthMonitor;

  beforeAll(async () => {
    redis = await startRedis();
    agent = await startTestAgent({ workers: 1, redisUrl: redis.url }, { workerUrl: sleepWorkerUrl });
    ({ dir, db, monitor } = await monitorOf(agent, 'cluster-agent'));
  });
  afterAll(async () => {
    await agent?.close();
    await redis?.close();
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('an agent that has lost its shared queue is down, with the reason; it is up again when Redis is back', async () => {
    await monitor.pollOnce();
    expect(monitor.snapshot()[0]).toMatchObject({ up: true, reason: null });
    await redis.stop();
    for (let until = Date.now() + 10_000; (await api(agent.url, agent.tokens.read, 'GET', '/v1/health')).body.cluster.connected; ) {
      if (Date.now() > until) throw new Error('the agent did not notice Redis going away');
      await new Promise((r) => setTimeout(r, 50));
    }
    await monitor.pollOnce();
    expect(monitor.snapshot()[0]).toMatchObject({ up: false, reason: `its shared queue (Redis at ${redis.url}) is unreachable; it refuses new jobs` });
    await redis.start();
    for (let until = Date.now() + 10_000; !(await api(agent.url, agent.tokens.read, 'GET', '/v1/health')).body.cluster.connected; ) {
      if (Date.now() > until) throw new Error('the agent did not reconnect to Redis');
      await new Promise((r) => setTimeout(r, 50));
    }
    await monitor.pollOnce();
    expect(monitor.snapshot()[0]).toMatchObject({ up: true, reason: null });
  });
});
