// The health poller against the real agent (agent/src/http on 127.0.0.1 with its trivial test worker), so a
// change in the agent's /v1/health, /v1/info or /metrics shape breaks here rather than in the field.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, mediaForm, sleepWorkerUrl, startTestAgent, waitForStatus, type TestAgent } from '../../../../agent/test/support/test-agent.js';
import { FileVault } from '../../secrets/file-vault.js';
import { secretNames } from '../../secrets/secret-vault.js';
import { openConsoleStore, type ConsoleDb } from '../../store/console-store.js';
import { AgentsRepository } from '../agents-repository.js';
import { HealthMonitor } from './health-monitor.js';

describe('health polling of a real agent', () => {
  let agent: TestAgent;
  let dir: string;
  let db: ConsoleDb;
  let monitor: HealthMonitor;
  let agentId: string;
  let clock = Date.now();

  beforeAll(async () => {
    agent = await startTestAgent({ workers: 1 }, { workerUrl: sleepWorkerUrl });
    dir = mkdtempSync(join(tmpdir(), 'mf-health-agent-'));
    db = openConsoleStore(join(dir, 'c.db'));
    const vault = FileVault.open({ path: join(dir, 'v.json'), passphrase: 'p', scrypt: { N: 2 ** 12, r: 8, p: 1 } });
    const agents = new AgentsRepository(db);
    agentId = agents.upsert({ serverId: null, name: 'real-agent', baseUrl: agent.url }).id;
    // A read-scoped token is all polling needs.
    await vault.set(secretNames.agentAdminToken(agentId), agent.tokens.read);
    monitor = new HealthMonitor({
      db,
      vault,
      now: () => clock,
      targets: { agents: () => agents.list(), servers: () => [], connect: () => Promise.reject(new Error('none')) },
    });
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
