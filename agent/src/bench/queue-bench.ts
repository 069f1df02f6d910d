// The agent's own benchmark (POST /v1/bench): the image fixtures through this agent's queue and workers,
// so the figures include everything a client pays for except the network.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AgentError } from '../errors.js';
import type { ResultDocument } from '../contracts/result-document.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { describeHardware, type HardwareFacts } from './hardware.js';
import { percentile, round1 } from './stats.js';

export interface BenchReport {
  hardware: HardwareFacts;
  workers: number;
  images: number;
  rounds: number;
  /** Per analysis (and `decode`): milliseconds inside the worker. */
  analyses: Record<string, { p50_ms: number; p95_ms: number }>;
  /** One image, submit to finished, all analyses, with the other workers busy. */
  suite_p50_ms: number;
  suite_p95_ms: number;
  images_per_hour: number;
  rss_mb: number;
}

const imageExtensions = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.bmp']);

export async function listBenchImages(dir: string): Promise<string[]> {
  const names = await fs.readdir(dir).catch(() => {
    throw new AgentError('FILE_NOT_FOUND', `no benchmark images at ${dir} (set MEDIAFLEET_BENCH_IMAGES)`);
  });
  const images = names.filter((n) => imageExtensions.has(path.extname(n).toLowerCase())).sort();
  if (images.length === 0) throw new AgentError('FILE_NOT_FOUND', `no images in ${dir}`);
  return images.map((n) => path.join(dir, n));
}

export interface QueueBenchOptions {
  imagesDir: string;
  uploadsDir: string;
  tenant: string;
  rounds: number;
  analyses?: string[];
  /** Aborting cancels the benchmark's unfinished jobs (the workers stop on them) and rejects with CANCELED. */
  signal?: AbortSignal;
  /** After each finished image: how many of how many. */
  onProgress?: (done: number, total: number) => void;
}

export async function runQueueBench(queue: JobQueue, options: QueueBenchOptions): Promise<BenchReport> {
  const { signal } = options;
  const canceled = () => new AgentError('CANCELED', 'the benchmark was canceled');
  if (signal?.aborted) throw canceled();
  const images = await listBenchImages(options.imagesDir);
  const submitted: Array<{ id: string; at: number }> = [];
  const started = performance.now();
  for (let round = 0; round < options.rounds; round++) {
    for (const image of images) {
      const copy = path.join(options.uploadsDir, `${crypto.randomUUID()}.bench`);
      await fs.copyFile(image, copy);
      const { job } = queue.submit({
        tenant: options.tenant,
        priority: 'batch',
        inputPath: copy,
        fileName: path.basename(image),
        options: { analyses: options.analyses },
      });
      submitted.push({ id: job.id, at: performance.now() });
    }
  }
  const perAnalysis: Record<string, number[]> = {};
  const suiteMs: number[] = [];
  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  // Cancel every job of the run that has not finished: queued ones never start, running ones are stopped.
  const cancelAll = (): void => {
    for (const { id } of submitted) {
      try {
        queue.cancel(options.tenant, id);
      } catch {
        /* already finished */
      }
    }
  };
  signal?.addEventListener('abort', cancelAll, { once: true });
  if (signal?.aborted) cancelAll();
  let done = 0;
  try {
    options.onProgress?.(0, submitted.length);
    for (const { id } of submitted) {
      const job = await queue.waitForFinish(options.tenant, id);
      if (signal?.aborted) throw canceled();
      options.onProgress?.(++done, submitted.length);
      if (job.status !== 'succeeded') throw new AgentError('INTERNAL', `benchmark job ${id} ${job.status}: ${job.error?.message ?? ''}`);
      const result = job.result as ResultDocument;
      for (const [name, ms] of Object.entries(result.timings)) (perAnalysis[name] ??= []).push(ms);
      if (job.startedAt && job.finishedAt) suiteMs.push(job.finishedAt - job.startedAt);
    }
  } finally {
    clearInterval(rssTimer);
    signal?.removeEventListener('abort', cancelAll);
  }
  const elapsedMs = performance.now() - started;
  return {
    hardware: describeHardware(),
    workers: queue.capacity,
    images: submitted.length,
    rounds: options.rounds,
    analyses: Object.fromEntries(
      Object.entries(perAnalysis).map(([name, ms]) => [name, { p50_ms: round1(percentile(ms, 50)), p95_ms: round1(percentile(ms, 95)) }]),
    ),
    suite_p50_ms: round1(percentile(suiteMs, 50)),
    suite_p95_ms: round1(percentile(suiteMs, 95)),
    images_per_hour: Math.round((submitted.length / elapsedMs) * 3_600_000),
    rss_mb: Math.round(peakRss / 1024 / 1024),
  };
}
