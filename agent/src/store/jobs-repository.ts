// All SQL about jobs. Claiming, renewing and finishing are guarded by the lease owner so a job whose lease
// passed to another process (after a crash or a stall) can only be finished by the process that holds it now.
import { jobPriorities, jobStatuses } from '../contracts/http-v1.js';
import type { Db } from './database.js';
import { statementCache } from './statement-cache.js';

export { jobPriorities, jobStatuses };
export type JobStatus = (typeof jobStatuses)[number];
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
  /** This job's event counter: bumped by every change of state or progress (the SSE `id`). */
  eventSeq: number;
  /** sha256 over the file and the analyses asked for: a reused Idempotency-Key with another request is refused. */
  requestSha256: string | null;
  /** Runs in which the job's own worker died (counted against maxAttempts). */
  workerFailures: number;
  /** Runs in which the whole agent stopped (killed, crashed, restarted): not the job's fault, not counted. */
  interruptions: number;
  /** Where the agent POSTs the job's terminal state (webhooks/), or null. */
  callbackUrl: string | null;
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
  event_seq: number;
  request_sha256: string | null;
  worker_failures: number;
  interruptions: number;
  callback_url: string | null;
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
    eventSeq: row.event_seq,
    requestSha256: row.request_sha256,
    workerFailures: row.worker_failures,
    interruptions: row.interruptions,
    callbackUrl: row.callback_url,
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
  requestSha256?: string;
  callbackUrl?: string;
}

/** What a re-run of a failed or canceled job brings: a new upload and the request as sent again. */
export interface JobRerun {
  priority: JobPriority;
  maxAttempts: number;
  timeoutMs: number;
  inputPath: string;
  fileName: string;
  options: JobOptions;
  requestSha256?: string;
  callbackUrl?: string;
}

/** See failInterruptedTooOften: far above what kills from outside do to one job, low enough to end a crash loop. */
export const maxInterruptions = 20;

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
             input_path, file_name, options, created_at, updated_at, event_seq, request_sha256, callback_url)
           VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
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
          job.requestSha256 ?? null,
          job.callbackUrl ?? null,
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

  /**
   * A failed or canceled job back to queued with a new upload, as a new run under the same id (and idempotency
   * key): its outcome, error and attempt counts start over. Undefined when the job is not failed or canceled.
   */
  rerun(id: string, run: JobRerun): JobRecord | undefined {
    const now = this.now();
    const changed = this.sql(
      `UPDATE jobs SET status = 'queued', priority = ?, priority_rank = ?, max_attempts = ?, timeout_ms = ?, input_path = ?,
         file_name = ?, options = ?, request_sha256 = coalesce(?, request_sha256), callback_url = ?, result = NULL, error_code = NULL,
         error_message = NULL, attempts = 0, worker_failures = 0, interruptions = 0, progress = 0, stage = NULL,
         started_at = NULL, finished_at = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?,
         event_seq = event_seq + 1
       WHERE id = ? AND status IN ('failed', 'canceled')`,
    ).run(run.priority, priorityRank[run.priority], run.maxAttempts, run.timeoutMs, run.inputPath, run.fileName, JSON.stringify(run.options), run.requestSha256 ?? null, run.callbackUrl ?? null, now, id).changes;
    return changed === 1 ? this.get(id) : undefined;
  }

  countQueued(): number {
    return (this.sql(`SELECT count(*) AS n FROM jobs WHERE status = 'queued'`).get() as { n: number }).n;
  }

  /** One tenant's jobs waiting (queued), or waiting and running (`includeRunning`: in cluster mode "running" here may still wait in the cluster). */
  countForTenant(tenant: string, includeRunning: boolean): number {
    const sql = includeRunning
      ? `SELECT count(*) AS n FROM jobs WHERE tenant = ? AND status IN ('queued', 'running')`
      : `SELECT count(*) AS n FROM jobs WHERE tenant = ? AND status = 'queued'`;
    return (this.sql(sql).get(tenant) as { n: number }).n;
  }

  /** Tenants with jobs waiting or running: they share the workers. */
  countActiveTenants(): number {
    return (this.sql(`SELECT count(DISTINCT tenant) AS n FROM jobs WHERE status IN ('queued', 'running')`).get() as { n: number }).n;
  }

  countByStatus(): Record<JobStatus, number> {
    const counts = Object.fromEntries(jobStatuses.map((s) => [s, 0])) as Record<JobStatus, number>;
    for (const row of this.sql('SELECT status, count(*) AS n FROM jobs GROUP BY status').all() as Array<{ status: JobStatus; n: number }>)
      counts[row.status] = row.n;
    return counts;
  }

  /**
   * Takes the next job under a lease. Interactive before batch; then fair between tenants: the tenant with the
   * fewest jobs running goes first, ties to the tenant served longest ago, and within a tenant the oldest job. So
   * a tenant that floods the queue does not hold every worker while another waits. A running job whose lease has
   * expired (its agent died) is taken again, as an interruption, which does not count against its attempts (the
   * agent being killed is not the job's fault); unless this very owner holds it: a renewal that failed (e.g. on a
   * full disk) must not start the job a second time.
   */
  leaseNextJob(owner: string, leaseMs: number): JobRecord | undefined {
    return this.db.transaction(() => {
      const now = this.now();
      this.failInterruptedTooOften(`status = 'running' AND lease_expires_at < @now AND lease_owner IS NOT @owner`, { now, owner });
      const row = this.sql(
          `WITH candidates AS (
             SELECT tenant, priority_rank, seq FROM jobs WHERE status = 'queued'
             UNION ALL
             SELECT tenant, priority_rank, seq FROM jobs WHERE status = 'running' AND lease_expires_at < @now AND lease_owner IS NOT @owner
           ),
           heads AS (SELECT tenant, priority_rank, min(seq) AS seq FROM candidates GROUP BY tenant, priority_rank)
           SELECT (SELECT id FROM jobs WHERE seq = h.seq) AS id FROM heads h
           ORDER BY h.priority_rank,
             (SELECT count(*) FROM jobs r WHERE r.tenant = h.tenant AND r.status = 'running' AND r.lease_expires_at >= @now),
             (SELECT max(s.started_at) FROM jobs s WHERE s.tenant = h.tenant),
             h.seq
           LIMIT 1`,
        )
        .get({ now, owner }) as { id: string } | undefined;
      if (!row) return undefined;
      this.sql(
          `UPDATE jobs SET status = 'running', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1,
             interruptions = interruptions + (status = 'running'),
             progress = 0, stage = 'starting', started_at = ?, updated_at = ?, event_seq = event_seq + 1
           WHERE id = ?`,
        )
        .run(owner, now + leaseMs, now, now, row.id);
      return this.get(row.id);
    }).immediate();
  }

  /**
   * At the start of an agent that owns this database alone (no cluster): the jobs its previous run left running
   * were interrupted by that run's end (killed, crashed, restarted). They go back to the queue at once, not after
   * their lease runs out, and the interruption does not count against their attempts. Returns how many.
   */
  takeBackInterrupted(): number {
    const now = this.now();
    this.failInterruptedTooOften(`status = 'running'`, { now, owner: null });
    return this.sql(
      `UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, interruptions = interruptions + 1,
         progress = 0, stage = NULL, updated_at = ?, event_seq = event_seq + 1
       WHERE status = 'running'`,
    ).run(now).changes;
  }

  /**
   * A job that was running every time the agent stopped, `maxInterruptions` times in a row, is failed rather than
   * taken again: a native crash in a worker thread ends the whole process, which looks like a kill from outside,
   * and must not make the agent crash at every start for ever. Kills from outside interrupt a job far less often.
   */
  private failInterruptedTooOften(where: string, params: { now: number; owner: string | null }): void {
    this.sql(
      `UPDATE jobs SET status = 'failed', error_code = 'INTERNAL', error_message = @message, stage = 'done',
         lease_owner = NULL, lease_expires_at = NULL, finished_at = @now, updated_at = @now, event_seq = event_seq + 1
       WHERE ${where} AND interruptions + 1 >= @max`,
    ).run({
      ...params,
      max: maxInterruptions,
      message: `the agent stopped while running this job ${maxInterruptions} times; giving up (send it again with Rerun-Failed: true to try once more)`,
    });
  }

  /**
   * The job's own worker died on it (the likely cause: this file). Counted against its attempts: back to the queue
   * while it has attempts left, else failed with the count.
   */
  recordWorkerDeath(id: string, owner: string): 'queued' | 'failed' | undefined {
    return this.db.transaction(() => {
      const job = this.get(id);
      if (!job || job.status !== 'running' || job.leaseOwner !== owner) return undefined;
      const now = this.now();
      const failures = job.workerFailures + 1;
      if (failures < job.maxAttempts) {
        this.sql(
          `UPDATE jobs SET status = 'queued', worker_failures = ?, lease_owner = NULL, lease_expires_at = NULL, progress = 0,
             stage = NULL, updated_at = ?, event_seq = event_seq + 1 WHERE id = ?`,
        ).run(failures, now, id);
        return 'queued';
      }
      this.sql(
        `UPDATE jobs SET status = 'failed', worker_failures = ?, error_code = 'INTERNAL', error_message = ?, stage = 'done',
           lease_owner = NULL, lease_expires_at = NULL, finished_at = ?, updated_at = ?, event_seq = event_seq + 1 WHERE id = ?`,
      ).run(failures, `the analysis worker stopped while running this job ${failures} times; giving up (send it again with Rerun-Failed: true to try once more)`, now, now, id);
      return 'failed';
    }).immediate();
  }

  /** A finished job's per-analysis times in ms (the result's `timings`), without parsing the whole result. */
  timingsOf(id: string): Record<string, number> {
    const row = this.sql(`SELECT json_extract(result, '$.timings') AS timings FROM jobs WHERE id = ?`).get(id) as { timings: string | null } | undefined;
    if (!row?.timings) return {};
    const timings = JSON.parse(row.timings) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(timings).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
  }

  /** Finished jobs with a callback URL: what the webhook sender checks it has a delivery for. */
  finishedWithCallback(sinceMs: number): JobRecord[] {
    return (this.sql(`SELECT * FROM jobs WHERE callback_url IS NOT NULL AND status IN ('succeeded', 'failed', 'canceled') AND finished_at >= ?`).all(sinceMs) as JobRow[]).map(toRecord);
  }

  /** The uploads that queued and running jobs still need (everything else in the uploads folder is left over). */
  inputPathsInUse(): Set<string> {
    return new Set((this.sql(`SELECT input_path FROM jobs WHERE status IN ('queued', 'running')`).all() as Array<{ input_path: string }>).map((r) => r.input_path));
  }

  /** False when the lease is no longer ours (canceled, or taken over after it expired). */
  renewLease(id: string, owner: string, leaseMs: number): boolean {
    const now = this.now();
    return (
      this.sql(`UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND lease_owner = ? AND status = 'running'`)
        .run(now + leaseMs, now, id, owner).changes === 1
    );
  }

  /** The job's new event seq, or undefined when the job is no longer running under this lease. */
  recordProgress(id: string, owner: string, progress: number, stage: string): number | undefined {
    const row = this.sql(
      `UPDATE jobs SET progress = ?, stage = ?, updated_at = ?, event_seq = event_seq + 1
       WHERE id = ? AND lease_owner = ? AND status = 'running' RETURNING event_seq`,
    ).get(progress, stage, this.now(), id, owner) as { event_seq: number } | undefined;
    return row?.event_seq;
  }

  /** Must run inside the caller's transaction together with storing the job's faces. */
  markSucceeded(id: string, owner: string, result: unknown): boolean {
    const now = this.now();
    return (
      this.sql(
          `UPDATE jobs SET status = 'succeeded', result = ?, progress = 1, stage = 'done', lease_owner = NULL,
             lease_expires_at = NULL, finished_at = ?, updated_at = ?, event_seq = event_seq + 1
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
             lease_expires_at = NULL, finished_at = ?, updated_at = ?, event_seq = event_seq + 1
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
             progress = 0, stage = NULL, updated_at = ?, event_seq = event_seq + 1
           WHERE id = ? AND lease_owner = ? AND status = 'running'`,
        )
        .run(now, id, owner).changes === 1
    );
  }

  /** Every queued job → failed with `error` (an agent going away for good gives them back); returns their ids. */
  failAllQueued(error: { code: string; message: string }): string[] {
    const now = this.now();
    return (
      this.sql(
        `UPDATE jobs SET status = 'failed', error_code = ?, error_message = ?, stage = 'done', finished_at = ?, updated_at = ?,
           event_seq = event_seq + 1
         WHERE status = 'queued' RETURNING id`,
      ).all(error.code, error.message, now, now) as Array<{ id: string }>
    ).map((r) => r.id);
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
             lease_owner = NULL, lease_expires_at = NULL, finished_at = ?, updated_at = ?, event_seq = event_seq + 1 WHERE id = ?`,
        )
        .run(now, now, id);
      return { job: this.get(id)!, changed: true };
    }).immediate();
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }
}
