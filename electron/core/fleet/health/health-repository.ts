// Health samples: raw recent samples (pruned after a retention window) and one-minute buckets aggregated
// as samples arrive, which is what charts read. Alerts: at most one open alert per kind and target.
import type { Alert, FleetMinute, HealthState } from '../../contracts/health.js';
import type { ConsoleDb } from '../../store/console-store.js';

export const BUCKET_MS = 60_000;

export interface HealthSample {
  kind: 'server' | 'agent';
  targetId: string;
  atMs: number;
  up: boolean;
  reason: string | null;
  latencyMs: number | null;
  queueDepth: number | null;
  jobsPerMinute: number | null;
  errorsPerMinute: number | null;
  version: string | null;
  load1: number | null;
  memoryUsedRatio: number | null;
  diskUsedRatio: number | null;
}

export function sampleToState(s: HealthSample): HealthState {
  return {
    kind: s.kind,
    targetId: s.targetId,
    up: s.up,
    reason: s.reason,
    latencyMs: s.latencyMs,
    checkedAt: new Date(s.atMs).toISOString(),
    queueDepth: s.queueDepth,
    jobsPerMinute: s.jobsPerMinute,
    errorsPerMinute: s.errorsPerMinute,
    version: s.version,
    load1: s.load1,
    memoryUsedRatio: s.memoryUsedRatio,
    diskUsedRatio: s.diskUsedRatio,
  };
}

export class HealthRepository {
  private readonly insertSample;
  private readonly upsertBucket;

  constructor(
    private readonly db: ConsoleDb,
    private readonly rawRetentionMs = 6 * 3600_000,
    private readonly bucketRetentionMs = 30 * 24 * 3600_000,
  ) {
    this.insertSample = db.prepare(
      `INSERT INTO health_samples (kind, target_id, at_ms, up, reason, latency_ms, queue_depth, jobs_per_min, errors_per_min, version, load1, mem_ratio, disk_ratio)
       VALUES (@kind, @targetId, @atMs, @up, @reason, @latencyMs, @queueDepth, @jobsPerMinute, @errorsPerMinute, @version, @load1, @memoryUsedRatio, @diskUsedRatio)`,
    );
    this.upsertBucket = db.prepare(
      `INSERT INTO health_buckets (kind, target_id, bucket_start_ms, samples, up_count, latency_sum, latency_n, queue_sum, queue_n, load_sum, load_n, disk_max)
       VALUES (@kind, @targetId, @bucket, 1, @up, COALESCE(@latencyMs, 0), @latencyMs IS NOT NULL, COALESCE(@queueDepth, 0), @queueDepth IS NOT NULL,
               COALESCE(@load1, 0), @load1 IS NOT NULL, @diskUsedRatio)
       ON CONFLICT (kind, target_id, bucket_start_ms) DO UPDATE SET
         samples = samples + 1,
         up_count = up_count + excluded.up_count,
         latency_sum = latency_sum + excluded.latency_sum, latency_n = latency_n + excluded.latency_n,
         queue_sum = queue_sum + excluded.queue_sum, queue_n = queue_n + excluded.queue_n,
         load_sum = load_sum + excluded.load_sum, load_n = load_n + excluded.load_n,
         disk_max = MAX(COALESCE(disk_max, excluded.disk_max), COALESCE(excluded.disk_max, disk_max))`,
    );
  }

  /** One transaction for a whole polling round: 100 agents cost one fsync, not 100. */
  recordAll(samples: readonly HealthSample[]): void {
    this.db.transaction(() => {
      for (const s of samples) {
        const row = { ...s, up: s.up ? 1 : 0 };
        this.insertSample.run(row);
        this.upsertBucket.run({ ...row, bucket: Math.floor(s.atMs / BUCKET_MS) * BUCKET_MS });
      }
    })();
  }

  prune(nowMs: number): void {
    this.db.prepare('DELETE FROM health_samples WHERE at_ms < ?').run(nowMs - this.rawRetentionMs);
    this.db.prepare('DELETE FROM health_buckets WHERE bucket_start_ms < ?').run(nowMs - this.bucketRetentionMs);
  }

  history(kind: string, targetId: string, sinceMs: number) {
    const rows = this.db
      .prepare('SELECT * FROM health_buckets WHERE kind = ? AND target_id = ? AND bucket_start_ms >= ? ORDER BY bucket_start_ms')
      .all(kind, targetId, Math.floor(sinceMs / BUCKET_MS) * BUCKET_MS) as {
      bucket_start_ms: number;
      samples: number;
      up_count: number;
      latency_sum: number;
      latency_n: number;
      queue_sum: number;
      queue_n: number;
      load_sum: number;
      load_n: number;
      disk_max: number | null;
    }[];
    // Throughput is read from the raw samples (kept 6 h), per bucket: the buckets table predates it.
    const throughput = new Map(
      (
        this.db
          .prepare(
            `SELECT (at_ms / ${BUCKET_MS}) * ${BUCKET_MS} AS bucket, AVG(jobs_per_min) AS jpm FROM health_samples
             WHERE kind = ? AND target_id = ? AND at_ms >= ? AND jobs_per_min IS NOT NULL GROUP BY bucket`,
          )
          .all(kind, targetId, Math.floor(sinceMs / BUCKET_MS) * BUCKET_MS) as { bucket: number; jpm: number }[]
      ).map((r) => [r.bucket, r.jpm]),
    );
    return rows.map((r) => ({
      bucketStart: new Date(r.bucket_start_ms).toISOString(),
      jobsPerMinuteAvg: throughput.get(r.bucket_start_ms) ?? null,
      samples: r.samples,
      upRatio: r.up_count / r.samples,
      latencyMsAvg: r.latency_n ? r.latency_sum / r.latency_n : null,
      queueDepthAvg: r.queue_n ? r.queue_sum / r.queue_n : null,
      load1Avg: r.load_n ? r.load_sum / r.load_n : null,
      diskUsedRatioMax: r.disk_max,
    }));
  }

  /**
   * The agents of the whole fleet, minute by minute: each agent's samples averaged within the minute first (an
   * agent polled twice in a minute counts once), then added up across agents.
   */
  fleetTimeline(sinceMs: number): FleetMinute[] {
    const rows = this.db
      .prepare(
        `SELECT bucket, COUNT(*) AS agents, SUM(down) AS agents_down, SUM(q) AS queue, SUM(j) AS jpm, SUM(e) AS epm FROM (
           SELECT (at_ms / ${BUCKET_MS}) * ${BUCKET_MS} AS bucket, target_id, MAX(up) = 0 AS down,
                  AVG(queue_depth) AS q, AVG(jobs_per_min) AS j, AVG(errors_per_min) AS e
           FROM health_samples WHERE kind = 'agent' AND at_ms >= ? GROUP BY bucket, target_id
         ) GROUP BY bucket ORDER BY bucket`,
      )
      .all(Math.floor(sinceMs / BUCKET_MS) * BUCKET_MS) as { bucket: number; agents: number; agents_down: number; queue: number | null; jpm: number | null; epm: number | null }[];
    return rows.map((r) => ({
      bucketStart: new Date(r.bucket).toISOString(),
      agents: r.agents,
      agentsDown: r.agents_down,
      queueDepth: r.queue,
      jobsPerMinute: r.jpm,
      errorsPerMinute: r.epm,
    }));
  }

  /** Latest sample per target, for a snapshot after a restart (before the first poll). */
  latest(): HealthSample[] {
    const rows = this.db
      .prepare(
        `SELECT s.* FROM health_samples s JOIN (SELECT kind, target_id, MAX(at_ms) m FROM health_samples GROUP BY kind, target_id) l
         ON s.kind = l.kind AND s.target_id = l.target_id AND s.at_ms = l.m`,
      )
      .all() as Record<string, unknown>[];
    return rows.map((r) => ({
      kind: r.kind as 'server' | 'agent',
      targetId: r.target_id as string,
      atMs: r.at_ms as number,
      up: r.up === 1,
      reason: r.reason as string | null,
      latencyMs: r.latency_ms as number | null,
      queueDepth: r.queue_depth as number | null,
      jobsPerMinute: r.jobs_per_min as number | null,
      errorsPerMinute: r.errors_per_min as number | null,
      version: r.version as string | null,
      load1: r.load1 as number | null,
      memoryUsedRatio: r.mem_ratio as number | null,
      diskUsedRatio: r.disk_ratio as number | null,
    }));
  }

  openAlert(kind: Alert['kind'], targetId: string, message: string, atMs: number): boolean {
    return (
      this.db
        .prepare('INSERT INTO alerts (kind, target_id, message, opened_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
        .run(kind, targetId, message, new Date(atMs).toISOString()).changes > 0
    );
  }

  resolveAlert(kind: Alert['kind'], targetId: string, atMs: number): boolean {
    return (
      this.db
        .prepare('UPDATE alerts SET resolved_at = ? WHERE kind = ? AND target_id = ? AND resolved_at IS NULL')
        .run(new Date(atMs).toISOString(), kind, targetId).changes > 0
    );
  }

  acknowledge(id: number): boolean {
    return this.db.prepare('UPDATE alerts SET acknowledged = 1 WHERE id = ?').run(id).changes > 0;
  }

  alerts(openOnly: boolean): Alert[] {
    const rows = this.db
      .prepare(`SELECT * FROM alerts ${openOnly ? 'WHERE resolved_at IS NULL' : ''} ORDER BY id DESC LIMIT 500`)
      .all() as { id: number; kind: Alert['kind']; target_id: string; message: string; opened_at: string; resolved_at: string | null; acknowledged: number }[];
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      targetId: r.target_id,
      message: r.message,
      openedAt: r.opened_at,
      resolvedAt: r.resolved_at,
      acknowledged: r.acknowledged === 1,
    }));
  }
}
