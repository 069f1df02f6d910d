// What the Benchmarks charts show, computed from the stored runs: the latest run of each agent, the analyses
// they measured, and the scales of the bars. Plain functions, so the view's logic is testable without a DOM.
import type { BenchmarkRun } from '../../../../electron/core/contracts/benchmarks.js';

/** The newest run of each agent (runs arrive newest first), in the order agents first appear. */
export function latestRunPerAgent(runs: readonly BenchmarkRun[]): BenchmarkRun[] {
  const seen = new Map<string, BenchmarkRun>();
  for (const run of runs) {
    const current = seen.get(run.agentId);
    if (!current || run.finishedAt > current.finishedAt) seen.set(run.agentId, run);
  }
  return [...seen.values()];
}

/** Analyses measured by any of the runs, decode first, then the analyses in a stable order. */
export function measuredAnalyses(runs: readonly BenchmarkRun[]): string[] {
  const order = ['decode', 'nsfw', 'faces', 'pose', 'ocr'];
  const names = new Set(runs.flatMap((r) => Object.keys(r.report.analyses)));
  return [...names].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b));
}

/** A round upper bound for an axis (1, 2, 5 × 10^n) so bar lengths and tick labels stay readable. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * exp) return step * exp;
  return 10 * exp;
}

export function formatBytes(bytes: number): string {
  const gb = bytes / 1024 ** 3;
  return gb >= 1 ? `${gb.toFixed(gb >= 10 ? 0 : 1)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}


export function optionsText(run: BenchmarkRun): string {
  const rounds = `${run.options.rounds} round${run.options.rounds === 1 ? '' : 's'}`;
  return `${run.report.images} images, ${rounds}, ${run.options.analyses ? run.options.analyses.join('+') : 'all analyses'}`;
}
