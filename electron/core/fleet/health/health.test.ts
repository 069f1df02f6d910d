import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileVault } from '../../secrets/file-vault.js';
import { secretNames } from '../../secrets/secret-vault.js';
import { openConsoleStore, type ConsoleDb } from '../../store/console-store.js';
import { startAgentStub, type AgentStub } from '../../../../test-harness/console/agent-stub-server.js';
import { AgentsRepository } from '../agents-repository.js';
import { decideAlerts } from './alert-rules.js';
import { HealthMonitor } from './health-monitor.js';
import type { HealthSample } from './health-repository.js';
import { parsePrometheusText, sumMetric } from './prometheus-text.js';
import { parseServerProbe, serverProbeScript } from './server-probe.js';
import { execFileSync } from 'node:child_process';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'mf-health-'));
  const db: ConsoleDb = openConsoleStore(join(dir, 'console.db'));
  const vault = FileVault.open({ path: join(dir, 'vault.json'), passphrase: 'p', scrypt: { N: 2 ** 12, r: 8, p: 1 } });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => db.close());
  const agents = new AgentsRepository(db);
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const monitor = new HealthMonitor({
    db,
    vault,
    targets: { agents: () => agents.list(), servers: () => [], connect: async () => Promise.reject(new Error('no servers')) },
    now: () => clock,
    timeoutMs: 1000,
  });
  const addStub = async (stub: AgentStub, name: string) => {
    cleanups.push(() => stub.close());
    const a = agents.upsert({ serverId: null, name, baseUrl: stub.url });
    await vault.set(secretNames.agentAdminToken(a.id), stub.state.token);
    return a;
  };
  return { db, vault, monitor, addStub, advance: (ms: number) => (clock += ms) };
}

describe('the fleet timeline (the dashboard at the top of Fleet)', () => {
  it("adds up the agents' queue depths, throughputs and failures minute by minute, and counts the agents down", async () => {
    const { monitor, addStub, advance } = await setup();
    const a = await startAgentStub({ queued: 4, succeeded: 0, failed: 0 });
    const b = await startAgentStub({ queued: 10, succeeded: 0, failed: 0 });
    await addStub(a, 'a');
    await addStub(b, 'b');
    await monitor.pollOnce(); // 00:00:00
    a.state.queued = 6;
    a.state.succeeded = 30;
    b.state.succeeded = 15;
    b.state.failed = 6;
    advance(30_000);
    await monitor.pollOnce(); // 00:00:30: a 60 jobs/min, b 42 jobs/min of which 12 failed
    advance(60_000);
    b.state.forceStatus = 503;
    await monitor.pollOnce(); // 00:01:30: b is down
    const [first, second, ...rest] = monitor.fleetTimeline(60);
    expect(rest).toEqual([]);
    // Minute 0: a's two samples average to 5 queued, b's to 10; the rates exist from the second poll on.
    expect(first).toMatchObject({ bucketStart: '2026-01-01T00:00:00.000Z', agents: 2, agentsDown: 0, queueDepth: 15 });
    expect(first!.jobsPerMinute).toBeCloseTo(60 + 42, 5);
    expect(first!.errorsPerMinute).toBeCloseTo(12, 5);
    expect(second).toMatchObject({ bucketStart: '2026-01-01T00:01:00.000Z', agents: 2, agentsDown: 1 });
    // Nothing more finished on a; b said nothing: its queue is not counted as zero.
    expect(second!.queueDepth).toBe(6);
    // Outside the window: nothing.
    advance(3 * 3600_000);
    expect(monitor.fleetTimeline(60)).toEqual([]);
  });
});

describe('agent health polling (against local HTTP agents)', () => {
  it('reports up, latency, queue depth, version and per-minute rates from counters', async () => {
    const { monitor, addStub, advance } = await setup();
    const stub = await startAgentStub({ queued: 7, succeeded: 10, failed: 1, version: '1.2.3' });
    const a = await addStub(stub, 'a');
    await monitor.pollOnce();
    let [s] = monitor.snapshot();
    expect(s).toMatchObject({ kind: 'agent', targetId: a.id, up: true, queueDepth: 7, version: '1.2.3', jobsPerMinute: null });
    expect(s!.latencyMs).toBeGreaterThan(0);
    stub.state.succeeded = 40;
    stub.state.failed = 4;
    advance(30_000);
    await monitor.pollOnce();
    [s] = monitor.snapshot();
    // 30 succeeded + 3 failed more in 30 s.
    expect(s!.jobsPerMinute).toBeCloseTo(66, 5);
    expect(s!.errorsPerMinute).toBeCloseTo(6, 5);
  });

  it('a round whose /metrics read fails loses no jobs: the next rate spans both intervals', async () => {
    const { monitor, addStub, advance } = await setup();
    const stub = await startAgentStub({ succeeded: 10 });
    await addStub(stub, 'a');
    await monitor.pollOnce();
    stub.state.metricsStatus = 500;
    stub.state.succeeded = 20;
    advance(30_000);
    await monitor.pollOnce();
    expect(monitor.snapshot()[0]).toMatchObject({ up: true, jobsPerMinute: null });
    stub.state.metricsStatus = undefined;
    stub.state.succeeded = 30;
    advance(30_000);
    await monitor.pollOnce();
    // 20 more jobs over the 60 s since the last good reading.
    expect(monitor.snapshot()[0]!.jobsPerMinute).toBeCloseTo(20, 5);
  });

  it('polls a target that brings its own token (the built-in agent), without the vault', async () => {
    const { db, vault } = await setup();
    const stub = await startAgentStub({ token: 'local-token', queued: 2 });
    cleanups.push(() => stub.close());
    const monitor = new HealthMonitor({
      db,
      vault,
      targets: { agents: () => [{ id: 'local', name: 'This computer', baseUrl: stub.url, token: 'local-token' }], servers: () => [], connect: async () => Promise.reject(new Error('no servers')) },
      timeoutMs: 1000,
    });
    await monitor.pollOnce();
    expect(monitor.snapshot()[0]).toMatchObject({ targetId: 'local', up: true, queueDepth: 2 });
  });

  it('opens an alert when an agent stops answering (after two failed polls) and resolves it when it is back', async () => {
    const { monitor, addStub, advance } = await setup();
    const stub = await startAgentStub();
    const a = await addStub(stub, 'flaky');
    await monitor.pollOnce();
    stub.state.forceStatus = 503;
    advance(5000);
    await monitor.pollOnce();
    expect(monitor.snapshot()[0]).toMatchObject({ up: false, reason: 'HTTP 503' });
    expect(monitor.repo.alerts(true)).toEqual([]);
    advance(5000);
    await monitor.pollOnce();
    const [alert] = monitor.repo.alerts(true);
    expect(alert).toMatchObject({ kind: 'agent-unreachable', targetId: a.id, resolvedAt: null });
    expect(alert!.message).toContain('flaky');
    // Still down: no second alert.
    advance(5000);
    await monitor.pollOnce();
    expect(monitor.repo.alerts(true)).toHaveLength(1);
    stub.state.forceStatus = undefined;
    advance(5000);
    await monitor.pollOnce();
    expect(monitor.repo.alerts(true)).toEqual([]);
    expect(monitor.repo.alerts(false)[0]!.resolvedAt).not.toBeNull();
  });

  it('names the reason: refused connection, rejected token', async () => {
    const { monitor, addStub } = await setup();
    const gone = await startAgentStub();
    await addStub(gone, 'gone');
    await gone.close();
    const wrongToken = await startAgentStub();
    const b = await addStub(wrongToken, 'wrong-token');
    wrongToken.state.token = 'rotated';
    await monitor.pollOnce();
    const reasons = Object.fromEntries(monitor.snapshot().map((s) => [s.targetId === b.id ? 'token' : 'gone', s.reason]));
    expect(reasons).toEqual({ gone: 'connection refused', token: 'HTTP 401 (token rejected)' });
  });

  it('keeps one-minute buckets for charts, with the throughput', async () => {
    const { monitor, addStub, advance } = await setup();
    const stub = await startAgentStub({ queued: 2 });
    const a = await addStub(stub, 'a');
    await monitor.pollOnce();
    advance(20_000);
    stub.state.queued = 4;
    stub.state.succeeded = 2;
    await monitor.pollOnce();
    advance(60_000);
    stub.state.forceStatus = 500;
    await monitor.pollOnce();
    const h = monitor.history('agent', a.id, 10);
    expect(h).toHaveLength(2);
    // Throughput: 2 jobs finished in the 20 s between the first two samples (the first has no rate yet).
    expect(h[0]).toMatchObject({ samples: 2, upRatio: 1, queueDepthAvg: 3, jobsPerMinuteAvg: 6 });
    expect(h[1]).toMatchObject({ samples: 1, upRatio: 0, queueDepthAvg: null, jobsPerMinuteAvg: null });
  });
});

describe('server probe and alert rules', () => {
  it('reads load, memory and disk from this machine with the same script used over SSH', () => {
    const facts = parseServerProbe(execFileSync('/bin/sh', ['-c', serverProbeScript]).toString());
    expect(facts.load1).toBeGreaterThanOrEqual(0);
    expect(facts.memoryUsedRatio).toBeGreaterThan(0);
    expect(facts.memoryUsedRatio).toBeLessThan(1);
    expect(facts.diskUsedRatio).toBeGreaterThan(0);
  });

  it('alerts on a disk above 90% and on a server down twice in a row', () => {
    const base: HealthSample = {
      kind: 'server', targetId: 's', atMs: 0, up: true, reason: null, latencyMs: 5, queueDepth: null, jobsPerMinute: null,
      errorsPerMinute: null, version: null, load1: 0.1, memoryUsedRatio: 0.5, diskUsedRatio: 0.95,
    };
    expect(decideAlerts(base, 0, 'vps')).toEqual([
      { kind: 'server-down', open: false, message: expect.any(String) },
      { kind: 'disk-full', open: true, message: 'Disk of vps is 95% full.' },
    ]);
    expect(decideAlerts({ ...base, diskUsedRatio: 0.5 }, 0, 'vps')[1]!.open).toBe(false);
    const down = { ...base, up: false, reason: 'SSH_TIMEOUT', diskUsedRatio: null };
    expect(decideAlerts(down, 1, 'vps')).toEqual([{ kind: 'server-down', open: false, message: expect.any(String) }]);
    expect(decideAlerts(down, 2, 'vps')[0]).toMatchObject({ open: true, message: 'Server vps is down (SSH_TIMEOUT).' });
  });

  it('parses Prometheus text with labels', () => {
    const s = parsePrometheusText('# c\na_total{status="failed",code="X"} 3\na_total{status="succeeded",code=""} 5\nb 1.5 1700000000\n');
    expect(sumMetric(s, 'a_total')).toBe(8);
    expect(sumMetric(s, 'a_total', { status: 'failed' })).toBe(3);
    expect(sumMetric(s, 'b')).toBe(1.5);
    expect(sumMetric(s, 'missing')).toBeNull();
  });
});
