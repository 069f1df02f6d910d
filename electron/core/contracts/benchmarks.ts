// Contract of the Benchmarks feature: run the agent's own benchmark (`POST /v1/bench`) on a chosen agent as a
// long operation (status polled, cancellable, bounded by a timeout), keep every finished run with the agent's
// hardware facts in the console store, and list that history to compare agents (server sizes).
import { z } from 'zod';
import { AnalysisName } from '../../../agent/src/contracts/result-document.js';
import { ErrorEnvelope, defineInvoke } from './define.js';

/** The machine the agent ran on, as it reports it. */
export const BenchHardware = z.object({
  cpuModel: z.string(),
  cores: z.number().int(),
  memoryBytes: z.number(),
  platform: z.string(),
  arch: z.string(),
  node: z.string(),
  backend: z.string(),
});
export type BenchHardware = z.infer<typeof BenchHardware>;

/** The agent's benchmark answer, field for field (the agent's API names). */
export const BenchReport = z.object({
  hardware: BenchHardware,
  workers: z.number().int(),
  images: z.number().int(),
  rounds: z.number().int(),
  /** Per analysis (and `decode`): milliseconds inside the worker. */
  analyses: z.record(z.string(), z.object({ p50_ms: z.number(), p95_ms: z.number() })),
  suite_p50_ms: z.number(),
  suite_p95_ms: z.number(),
  images_per_hour: z.number(),
  rss_mb: z.number(),
});
export type BenchReport = z.infer<typeof BenchReport>;

export const BenchOptions = z.object({
  /** Passes over the agent's benchmark images (each pass: every image once). */
  rounds: z.number().int().min(1).max(10).default(1),
  /** Only these analyses (a quicker run); all image analyses when omitted. */
  analyses: z.array(AnalysisName).min(1).optional(),
});
export type BenchOptions = z.infer<typeof BenchOptions>;

export const BenchmarkRun = z.object({
  id: z.string(),
  agentId: z.string(),
  agentName: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  options: z.object({ rounds: z.number().int(), analyses: z.array(z.string()).nullable() }),
  report: BenchReport,
});
export type BenchmarkRun = z.infer<typeof BenchmarkRun>;

export const BenchmarkOperation = z.object({
  operationId: z.string(),
  agentId: z.string(),
  agentName: z.string(),
  state: z.enum(['running', 'succeeded', 'failed', 'canceled']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  elapsedMs: z.number(),
  /** How long the last comparable run on this agent took; null on a first run. */
  expectedMs: z.number().nullable(),
  /**
   * 0..1: images finished of the run's images as the agent reports them (imagesDone/imagesTotal); from an agent
   * that reports nothing until its answer, estimated from expectedMs; null when neither is known.
   */
  progress: z.number().min(0).max(1).nullable(),
  /** The agent's own count, when it streams one (null: an older agent, or not started yet). */
  imagesDone: z.number().int().nullable(),
  imagesTotal: z.number().int().nullable(),
  timeoutMs: z.number(),
  runId: z.string().nullable(),
  error: ErrorEnvelope.nullable(),
});
export type BenchmarkOperation = z.infer<typeof BenchmarkOperation>;

export const BenchAgent = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['local', 'registered']),
  baseUrl: z.string().nullable(),
});
export type BenchAgent = z.infer<typeof BenchAgent>;

/** Agents the console can talk to: "This computer" and every registered agent. */
export const listBenchAgents = defineInvoke('benchmarks:agents', {
  input: z.object({}).default({}),
  output: z.array(BenchAgent),
  readOnly: true,
});

export const startBenchmark = defineInvoke('benchmarks:start', {
  input: z.object({
    agentId: z.string().min(1).max(100).default('local'),
    options: BenchOptions.default({ rounds: 1 }),
    /** Give up (and say so) after this long; the agent's answer comes only at the end of the run. */
    timeoutMs: z.number().int().min(10_000).max(3_600_000).default(900_000),
  }),
  output: BenchmarkOperation,
});

export const benchmarkStatus = defineInvoke('benchmarks:status', {
  input: z.object({ operationId: z.string() }),
  output: BenchmarkOperation,
  readOnly: true,
});

/** Operations of this console session, newest first (running ones survive a page reload this way). */
export const listBenchmarkOperations = defineInvoke('benchmarks:operations', {
  input: z.object({}).default({}),
  output: z.array(BenchmarkOperation),
  readOnly: true,
});

export const cancelBenchmark = defineInvoke('benchmarks:cancel', {
  input: z.object({ operationId: z.string() }),
  output: z.object({ canceled: z.boolean() }),
});

export const benchmarkHistory = defineInvoke('benchmarks:history', {
  input: z.object({ agentId: z.string().optional(), limit: z.number().int().min(1).max(500).default(100) }).default({ limit: 100 }),
  output: z.array(BenchmarkRun),
  readOnly: true,
});

export const benchmarksContract = {
  [listBenchAgents.name]: listBenchAgents,
  [startBenchmark.name]: startBenchmark,
  [benchmarkStatus.name]: benchmarkStatus,
  [listBenchmarkOperations.name]: listBenchmarkOperations,
  [cancelBenchmark.name]: cancelBenchmark,
  [benchmarkHistory.name]: benchmarkHistory,
};
