// Benchmarks through the console core's contract (input/output validated) on a real built-in agent (child
// process, real HTTP, real models) and a real SQLite store: a short run is stored with its hardware facts and
// listed per agent; cancel, a busy agent, and the three ways an agent can refuse each give their own code.
import { execFile } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchmarkOperation, BenchmarkRun } from '../contracts/benchmarks.js';
import { createConsoleCore, type ConsoleCore } from '../console-core.js';
import { LocalAgent, parseTokenOutput } from '../local-agent/local-agent.js';
import { FileVault } from '../secrets/file-vault.js';
import { secretNames } from '../secrets/secret-vault.js';
import { startAgentStub, type AgentStub } from '../testing/agent-stub-server.js';
import { freeLoopbackPort } from '../testing/free-loopback-port.js';

const appRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const fixtures = process.env.MEDIAFLEET_FIXTURES ?? '/work/shared/fixtures';

async function call<T>(core: ConsoleCore, method: string, input: unknown): Promise<T> {
  const answer = await core.invoke(method, input);
  if (!answer.ok) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
  return answer.data as T;
}

async function waitForEnd(core: ConsoleCore, operationId: string, timeoutMs: number): Promise<BenchmarkOperation> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const op = await call<BenchmarkOperation>(core, 'benchmarks:status', { operationId });
    if (op.state !== 'running') return op;
    if (Date.now() > deadline) throw new Error(`benchmark still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('benchmarks on a real built-in agent', () => {
  let dir: string;
  let agent: LocalAgent;
  let core: ConsoleCore;
  let stub: AgentStub;
  const savedEnv = { images: process.env.MEDIAFLEET_BENCH_IMAGES, warmUp: process.env.MEDIAFLEET_WARMUP };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mf-bench-core-'));
    // Two images and one analysis keep the run to seconds on a shared 2-core machine.
    const images = join(dir, 'bench-images');
    await mkdir(images);
    await copyFile(join(fixtures, 'images/messi5.jpg'), join(images, 'messi5.jpg'));
    await copyFile(join(fixtures, 'images/chelsea.png'), join(images, 'chelsea.png'));
    process.env.MEDIAFLEET_BENCH_IMAGES = images;
    process.env.MEDIAFLEET_WARMUP = 'nsfw';
    agent = new LocalAgent({ appRoot, dataDir: join(dir, 'agent') });
    core = createConsoleCore({
      storePath: join(dir, 'console.sqlite'),
      vault: { kind: 'instance', vault: FileVault.open({ path: join(dir, 'vault.bin'), passphrase: 'test', scrypt: { N: 2 ** 12, r: 8, p: 1 } }) },
    });
    core.agentDirectory.useLocalAgent(() => agent.start());
    await agent.start();
    stub = await startAgentStub({ token: 'old-agent-token' });
  });
  afterAll(async () => {
    process.env.MEDIAFLEET_BENCH_IMAGES = savedEnv.images;
    process.env.MEDIAFLEET_WARMUP = savedEnv.warmUp;
    await core?.close();
    await agent?.stop();
    await stub?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists This computer first, then registered agents', async () => {
    core.agents.upsert({ serverId: null, name: 'vps-small', baseUrl: 'http://127.0.0.1:9' });
    const agents = await call<Array<{ id: string; name: string; kind: string }>>(core, 'benchmarks:agents', {});
    expect(agents[0]).toMatchObject({ id: 'local', name: 'This computer', kind: 'local' });
    expect(agents.map((a) => a.name)).toContain('vps-small');
  });

  it('runs a short benchmark, stores it with the hardware facts and lists it for the agent', async () => {
    const progress: (number | null)[] = [];
    const onEvent = (e: { progress: number | null }) => progress.push(e.progress);
    core.benchmarks.events.on('operation', onEvent);
    const started = await call<BenchmarkOperation>(core, 'benchmarks:start', { agentId: 'local', options: { rounds: 1, analyses: ['nsfw'] } });
    expect(started).toMatchObject({ state: 'running', agentName: 'This computer', expectedMs: null, progress: null });
    // One run per agent at a time: a second would measure the first one's load.
    await expect(call(core, 'benchmarks:start', { agentId: 'local' })).rejects.toMatchObject({ code: 'BENCH_RUNNING' });
    const end = await waitForEnd(core, started.operationId, 150_000);
    expect(end.error).toBeNull();
    expect(end).toMatchObject({ state: 'succeeded', progress: 1, runId: expect.any(String) });
    core.benchmarks.events.off('operation', onEvent);
    // No earlier run to estimate from: the progress seen is the agent's own count of finished images (0, 1, 2 of 2).
    expect(progress.filter((p) => p !== null)).toEqual([0, 0.5, 0.99, 1]);
    const history = await call<BenchmarkRun[]>(core, 'benchmarks:history', { agentId: 'local' });
    expect(history).toHaveLength(1);
    const [run] = history;
    expect(run!.id).toBe(end.runId);
    expect(run!.options).toEqual({ rounds: 1, analyses: ['nsfw'] });
    expect(run!.report.images).toBe(2);
    expect(run!.report.hardware.cores).toBeGreaterThanOrEqual(1);
    expect(run!.report.hardware.cpuModel.length).toBeGreaterThan(0);
    expect(run!.report.analyses.nsfw!.p50_ms).toBeGreaterThan(0);
    expect(run!.report.images_per_hour).toBeGreaterThan(0);
    expect(await call<BenchmarkRun[]>(core, 'benchmarks:history', { agentId: 'someone-else' })).toEqual([]);

    // The next comparable run has an expected duration, so its progress is an estimate; cancel stops waiting.
    const second = await call<BenchmarkOperation>(core, 'benchmarks:start', { agentId: 'local', options: { rounds: 1, analyses: ['nsfw'] } });
    expect(second.expectedMs).toBeGreaterThan(0);
    expect(await call(core, 'benchmarks:cancel', { operationId: second.operationId })).toEqual({ canceled: true });
    const canceled = await call<BenchmarkOperation>(core, 'benchmarks:status', { operationId: second.operationId });
    expect(canceled.state).toBe('canceled');
    expect(await call(core, 'benchmarks:cancel', { operationId: second.operationId })).toEqual({ canceled: false });
    const ops = await call<BenchmarkOperation[]>(core, 'benchmarks:operations', {});
    expect(ops.map((o) => o.operationId)).toEqual([second.operationId, started.operationId]);
    expect(await call<BenchmarkRun[]>(core, 'benchmarks:history', {})).toHaveLength(1);
    const audit = await call<Array<{ action: string; targetId: string }>>(core, 'audit:list', { targetId: 'local' });
    expect(audit.filter((e) => e.action === 'benchmark.started')).toHaveLength(2);
  });

  it('a token without the admin scope is refused with AGENT_FORBIDDEN', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(appRoot, 'agent/src/cli.ts'), 'token', 'create', '--scope', 'submit', '--tenant', 'local', '--data', join(dir, 'agent')],
      { cwd: appRoot, timeout: 60_000 },
    );
    const record = core.agents.upsert({ serverId: null, name: 'submit-only', baseUrl: agent.state.url! });
    await core.vault.set(secretNames.agentAdminToken(record.id), parseTokenOutput(stdout));
    const op = await call<BenchmarkOperation>(core, 'benchmarks:start', { agentId: record.id, options: { analyses: ['nsfw'] } });
    const end = await waitForEnd(core, op.operationId, 30_000);
    expect(end.state).toBe('failed');
    expect(end.error?.code).toBe('AGENT_FORBIDDEN');
    expect(end.error?.message).toMatch(/scope admin/);
  });

  it('an agent older than the console (no /v1/bench) fails with AGENT_ROUTE_MISSING', async () => {
    const record = core.agents.upsert({ serverId: null, name: 'old-agent', baseUrl: stub.url });
    await core.vault.set(secretNames.agentAdminToken(record.id), 'old-agent-token');
    const op = await call<BenchmarkOperation>(core, 'benchmarks:start', { agentId: record.id });
    const end = await waitForEnd(core, op.operationId, 30_000);
    expect(end.error).toMatchObject({ code: 'AGENT_ROUTE_MISSING', message: expect.stringMatching(/\/v1\/bench.*upgrade/) });
  });

  it('an agent that is down fails with AGENT_UNREACHABLE; unknown agents and missing tokens are refused up front', async () => {
    const down = core.agents.upsert({ serverId: null, name: 'down', baseUrl: `http://127.0.0.1:${await freeLoopbackPort()}` });
    await core.vault.set(secretNames.agentAdminToken(down.id), 'whatever');
    const op = await call<BenchmarkOperation>(core, 'benchmarks:start', { agentId: down.id });
    expect((await waitForEnd(core, op.operationId, 30_000)).error?.code).toBe('AGENT_UNREACHABLE');
    await expect(call(core, 'benchmarks:start', { agentId: 'nope' })).rejects.toMatchObject({ code: 'AGENT_UNKNOWN' });
    const tokenless = core.agents.upsert({ serverId: null, name: 'tokenless', baseUrl: 'http://127.0.0.1:9' });
    await expect(call(core, 'benchmarks:start', { agentId: tokenless.id })).rejects.toMatchObject({ code: 'AGENT_NO_TOKEN' });
    await expect(call(core, 'benchmarks:start', { agentId: 'local', options: { rounds: 50 } })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('gives up on an agent that never answers after the timeout, with BENCH_TIMEOUT', async () => {
    // A listener that accepts the request and never answers: an agent stuck mid-run.
    const sockets: Socket[] = [];
    const hung = createServer((socket) => void sockets.push(socket));
    const port = await new Promise<number>((r) => hung.listen(0, '127.0.0.1', () => r((hung.address() as { port: number }).port)));
    try {
      const record = core.agents.upsert({ serverId: null, name: 'hung', baseUrl: `http://127.0.0.1:${port}` });
      await core.vault.set(secretNames.agentAdminToken(record.id), 'whatever');
      const op = await call<BenchmarkOperation>(core, 'benchmarks:start', { agentId: record.id, timeoutMs: 10_000 });
      const end = await waitForEnd(core, op.operationId, 30_000);
      expect(end.state).toBe('failed');
      expect(end.error).toMatchObject({ code: 'BENCH_TIMEOUT', message: expect.stringContaining('10 s') });
      expect(end.elapsedMs).toBeGreaterThanOrEqual(9_900);
    } finally {
      sockets.forEach((s) => s.destroy());
      hung.close();
    }
  });
});
