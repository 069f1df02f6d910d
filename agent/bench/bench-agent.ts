// `npm run bench:agent [-- --json] [--rounds N] [--workers N]`: the image fixtures on this machine.
//  1. the limit: analyzeFile in a plain loop in this process (models loaded once, one image at a time);
//  2. the service: the same images through `serve` (a child process) over HTTP, all submitted at once;
//     rounds of 1 and 2 alternate so that the machine's other load weighs on both alike;
//  3. responsiveness: p99 of GET /v1/health and GET /v1/jobs/:id from 50 concurrent clients while the
//     workers are busy (a bounded number of requests, loopback only);
// plus per-analysis p50/p95 and the agent's peak RSS. Logs go to stderr; the table (or --json) to stdout.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { imageAnalysisNames, type ResultDocument } from '../src/contracts/result-document.js';
import { agentVersion, loadConfig } from '../src/config.js';
import { createTokenWithCli, startAgentProcess } from '../src/bench/agent-process.js';
import { describeHardware } from '../src/bench/hardware.js';
import { listBenchImages } from '../src/bench/queue-bench.js';
import { percentile, round1 } from '../src/bench/stats.js';
import { loadAnalyzers } from '../src/jobs/analyzer-port.js';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '2' },
    workers: { type: 'string' },
    clients: { type: 'string', default: '50' },
    'requests-per-client': { type: 'string', default: '20' },
    images: { type: 'string', default: loadConfig().benchImagesDir },
  },
});
const rounds = Number(args.rounds);
const clients = Number(args.clients);
const requestsPerClient = Number(args['requests-per-client']);
const workers = args.workers ? Number(args.workers) : loadConfig().workers;
const log = (...parts: unknown[]): void => console.error('[bench]', ...parts);
// Model libraries print banners with console.log; stdout is for the report.
console.log = console.info = console.warn = (...a: unknown[]) => console.error(...a);

const images = await listBenchImages(args.images);
// Other work on the machine skews every figure; the load average is printed with them.
const loadAtStart = os.loadavg()[0];
const analyses = [...imageAnalysisNames];

function summarise(perAnalysis: Record<string, number[]>): Record<string, { p50_ms: number; p95_ms: number }> {
  return Object.fromEntries(
    Object.entries(perAnalysis).map(([k, v]) => [k, { p50_ms: round1(percentile(v, 50)), p95_ms: round1(percentile(v, 95)) }]),
  );
}

// 2. The service over HTTP.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediafleet-bench-'));
const token = createTokenWithCli(dataDir, 'submit', 'bench');
log(`starting the agent with ${workers} worker(s)`);
const agent = await startAgentProcess({ dataDir, workers, token, env: { MEDIAFLEET_MAX_QUEUE: '10000' } });
const auth = { authorization: `Bearer ${token}` };

async function submit(image: string): Promise<string> {
  const form = new FormData();
  form.append('analyses', analyses.join(','));
  form.append('file', new Blob([new Uint8Array(fs.readFileSync(image))]), path.basename(image));
  const res = await fetch(`${agent.url}/v1/jobs`, { method: 'POST', headers: auth, body: form });
  if (res.status !== 202) throw new Error(`submit ${image}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

interface JobBody {
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  result?: ResultDocument;
  error?: { code: string; message: string };
}

/** Jobs run in submission order, so following them one at a time costs one light request per 50 ms instead of
 * polling them all, which would take CPU from the agent being measured. */
async function waitAll(ids: string[]): Promise<JobBody[]> {
  const done: JobBody[] = [];
  for (const id of ids) {
    for (;;) {
      const job = (await (await fetch(`${agent.url}/v1/jobs/${id}`, { headers: auth })).json()) as JobBody;
      if (job.status === 'failed') throw new Error(`job ${id} failed: ${job.error?.code} ${job.error?.message}`);
      if (job.status === 'succeeded' || job.status === 'canceled') {
        done.push(job);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return done;
}

let report: Record<string, unknown>;
try {
  // Rounds alternate between the plain loop and the API, so a change in the machine's other load during the run
  // affects both sides alike instead of skewing the ratio.
  log('loading the models in this process for the plain loop');
  const analyzers = await loadAnalyzers();
  await analyzers.warmUpModels(analyses);
  const directPerAnalysis: Record<string, number[]> = {};
  const directSuite: number[] = [];
  const apiPerAnalysis: Record<string, number[]> = {};
  const apiSuite: number[] = [];
  let directMs = 0;
  let apiMs = 0;
  for (let r = 0; r < rounds; r++) {
    log(`round ${r + 1}/${rounds}: plain loop, ${images.length} images`);
    const directStart = performance.now();
    for (const image of images) {
      const t0 = performance.now();
      const doc = await analyzers.analyzeFile(image, { analyses, agent: { id: 'bench', version: agentVersion() } });
      directSuite.push(performance.now() - t0);
      for (const [k, ms] of Object.entries(doc.timings)) (directPerAnalysis[k] ??= []).push(ms);
    }
    directMs += performance.now() - directStart;

    log(`round ${r + 1}/${rounds}: through the API, ${images.length} jobs submitted at once`);
    const apiStart = performance.now();
    const ids: string[] = [];
    for (const image of images) ids.push(await submit(image));
    const jobs = await waitAll(ids);
    apiMs += performance.now() - apiStart;
    for (const job of jobs) {
      for (const [k, ms] of Object.entries(job.result!.timings)) (apiPerAnalysis[k] ??= []).push(ms);
      apiSuite.push(Date.parse(job.finishedAt!) - Date.parse(job.startedAt!));
    }
  }
  const directImagesPerHour = ((images.length * rounds) / directMs) * 3_600_000;
  const apiImagesPerHour = ((images.length * rounds) / apiMs) * 3_600_000;

  // 3. Responsiveness while the workers are busy.
  log(`latency: ${clients} clients × ${requestsPerClient} requests while workers are busy`);
  const busyIds: string[] = [];
  for (const image of images) busyIds.push(await submit(image));
  await new Promise((r) => setTimeout(r, 300));
  const healthMs: number[] = [];
  const jobMs: number[] = [];
  // node:http with keep-alive: fetch (undici) spends several times more CPU per request, and on two cores the
  // client's CPU would be taken from the agent being measured.
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: clients });
  const get = (url: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = http.get(url, { agent: keepAlive, headers: auth }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
    });
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; i < requestsPerClient; i++) {
        const isHealth = (i + c) % 2 === 0;
        const url = isHealth ? `${agent.url}/v1/health` : `${agent.url}/v1/jobs/${busyIds[(i + c) % busyIds.length]}`;
        const t0 = performance.now();
        await get(url);
        (isHealth ? healthMs : jobMs).push(performance.now() - t0);
      }
    }),
  );
  keepAlive.destroy();
  const busyStates = await Promise.all(
    busyIds.map(async (id) => ((await (await fetch(`${agent.url}/v1/jobs/${id}`, { headers: auth })).json()) as JobBody).status),
  );
  for (const id of busyIds) await fetch(`${agent.url}/v1/jobs/${id}`, { method: 'DELETE', headers: auth });

  const rssMb = agent.peakRssMb();
  const all = [...healthMs, ...jobMs];
  report = {
    hardware: describeHardware(),
    workers,
    images: images.length,
    rounds,
    analyses: summarise(apiPerAnalysis),
    direct_analyses: summarise(directPerAnalysis),
    suite_p50_ms: round1(percentile(apiSuite, 50)),
    suite_p95_ms: round1(percentile(apiSuite, 95)),
    direct_suite_p50_ms: round1(percentile(directSuite, 50)),
    images_per_hour: Math.round(apiImagesPerHour),
    direct_images_per_hour: Math.round(directImagesPerHour),
    ratio: Math.round((apiImagesPerHour / directImagesPerHour) * 100) / 100,
    rss_mb: rssMb,
    api_p99_ms: round1(percentile(all, 99)),
    api_p50_ms: round1(percentile(all, 50)),
    health_p99_ms: round1(percentile(healthMs, 99)),
    job_status_p99_ms: round1(percentile(jobMs, 99)),
    api_requests: all.length,
    load_avg_1m: { start: round1(loadAtStart), end: round1(os.loadavg()[0]) },
    workers_busy_after_latency_run: busyStates.filter((s) => s === 'running' || s === 'queued').length,
  };
} finally {
  await agent.stop('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
}

if (args.json) {
  process.stdout.write(JSON.stringify(report) + '\n');
} else {
  const r = report as {
    hardware: { cpuModel: string; cores: number; memoryBytes: number };
    load_avg_1m: { start: number; end: number };
    analyses: Record<string, { p50_ms: number; p95_ms: number }>;
    direct_analyses: Record<string, { p50_ms: number; p95_ms: number }>;
  } & Record<string, number>;
  const lines = [
    `Mediafleet agent benchmark: ${r.images} images × ${r.rounds} rounds, all image analyses (${analyses.join(', ')})`,
    `machine: ${r.hardware.cpuModel}, ${r.hardware.cores} cores, ${Math.round(r.hardware.memoryBytes / 2 ** 30)} GB; workers: ${r.workers}; load average (1 min) ${r.load_avg_1m.start} at start, ${r.load_avg_1m.end} at end`,
    '',
    '| analysis | p50 ms (API) | p95 ms (API) | p50 ms (loop) | p95 ms (loop) |',
    '|---|---:|---:|---:|---:|',
    ...Object.keys(r.analyses).map(
      (k) => `| ${k} | ${r.analyses[k].p50_ms} | ${r.analyses[k].p95_ms} | ${r.direct_analyses[k]?.p50_ms ?? '-'} | ${r.direct_analyses[k]?.p95_ms ?? '-'} |`,
    ),
    '',
    '| figure | value | target |',
    '|---|---:|---|',
    `| full suite per image, p50 (API, in worker) | ${r.suite_p50_ms} ms | ≤ 700 ms |`,
    `| full suite per image, p50 (plain loop) | ${r.direct_suite_p50_ms} ms | |`,
    `| images/hour through the HTTP API | ${r.images_per_hour} | |`,
    `| images/hour, plain loop in one process (the limit) | ${r.direct_images_per_hour} | |`,
    `| ratio API / loop | ${r.ratio} | ≥ 0.9 |`,
    `| peak RSS of the agent | ${r.rss_mb} MB | ≤ 1536 MB |`,
    `| p99 /v1/health + /v1/jobs/:id, ${clients} clients, workers busy (${r.api_requests} requests) | ${r.api_p99_ms} ms | ≤ 50 ms |`,
    `| p99 /v1/health alone / /v1/jobs/:id alone | ${r.health_p99_ms} / ${r.job_status_p99_ms} ms | |`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
process.exit(0);
