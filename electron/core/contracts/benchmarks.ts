// Contract of the Benchmarks feature: run the agent's own benchmark (`POST /v1/bench`) on a chosen agent as a
// long operation of kind 'benchmark' (followed and cancelled through the operations contract, bounded by a
// timeout), keep every finished run with the agent's hardware facts in the console store, and list that history
// to compare agents (server sizes).
import { z } from 'zod';
import { BenchReport } from '#agent/contracts/http-v1.js';
import { AnalysisName } from '#agent/contracts/result-document.js';
import { OperationStarted, defineInvoke } from './define.js';

/** The agent's benchmark answer and the machine it ran on, field for field (the agent's own schemas). */
export { BenchReport, Hardware as BenchHardware } from '#agent/contracts/http-v1.js';

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

export const startBenchmark = defineInvoke('benchmarks:start', {
  input: z.object({
    agentId: z.string().min(1).max(100).default('local'),
    options: BenchOptions.default({ rounds: 1 }),
    /** Give up (and say so) after this long; the agent's answer comes only at the end of the run. */
    timeoutMs: z.number().int().min(10_000).max(3_600_000).default(900_000),
  }),
  output: OperationStarted,
});

export const benchmarkHistory = defineInvoke('benchmarks:history', {
  input: z.object({ agentId: z.string().optional(), limit: z.number().int().min(1).max(500).default(100) }).default({ limit: 100 }),
  output: z.array(BenchmarkRun),
  readOnly: true,
});

export const benchmarksContract = {
  [startBenchmark.name]: startBenchmark,
  [benchmarkHistory.name]: benchmarkHistory,
};
