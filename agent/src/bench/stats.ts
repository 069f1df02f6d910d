// Percentiles by the nearest-rank method: simple, and exact for the small samples a benchmark takes.
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export const round1 = (n: number): number => Math.round(n * 10) / 10;
