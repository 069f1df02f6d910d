// Keeps a short history per target from successive health snapshots, replacing only the arrays of targets
// that got a new sample, so memoised cards of unchanged targets keep identical props.
import type { HealthState } from '../../../../electron/core/contracts/health.js';

export type HistoryByTarget = ReadonlyMap<string, { checkedAt: string; values: readonly number[] }>;

const sampleOf = (h: HealthState): number => (h.kind === 'server' ? (h.load1 ?? 0) : (h.queueDepth ?? 0));

export function appendSnapshot(previous: HistoryByTarget, snapshot: readonly HealthState[], keep = 30): HistoryByTarget {
  const next = new Map(previous);
  for (const h of snapshot) {
    const key = `${h.kind}:${h.targetId}`;
    const old = previous.get(key);
    if (old && old.checkedAt === h.checkedAt) continue;
    next.set(key, { checkedAt: h.checkedAt, values: [...(old?.values ?? []), sampleOf(h)].slice(-keep) });
  }
  return next;
}
