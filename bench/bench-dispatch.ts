// npm run bench:dispatch [-- --requests 1000] [--json] [--skip-real]
//
// 1. The dispatcher against a fleet whose capacity is known: three agent processes whose worker is the timing
//    worker (a fixed time per job: 50, 100 and 200 ms; a stand-in for the models, so this measures the console's
//    dispatcher, the agents' HTTP and queue, not inference), the built-in agent left out. Prints the console's CPU
//    per request, requests per second, efficiency = achieved throughput / the sum of the agents' capacities (timed
//    from the folder's submit, which is part of the user's wait), and how long the submit itself took.
// 2. The real models: the fixture images through the built-in agent alone, then through the built-in agent and
//    one more agent process, in images per hour. On one machine both agents share its cores, so this shows what
//    the dispatcher costs and how it splits work, not the gain of a second server.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createConsoleCore, type ConsoleCore } from '../electron/core/console-core.js';
import type { AnalysisRequest, BatchSummary } from '../electron/core/contracts/requests.js';
import { createTokenWithCli, startAgentProcess } from '../test-harness/agent/agent-process.js';
import { fixturesDir } from '../test-harness/shared-folder.js';
import { startTimingAgent, type TimingAgent } from '../test-harness/agent/timing-agent.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '1000' }, json: { type: 'boolean', default: false }, 'skip-real': { type: 'boolean', default: false } } });
const requestCount = Number(values.requests);
const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const log = (line: string): void => void process.stderr.write(`${line}\n`);

async function call<T>(core: ConsoleCore, method: string, input: unknown): Promise<T> {
  const answer = await core.invoke(method, input);
  if (!answer.ok) throw new Error(`${answer.error.code}: ${answer.error.message}`);
  return answer.data as T;
}

function waitForBatch(core: ConsoleCore, batchId: string): Promise<BatchSummary> {
  return new Promise((resolveDone) => {
    const off = core.events.subscribe((event) => {
      const b = event.payload as BatchSummary;
      if (event.channel === 'batch' && b.batchId === batchId && b.state === 'done') {
        off();
        resolveDone(b);
      }
    });
  });
}

async function timingFleet(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'mf-bench-dispatch-'));
  const jobMs = [50, 100, 200];
  const agents: TimingAgent[] = await Promise.all(jobMs.map((ms) => startTimingAgent({ jobMs: ms })));
  const core = createConsoleCore({ storePath: join(dir, 'console.sqlite'), vault: { kind: 'file', path: join(dir, 'vault.bin'), passphrase: 'bench' } });
  try {
    for (const [i, agent] of agents.entries()) await call(core, 'agents:add', { name: `timing-${jobMs[i]}ms`, url: agent.url, token: agent.token });
    const files = join(dir, 'files');
    mkdirSync(files);
    for (let i = 0; i < requestCount; i++) writeFileSync(join(files, `f${String(i).padStart(5, '0')}.jpg`), `request ${i}`);
    // Warm-up: the dispatcher learns each agent's speed from its first jobs (as it would in use).
    const warm = join(dir, 'warm');
    mkdirSync(warm);
    for (let i = 0; i < 30; i++) writeFileSync(join(warm, `w${i}.jpg`), `warm ${i}`);
    const warmBatch = await call<{ batch: BatchSummary }>(core, 'requests:submit', { paths: [warm] });
    await waitForBatch(core, warmBatch.batch.batchId);

    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { batch } = await call<{ batch: BatchSummary }>(core, 'requests:submit', { paths: [files] });
    const submitS = (performance.now() - t0) / 1000;
    const done = await waitForBatch(core, batch.batchId);
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const rows = await call<AnalysisRequest[]>(core, 'requests:list', { batchId: batch.batchId, limit: 10_000 });
    const perAgent = Object.fromEntries(agents.map((_, i) => [`timing-${jobMs[i]}ms`, rows.filter((r) => r.agentName === `timing-${jobMs[i]}ms`).length]));
    const capacity = jobMs.reduce((sum, ms) => sum + 1000 / ms, 0);
    const jobsPerS = done.done / wallS;
    return {
      requests: done.done,
      failed: done.failed,
      wall_s: round(wallS, 2),
      submit_s: round(submitS, 2),
      jobs_per_s: round(jobsPerS, 2),
      capacity_jobs_per_s: round(capacity, 2),
      efficiency: round(jobsPerS / capacity, 3),
      overhead_ms_per_job: round((cpu.user + cpu.system) / 1000 / done.done, 3),
      ...Object.fromEntries(Object.entries(perAgent).map(([k, v]) => [`on_${k.replace(/-/g, '_')}`, v])),
    };
  } finally {
    await core.close();
    await Promise.all(agents.map((a) => a.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function realModels(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'mf-bench-dispatch-real-'));
  const images = readdirSync(join(fixturesDir, 'images')).filter((f) => !f.endsWith('.txt')).map((f) => join(fixturesDir, 'images', f));
  const run = async (core: ConsoleCore, label: string): Promise<{ perHour: number; seconds: number; rows: AnalysisRequest[] }> => {
    // Three rounds of the fixture images, each a new file content so no agent answers from its idempotency cache.
    const files = join(dir, `files-${label}`);
    mkdirSync(files);
    let n = 0;
    for (let round = 0; round < 3; round++) {
      for (const image of images) {
        const bytes = (await import('node:fs')).readFileSync(image);
        // Appending bytes after the image's end changes its hash, not its pixels.
        writeFileSync(join(files, `r${round}-${image.split('/').at(-1)}`), Buffer.concat([bytes, Buffer.from(`\n${label}-${round}`)]));
        n++;
      }
    }
    const t0 = performance.now();
    const { batch } = await call<{ batch: BatchSummary }>(core, 'requests:submit', { paths: [files] });
    const done = await waitForBatch(core, batch.batchId);
    const seconds = (performance.now() - t0) / 1000;
    if (done.failed) log(`${label}: ${done.failed} of ${n} failed`);
    return { perHour: (done.done * 3600) / seconds, seconds, rows: await call<AnalysisRequest[]>(core, 'requests:list', { batchId: batch.batchId, limit: 1000 }) };
  };
  const env = { MEDIAFLEET_WORKERS: '1' };
  Object.assign(process.env, env);
  const core = createConsoleCore({
    storePath: join(dir, 'console.sqlite'),
    vault: { kind: 'file', path: join(dir, 'vault.bin'), passphrase: 'bench' },
    localAgent: { appRoot: root, dataDir: join(dir, 'local-agent'), startNow: true },
  });
  try {
    await core.localAgent!.start();
    const alone = await run(core, 'alone');
    const otherDir = join(dir, 'agent-2');
    const token = createTokenWithCli(otherDir, 'admin', 'console');
    const other = await startAgentProcess({ dataDir: otherDir, token, env, readyTimeoutMs: 240_000 });
    try {
      await call(core, 'agents:add', { name: 'agent-2', url: other.url, token });
      const both = await run(core, 'both');
      return {
        images: alone.rows.length,
        local_alone_images_per_hour: Math.round(alone.perHour),
        local_plus_one_images_per_hour: Math.round(both.perHour),
        ratio: round(both.perHour / alone.perHour, 2),
        on_local: both.rows.filter((r) => r.agentId === 'local').length,
        on_agent_2: both.rows.filter((r) => r.agentName === 'agent-2').length,
      };
    } finally {
      await other.stop();
    }
  } finally {
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

log(`bench:dispatch — load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const timing = await timingFleet();
const real = values['skip-real'] ? null : await realModels();
if (values.json) {
  process.stdout.write(`${JSON.stringify({ ...timing, real, load_average: loadavg() })}\n`);
} else {
  const lines = [
    `Timing fleet (stand-in timing workers: 50, 100, 200 ms per job, 1 worker each; built-in agent left out)`,
    ...Object.entries(timing).map(([k, v]) => `  ${k.padEnd(28)} ${v}`),
    ...(real ? ['Real models (fixture images × 3 rounds)', ...Object.entries(real).map(([k, v]) => `  ${k.padEnd(34)} ${v}`)] : []),
    `load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
