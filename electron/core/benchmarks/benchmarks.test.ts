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
import type { BenchmarkRun } from '../contracts/benchmarks.js';
import type { OperationEvent } from '../contracts/define.js';
import type { OperationRecord } from '../contracts/operations.js';
import { createConsoleCore, type ConsoleCore } from '../console-core.js';
import { LocalAgent, parseTokenOutput } from '../local-agent/local-agent.js';
import { FileVault } from '../secrets/file-vault.js';
import { secretNames } from '../secrets/secret-vault.js';
import { startAgentStub, type AgentStub } from '../../../test-harness/console/agent-stub-server.js';
import { freeLoopbackPort } from '../../../test-harness/console/free-loopback-port.js';
import { fixturesDir } from '../../../test-harness/shared-folder.js';

const appRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const fixtures = fixturesDir;

async function call<T>(core: ConsoleCore, method: string, input: unknown): Promise<T> {
  const answer = await core.invoke(method, input);
  if (!answer.ok) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
  return answer.data as T;
}

/** The operation's record once it has ended (the engine settles it; the bound keeps a hang from hanging the suite). */
async function waitForEnd(core: ConsoleCore, operationId: string, timeoutMs: number): Promise<OperationRecord> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`benchmark still running after ${timeoutMs} ms`)), timeoutMs)));
  try {
    await Promise.race([core.operations.settled(operationId), bound]);
  } finally {
    clearTimeout(timer);
  }
  return call<OperationRecord>(core, 'operations:status', { operationId });
}

const start = (core: ConsoleCore, input: unknown) => call<{ operationId: string }>(core, 'benchmarks:start', input);
const elapsedMs = (op: OperationRecord) => Date.parse(op.finishedAt!) - Date.parse(op.startedAt);

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
    const agents = await call<Array<{ id: string; name: string; kind: string }>>(core, 'agents:list', {});
    expect(agents[0]).toMatchObject({ id: 'local', name: 'This computer', kind: 'local' });
    expect(agents.map((a) => a.name)).toContain('vps-small');
  });

  it('runs a short benchmark, stores it with the hardware facts and lists it for the agent', async () => {
    const progress: (number | null)[] = [];
    const onEvent = (e: OperationEvent) => progress.push(e.progress);
    core.operations.events.on('operation', onEvent);
    const started = await start(core, { agentId: 'local', options: { rounds: 1, analyses: ['nsfw'] } });
    expect(await call<OperationRecord>(core, 'operations:status', started)).toMatchObject({
      kind: 'benchmark',
      status: 'running',
      title: 'Benchmark on This computer',
      targetId: 'local',
      detail: { agentName: 'This computer', expectedMs: null },
    });
    // One run per agent at a time: a second would measure the first one's load.
    await expect(start(core, { agentId: 'local' })).rejects.toMatchObject({ code: 'BENCH_RUNNING' });
    const end = await waitForEnd(core, started.operationId, 150_000);
    expect(end.error).toBeNull();
    expect(end).toMatchObject({ status: 'succeeded', progress: 1, detail: { runId: expect.any(String), imagesDone: 2, imagesTotal: 2 } });
    core.operations.events.off('operation', onEvent);
    // No earlier run to estimate from: the progress seen is the agent's own count of finished images (0, 1, 2 of 2).
    expect(progress.filter((p, i) => p !== null && p !== progress[i - 1])).toEqual([0, 0.5, 0.99, 1]);
    const history = await call<BenchmarkRun[]>(core, 'benchmarks:history', { agentId: 'local' });
    expect(history).toHaveLength(1);
    const [run] = history;
    expect(run!.id).toBe(end.detail.runId);
    expect(run!.options).toEqual({ rounds: 1, analyses: ['nsfw'] });
    expect(run!.report.images).toBe(2);
    expect(run!.report.hardware.cores).toBeGreaterThanOrEqual(1);
    expect(run!.report.hardware.cpuModel.length).toBeGreaterThan(0);
    expect(run!.report.analyses.nsfw!.p50_ms).toBeGreaterThan(0);
    expect(run!.report.images_per_hour).toBeGreaterThan(0);
    expect(await call<BenchmarkRun[]>(core, 'benchmarks:history', { agentId: 'someone-else' })).toEqual([]);

    // The next comparable run has an expected duration, so its progress is an estimate; cancel stops waiting.
    const second = await start(core, { agentId: 'local', options: { rounds: 1, analyses: ['nsfw'] } });
    expect((await call<OperationRecord>(core, 'operations:status', second)).detail.expectedMs).toBeGreaterThan(0);
    expect(await call(core, 'operations:cancel', second)).toEqual({ canceled: true });
    const canceled = await waitForEnd(core, second.operationId, 30_000);
    expect(canceled.status).toBe('canceled');
    expect(await call(core, 'operations:cancel', second)).toEqual({ canceled: false });
    const ops = await call<OperationRecord[]>(core, 'operations:list', { kinds: ['benchmark'] });
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
    const op = await start(core, { agentId: record.id, options: { analyses: ['nsfw'] } });
    const end = await waitForEnd(core, op.operationId, 30_000);
    expect(end.status).toBe('failed');
    expect(end.error?.code).toBe('AGENT_FORBIDDEN');
    expect(end.error?.message).toMatch(/scope admin/);
  });

  it('an agent older than the console (no /v1/bench) fails with AGENT_ROUTE_MISSING', async () => {
    const record = core.agents.upsert({ serverId: null, name: 'old-agent', baseUrl: stub.url });
    await core.vault.set(secretNames.agentAdminToken(record.id), 'old-agent-token');
    const op = await start(core, { agentId: record.id });
    const end = await waitForEnd(core, op.operationId, 30_000);
    expect(end.error).toMatchObject({ code: 'AGENT_ROUTE_MISSING', message: expect.stringMatching(/\/v1\/bench.*upgrade/) });
  });

  it('an agent that is down fails with AGENT_UNREACHABLE; unknown agents and missing tokens are refused up front', async () => {
    const down = core.agents.upsert({ serverId: null, name: 'down', baseUrl: `http://127.0.0.1:${await freeLoopbackPort()}` });
    await core.vault.set(secretNames.agentAdminToken(down.id), 'whatever');
    const op = await start(core, { agentId: down.id });
    expect((await waitForEnd(core, op.operationId, 30_000)).error?.code).toBe('AGENT_UNREACHABLE');
    await expect(start(core, { agentId: 'nope' })).rejects.toMatchObject({ code: 'AGENT_UNKNOWN' });
    const tokenless = core.agents.upsert({ serverId: null, name: 'tokenless', baseUrl: 'http://127.0.0.1:9' });
    await expect(start(core, { agentId: tokenless.id })).rejects.toMatchObject({ code: 'AGENT_NO_TOKEN' });
    await expect(start(core, { agentId: 'local', options: { rounds: 50 } })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('gives up on an agent that never answers after the timeout, with BENCH_TIMEOUT', async () => {
    // A listener that accepts the request and never answers: an agent stuck mid-run.
    const sockets: Socket[] = [];
    const hung = createServer((socket) => void sockets.push(socket));
    const port = await new Promise<number>((r) => hung.listen(0, '127.0.0.1', () => r((hung.address() as { port: number }).port)));
    try {
      const record = core.agents.upsert({ serverId: null, name: 'hung', baseUrl: `http://127.0.0.1:${port}` });
      await core.vault.set(secretNames.agentAdminToken(record.id), 'whatever');
      const op = await start(core, { agentId: record.id, timeoutMs: 10_000 });
      const end = await waitForEnd(core, op.operationId, 30_000);
      expect(end.status).toBe('failed');
      expect(end.error).toMatchObject({ code: 'BENCH_TIMEOUT', message: expect.stringContaining('10 s') });
      expect(elapsedMs(end)).toBeGreaterThanOrEqual(9_900);
    } finally {
      sockets.forEach((s) => s.destroy());
      hung.close();
    }
  });
});
