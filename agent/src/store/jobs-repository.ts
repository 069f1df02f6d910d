// All SQL about jobs. Claiming, renewing and finishing are guarded by the lease owner so a job whose lease
// passed to another process (after a crash or a stall) can only be finished by the process that holds it now.
import type { Db } from './database.js';
import { statementCache } from './statement-cache.js';

export const jobStatuses = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type JobStatus = (typeof jobStatuses)[number];
export const jobPriorities = ['interactive', 'batch'] as const;
export type JobPriority = (typeof jobPriorities)[number];

const priorityRank: Record<JobPriority, number> = { interactive: 0, batch: 1 };

export interface JobOptions {
  analyses?: string[];
  ocrLang?: string;
  /** Speech engine for audio/video ('pocketsphinx', 'whisper.cpp' or an ASR model id); default: the best installed. */
  asrEngine?: string;
  includeEmbeddings?: boolean;
}

export interface JobRecord {
  seq: number;
  id: string;
  tenant: string;
  status: JobStatus;
  priority: JobPriority;
  idempotencyKey: string | null;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  attempts: number;
  maxAttempts: number;
  progress: number;
  stage: string | null;
  timeoutMs: number;
  inputPath: string;
  fileName: string;
  options: JobOptions;
  result: unknown;
  error: { code: string; message: string } | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

interface JobRow {
  seq: number;
  id: string;
  tenant: string;
  status: JobStatus;
  priority: JobPriority;
  idempotency_key: string | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  attempts: number;
  max_attempts: number;
  progress: number;
  stage: string | null;
  timeout_ms: number;
  input_path: string;
  file_name: string;
  options: string;
  result: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

function toRecord(row: JobRow): JobRecord {
  return {
    seq: row.seq,
    id: row.id,
    tenant: row.tenant,
    status: row.status,
    priority: row.priority,
    idempotencyKey: row.idempotency_key,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    progress: row.progress,
    stage: row.stage,
    timeoutMs: row.timeout_ms,
    inputPath: row.input_path,
    fileName: row.file_name,
    options: JSON.parse(row.options) as JobOptions,
    result: row.result === null ? undefined : JSON.parse(row.result),
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export interface NewJob {
  id: string;
  tenant: string;
  priority: JobPriority;
  idempotencyKey?: string;
  maxAttempts: number;
  timeoutMs: number;
  inputPath: string;
  fileName: string;
  options: JobOptions;
}

export class JobsRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.sql = statementCache(db);
  }

  private readonly sql: ReturnType<typeof statementCache>;

  /** Inserts the job, or returns the tenant's existing job with the same idempotency key (`created: false`). */
  insert(job: NewJob): { job: JobRecord; created: boolean } {
    return this.db.transaction(() => {
      if (job.idempotencyKey) {
        const existing = this.findByIdempotencyKey(job.tenant, job.idempotencyKey);
        if (existing) return { job: existing, created: false };
      }
      const now = this.now();
      this.sql(
          `INSERT INTO jobs (id, tenant, status, priority, priority_rank, idempotency_key, max_attempts, timeout_ms,
             input_path, file_name, options, created_at, updated_at)
           VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          job.id,
          job.tenant,
          job.priority,
          priorityRank[job.priority],
          job.idempotencyKey ?? null,
          job.maxAttempts,
          job.timeoutMs,
          job.inputPath,
          job.fileName,
          JSON.stringify(job.options),
          now,
          now,
        );
      return { job: this.get(job.id)!, created: true };
    }).immediate();
  }

  findByIdempotencyKey(tenant: string, key: string): JobRecord | undefined {
    const row = this.sql('SELECT * FROM jobs WHERE tenant = ? AND idempotency_key = ?').get(tenant, key) as JobRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  get(id: string): JobRecord | undefined {
    const row = this.sql('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** A tenant's job; another tenant's id reads as missing. */
  getForTenant(tenant: string, id: string): JobRecord | undefined {
    const job = this.get(id);
    return job && job.tenant === tenant ? job : undefined;
  }

  /**
   * Like getForTenant, but the result stays the JSON text it is stored as (`result` is undefined): a status poll
   * sends it on unchanged, instead of parsing and re-serializing tens of kilobytes per request.
   */
  getForTenantWithResultJson(tenant: string, id: string): { job: JobRecord; resultJson: string | null } | undefined {
    const row = this.sql('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    if (!row || row.tenant !== tenant) return undefined;
    return { job: toRecord({ ...row, result: null }), resultJson: row.result };
  }

  /** Newest first; `beforeSeq` is the cursor (the last seq of the previous page). */
  listForTenant(tenant: string, opts: { limit: number; beforeSeq?: number; status?: JobStatus }): JobRecord[] {
    const rows = this.sql(
        `SELECT * FROM jobs WHERE tenant = ? AND seq < ? AND (? IS NULL OR status = ?) ORDER BY seq DESC LIMIT ?`,
      )
      .all(tenant, opts.beforeSeq ?? Number.MAX_SAFE_INTEGER, opts.status ?? null, opts.status ?? null, opts.limit) as JobRow[];
    return rows.map(toRecord);
  }

  countQueued(): number {
    return (this.sql(`SELECT count(*) AS n FROM jobs WHERE status = 'queued'`).get() as { n: number }).n;
  }

  countByStatus(): Record<JobStatus, number> {
    const counts = Object.fromEntries(jobStatuses.map((s) => [s, 0])) as Record<JobStatus, number>;
    for (const row of this.sql('SELECT status, count(*) AS n FROM jobs GROUP BY status').all() as Array<{ status: JobStatus; n: number }>)
      counts[row.status] = row.n;
    return counts;
  }

  /**
   * Takes the next job under a lease, interactive before batch, oldest first. A running job whose lease has
   * expired (its agent died) is taken again; one that has used up its attempts fails instead, so a file that
   * crashes the agent cannot crash it forever.
   */
  leaseNextJob(owner: string, leaseMs: number): JobRecord | undefined {
    return this.db.transaction(() => {
      const now = this.now();
      this.sql(
          `UPDATE jobs SET status = 'failed', error_code = 'INTERNAL',
             error_message = 'the agent stopped while running this job ' || attempts || ' times; giving up',
             lease_owner = NULL, lease_expires_at = NULL, finished_at = ?, updated_at = ?
           WHERE status = 'running' AND lease_expires_at < ? AND attempts >= max_attempts`,
        )
        .run(now, now, now);
      const row = this.sql(
          `SELECT id FROM jobs
           WHERE status = 'queued' OR (status = 'running' AND lease_expires_at < ?)
           ORDER BY priority_rank, seq LIMIT 1`,
        )
        .get(now) as { id: string } | undefined;
      if (!row) return undefined;
      this.sql(
          `UPDATE jobs SET status = 'running', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1,
             progress = 0, stage = 'starting', started_at = ?, updated_at = ?
           WHERE id = ?`,
        )
        .run(owner, now + leaseMs, now, now, row.id);
      return this.get(row.id);
    }).immediate();
  }

  /** False when the lease is no longer ours (canceled, or taken over after it expired). */
  renewLease(id: string, owner: string, leaseMs: number): boolean {
    const now = this.now();
    return (
      this.sql(`UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND lease_owner = ? AND status = 'running'`)
        .run(now + leaseMs, now, id, owner).changes === 1
    );
  }

  recordProgress(id: string, owner: string, progress: number, stage: string): void {
    this.sql(`UPDATE jobs SET progress = ?, stage = ?, updated_at = ? WHERE id = ? AND lease_owner = ? AND status = 'running'`)
      .run(progress, stage, this.now(), id, owner);
  }

  /** Must run inside the caller's transaction together with storing the job's faces. */
  markSucceeded(id: string, owner: string, result: unknown): boolean {
    const now = this.now();
    return (
      this.sql(
          `UPDATE jobs SET status = 'succeeded', result = ?, progress = 1, stage = 'done', lease_owner = NULL,
             lease_expires_at = NULL, finished_at = ?, updated_at = ?
           WHERE id = ? AND lease_owner = ? AND status = 'running'`,
        )
        .run(JSON.stringify(result), now, now, id, owner).changes === 1
    );
  }

  markFailed(id: string, owner: string, error: { code: string; message: string }): boolean {
    const now = this.now();
    return (
      this.sql(
          `UPDATE jobs SET status = 'failed', error_code = ?, error_message = ?, stage = 'done', lease_owner = NULL,
             lease_expires_at = NULL, finished_at = ?, updated_at = ?
           WHERE id = ? AND lease_owner = ? AND status = 'running'`,
        )
        .run(error.code, error.message, now, now, id, owner).changes === 1
    );
  }

  /** Gives a running job back to the queue (graceful shutdown) without counting the attempt. */
  release(id: string, owner: string): boolean {
    const now = this.now();
    return (
      this.sql(
          `UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, attempts = max(attempts - 1, 0),
             progress = 0, stage = NULL, updated_at = ?
           WHERE id = ? AND lease_owner = ? AND status = 'running'`,
        )
        .run(now, id, owner).changes === 1
    );
  }

  /** Queued or running → canceled. Returns the job as it is afterwards, or undefined when it is not the tenant's. */
  cancel(tenant: string, id: string): { job: JobRecord; changed: boolean } | undefined {
    return this.db.transaction(() => {
      const job = this.getForTenant(tenant, id);
      if (!job) return undefined;
      if (job.status !== 'queued' && job.status !== 'running') return { job, changed: false };
      const now = this.now();
      this.sql(
          `UPDATE jobs SET status = 'canceled', error_code = 'CANCELED', error_message = 'the job was canceled',
             lease_owner = NULL, lease_expires_at = NULL, finished_at = ?, updated_at = ? WHERE id = ?`,
        )
        .run(now, now, id);
      return { job: this.get(id)!, changed: true };
    }).immediate();
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }
}
