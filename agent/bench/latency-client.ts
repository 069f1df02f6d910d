// The benchmark's load generator for API latency: N clients in a closed loop (each sends its next request when the
// previous one answered), plain node:http with keep-alive. It runs in its own process (see runLatencyClients), so
// neither the benchmark's plain-loop models nor its bookkeeping share an event loop with the clock that times the
// requests. As a script it reads its plan as JSON from argv[2] and prints one JSON report on stdout.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { percentile, round1 } from '../src/bench/stats.js';

export interface LatencyPlan {
  /** Base URL of the agent, e.g. http://127.0.0.1:8787. */
  url: string;
  token: string;
  /** Paths the clients cycle through; each gets its own latency figures too. */
  paths: Array<{ name: string; path: string }>;
  clients: number;
  requestsPerClient: number;
  /** Requests each client sends first, unmeasured: a running agent has compiled its hot paths long since. */
  warmUpRequestsPerClient?: number;
}

export interface LatencyFigures {
  requests: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
}

export interface LatencyReport {
  all: LatencyFigures;
  byName: Record<string, LatencyFigures>;
  /** Wall time of the whole run, and the request rate it gives. */
  elapsed_ms: number;
  requests_per_second: number;
}

export function summariseLatencies(ms: number[]): LatencyFigures {
  return {
    requests: ms.length,
    p50_ms: round1(percentile(ms, 50)),
    p95_ms: round1(percentile(ms, 95)),
    p99_ms: round1(percentile(ms, 99)),
    max_ms: round1(ms.length ? Math.max(...ms) : NaN),
  };
}

/** Runs the plan in this process. Any non-200 answer fails the run: latency of errors is not what we measure. */
export async function measureLatency(plan: LatencyPlan): Promise<LatencyReport> {
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: plan.clients });
  const headers = { authorization: `Bearer ${plan.token}` };
  const get = (url: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = http.get(url, { agent: keepAlive, headers }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
    });
  const warmUp = plan.warmUpRequestsPerClient ?? 0;
  await Promise.all(
    Array.from({ length: plan.clients }, async (_, c) => {
      for (let i = 0; i < warmUp; i++) await get(plan.url + plan.paths[(i + c) % plan.paths.length].path);
    }),
  );
  const byName: Record<string, number[]> = Object.fromEntries(plan.paths.map((p) => [p.name, []]));
  const all: number[] = [];
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: plan.clients }, async (_, c) => {
        for (let i = 0; i < plan.requestsPerClient; i++) {
          const target = plan.paths[(i + c) % plan.paths.length];
          const t0 = performance.now();
          await get(plan.url + target.path);
          const ms = performance.now() - t0;
          byName[target.name].push(ms);
          all.push(ms);
        }
      }),
    );
  } finally {
    keepAlive.destroy();
  }
  const elapsed = performance.now() - started;
  return {
    all: summariseLatencies(all),
    byName: Object.fromEntries(Object.entries(byName).map(([name, ms]) => [name, summariseLatencies(ms)])),
    elapsed_ms: round1(elapsed),
    requests_per_second: Math.round((all.length / elapsed) * 1000),
  };
}

const selfPath = fileURLToPath(import.meta.url);

/** Runs the plan in a child process (this file as a script) and returns its report. */
export function runLatencyClients(plan: LatencyPlan): Promise<LatencyReport> {
  const nodeArgs = selfPath.endsWith('.ts') ? ['--import', 'tsx', selfPath] : [selfPath];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, JSON.stringify(plan)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`latency client exited with ${code}: ${err.trim()}`));
      try {
        resolve(JSON.parse(out) as LatencyReport);
      } catch {
        reject(new Error(`latency client printed no report: ${out.slice(0, 200)} ${err.trim()}`));
      }
    });
  });
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const plan = JSON.parse(process.argv[2] ?? '') as LatencyPlan;
  measureLatency(plan).then(
    (report) => process.stdout.write(JSON.stringify(report) + '\n'),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
