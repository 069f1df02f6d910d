// `npm run bench:cluster [-- --json] [--rounds N] [--latency-jobs N] [--images DIR]`: what the shared queue
// costs. Three set-ups of real agent processes on the real models, each with one worker thread:
//  plain    one agent, no cluster: the SQLite queue runs jobs on its own worker (the baseline);
//  cluster  the same agent with REDIS_URL: every job goes through BullMQ on a real redis-server and back;
//  front    a front agent that runs nothing (MEDIAFLEET_CLUSTER_TAKE_JOBS=false) and a worker agent: every
//           upload is also fetched over HTTP from the front, and thumbnails and results come back through Redis.
// For each: throughput with all images submitted at once (rounds alternate between the set-ups so the machine's
// other load weighs on all alike), and the latency of one small job alone (the smallest image, nsfw only; POST
// to succeeded, as a client polling every 10 ms sees it). Ratios are against `plain`. Logs go to stderr; the table (or --json) to stdout.
// On one machine the set-ups share the same CPU, so this measures the queue's overhead, not a cluster's gain.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { imageAnalysisNames } from '../src/contracts/result-document.js';
import { loadConfig } from '../src/config.js';
import { createTokenWithCli, startAgentProcess, type AgentProcess } from '../../test-harness/agent/agent-process.js';
import { describeHardware } from '../src/bench/hardware.js';
import { listBenchImages } from '../src/bench/queue-bench.js';
import { redisServerPath, startRedis } from '../../test-harness/agent/redis-process.js';
import { percentile, round1 } from '../src/bench/stats.js';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
    'latency-jobs': { type: 'string', default: '30' },
    images: { type: 'string', default: loadConfig().benchImagesDir },
  },
});
const rounds = Number(args.rounds);
const latencyJobs = Number(args['latency-jobs']);
const log = (...parts: unknown[]): void => console.error('[bench:cluster]', ...parts);
if (!redisServerPath) {
  console.error('bench:cluster needs redis-server (Debian package redis-server)');
  process.exit(2);
}

const images = await listBenchImages(args.images);
const analyses = imageAnalysisNames.join(',');
const loadAtStart = os.loadavg()[0];
const redis = await startRedis();
const started: Array<{ agent: AgentProcess; dataDir: string }> = [];

async function startAgent(
  name: string,
  env: Record<string, string>,
): Promise<{ url: string; token: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `mediafleet-bench-${name}-`));
  const token = createTokenWithCli(dataDir, 'submit', 'bench');
  const agent = await startAgentProcess({
    dataDir,
    workers: 1,
    token,
    env: { MEDIAFLEET_MAX_QUEUE: '10000', MEDIAFLEET_MAX_QUEUE_PER_TENANT: '10000', MEDIAFLEET_AGENT_ID: name, ...env },
  });
  started.push({ agent, dataDir });
  return { url: agent.url, token };
}

interface Setup {
  name: 'plain' | 'cluster' | 'front';
  /** Where jobs are submitted and followed. */
  entry: { url: string; token: string };
  ms: number;
  latencies: number[];
}

async function submit(entry: Setup['entry'], image: string, which = analyses): Promise<string> {
  const form = new FormData();
  form.append('analyses', which);
  form.append('file', new Blob([new Uint8Array(fs.readFileSync(image))]), path.basename(image));
  const res = await fetch(`${entry.url}/v1/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${entry.token}` },
    body: form,
  });
  if (res.status !== 202) throw new Error(`submit ${image}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

async function waitFor(entry: Setup['entry'], id: string, pollMs: number): Promise<void> {
  for (;;) {
    const job = (await (
      await fetch(`${entry.url}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${entry.token}` } })
    ).json()) as {
      status: string;
      error?: { code: string; message: string };
    };
    if (job.status === 'succeeded') return;
    if (job.status === 'failed' || job.status === 'canceled')
      throw new Error(`job ${id} ${job.status}: ${job.error?.code} ${job.error?.message}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

let report: Record<string, unknown>;
try {
  log('starting the agents (plain; cluster; front + worker) and loading their models');
  const plain = await startAgent('plain', {});
  const clustered = await startAgent('cluster', {
    REDIS_URL: redis.url,
    MEDIAFLEET_CLUSTER_QUEUE: 'bench-one',
  });
  const front = await startAgent('front', {
    REDIS_URL: redis.url,
    MEDIAFLEET_CLUSTER_QUEUE: 'bench-two',
    MEDIAFLEET_CLUSTER_TAKE_JOBS: 'false',
    MEDIAFLEET_WARMUP: 'none',
  });
  await startAgent('worker', { REDIS_URL: redis.url, MEDIAFLEET_CLUSTER_QUEUE: 'bench-two' });
  const setups: Setup[] = [
    { name: 'plain', entry: plain, ms: 0, latencies: [] },
    { name: 'cluster', entry: clustered, ms: 0, latencies: [] },
    { name: 'front', entry: front, ms: 0, latencies: [] },
  ];
  // One job each first: lazy parts (the first upload, Redis scripts, the worker's first fetch) are not measured.
  for (const s of setups) await waitFor(s.entry, await submit(s.entry, images[0]!), 20);

  for (let r = 0; r < rounds; r++) {
    for (const s of setups) {
      log(`round ${r + 1}/${rounds}: ${s.name}, ${images.length} images submitted at once`);
      const t0 = performance.now();
      const ids: string[] = [];
      for (const image of images) ids.push(await submit(s.entry, image));
      for (const id of ids) await waitFor(s.entry, id, 50);
      s.ms += performance.now() - t0;
    }
  }
  // The smallest image and the quickest analysis (nsfw, tens of ms), so that the queue's own cost is a visible
  // part of a job's time.
  const smallest = [...images].sort((x, y) => fs.statSync(x).size - fs.statSync(y).size)[0]!;
  for (let i = 0; i < latencyJobs; i++) {
    for (const s of setups) {
      const t0 = performance.now();
      await waitFor(s.entry, await submit(s.entry, smallest, 'nsfw'), 10);
      s.latencies.push(performance.now() - t0);
    }
  }
  const perHour = (s: Setup): number => ((images.length * rounds) / s.ms) * 3_600_000;
  const base = setups[0]!;
  report = {
    hardware: describeHardware(),
    images: images.length,
    rounds,
    latency_job: `${path.basename(smallest)}, nsfw`,
    setups: Object.fromEntries(
      setups.map((s) => [
        s.name,
        {
          images_per_hour: Math.round(perHour(s)),
          throughput_ratio: Math.round((perHour(s) / perHour(base)) * 100) / 100,
          single_job_p50_ms: round1(percentile(s.latencies, 50)),
          single_job_p95_ms: round1(percentile(s.latencies, 95)),
          added_p50_ms: round1(percentile(s.latencies, 50) - percentile(base.latencies, 50)),
        },
      ]),
    ),
    load_avg_1m: { start: round1(loadAtStart), end: round1(os.loadavg()[0]) },
  };
} finally {
  for (const { agent, dataDir } of started) {
    await agent.stop('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  await redis.close();
}

if (args.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const rows = Object.entries(report.setups as Record<string, Record<string, number>>);
  console.log(
    `bench:cluster on ${(report.hardware as { cpuModel?: string }).cpuModel ?? os.cpus()[0]?.model} (${os.availableParallelism()} cores), ${images.length} images × ${rounds} rounds, one worker per agent`,
  );
  console.log('setup    images/h  ratio  single job p50  p95    added p50');
  for (const [name, r] of rows) {
    console.log(
      `${name.padEnd(8)} ${String(r.images_per_hour).padStart(8)}  ${r.throughput_ratio.toFixed(2).padStart(5)}  ${`${r.single_job_p50_ms} ms`.padStart(13)}  ${`${r.single_job_p95_ms} ms`.padStart(9)}  ${`${r.added_p50_ms} ms`.padStart(9)}`,
    );
  }
  console.log(`load average (1 min): ${JSON.stringify(report.load_avg_1m)}`);
}
