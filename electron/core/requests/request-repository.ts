// All SQL about analysis requests, their batches, attempts and results. A request row is written before any
// byte is sent; a process works on a request only while it holds the request's lease, so a console and the
// command line can share one data directory, and a process that died leaves work another can take over. Deleting
// requests can queue the erasure of their jobs on the agents, in the same transaction (agent_erasures).
import type { ErasureReceipt } from '#agent/contracts/http-v1.js';
import type { ResultDocument } from '#agent/contracts/result-document.js';
import type { ErrorEnvelope } from '../contracts/define.js';
import type {
  AgentErasure,
  AgentErasureState,
  AnalysisRequest,
  BatchSummary,
  DispatchTarget,
  ErasureCounts,
  MediaKind,
  RequestAttempt,
  RequestOptions,
  RequestState,
} from '../contracts/requests.js';
import { statementCache } from '#agent/store/statement-cache.js';
import type { ConsoleDb } from '../store/console-store.js';

/** What the runner needs of a request beyond what the renderer sees. */
export interface RequestRecord extends AnalysisRequest {
  options: RequestOptions;
  idempotencyKey: string;
  generation: number;
  pinnedAgentId: string | null;
  agentJobId: string | null;
  batchState: BatchSummary['state'];
}

interface RequestRow {
  id: string;
  batch_id: string;
  path: string;
  file_name: string;
  bytes: number;
  sha256: string | null;
  media_kind: MediaKind;
  analyses_json: string | null;
  options_json: string;
  client_label: string | null;
  idempotency_key: string;
  generation: number;
  pinned_agent_id: string | null;
  state: RequestState;
  progress: number;
  agent_stage: string | null;
  agent_id: string | null;
  agent_name: string | null;
  agent_job_id: string | null;
  decision: string | null;
  attempts: number;
  error_json: string | null;
  submitted_at: string;
  started_at: string | null;
  finished_at: string | null;
  seq: number;
  batch_state?: BatchSummary['state'];
}

interface BatchRow {
  id: string;
  label: string;
  client_label: string | null;
  target_json: string;
  state: BatchSummary['state'];
  skipped_json: string;
  created_at: string;
  finished_at: string | null;
}

const toRequest = (r: RequestRow): RequestRecord => ({
  requestId: r.id,
  batchId: r.batch_id,
  fileName: r.file_name,
  path: r.path,
  bytes: r.bytes,
  sha256: r.sha256,
  mediaKind: r.media_kind,
  analyses: r.analyses_json ? (JSON.parse(r.analyses_json) as AnalysisRequest['analyses']) : null,
  clientLabel: r.client_label,
  state: r.state,
  progress: r.progress,
  agentStage: r.agent_stage,
  agentId: r.agent_id,
  agentName: r.agent_name,
  decision: r.decision,
  attempts: r.attempts,
  submittedAt: r.submitted_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  error: r.error_json ? (JSON.parse(r.error_json) as ErrorEnvelope) : null,
  options: JSON.parse(r.options_json) as RequestOptions,
  idempotencyKey: r.idempotency_key,
  generation: r.generation,
  pinnedAgentId: r.pinned_agent_id,
  agentJobId: r.agent_job_id,
  batchState: r.batch_state ?? 'running',
});

/** The renderer's view of a request (no key, no options). */
export function publicView(r: RequestRecord): AnalysisRequest {
  const {
    options: _o,
    idempotencyKey: _k,
    generation: _g,
    pinnedAgentId: _p,
    batchState: _b,
    ...view
  } = r;
  return view;
}

export interface NewRequest {
  id: string;
  path: string;
  fileName: string;
  bytes: number;
  sha256: string;
  mediaKind: MediaKind;
  analyses: string[] | null;
  options: RequestOptions;
  clientLabel: string | null;
  idempotencyKey: string;
  pinnedAgentId: string | null;
  /** Incremented by a retry, so the agent sees a new key (and runs the file afresh). */
  generation?: number;
}

export type RequestPatch = Partial<{
  state: RequestState;
  progress: number;
  agentStage: string | null;
  agentId: string | null;
  agentName: string | null;
  agentJobId: string | null;
  decision: string | null;
  attempts: number;
  error: ErrorEnvelope | null;
  startedAt: string | null;
  finishedAt: string | null;
}>;

const patchColumns: Record<keyof RequestPatch, string> = {
  state: 'state',
  progress: 'progress',
  agentStage: 'agent_stage',
  agentId: 'agent_id',
  agentName: 'agent_name',
  agentJobId: 'agent_job_id',
  decision: 'decision',
  attempts: 'attempts',
  error: 'error_json',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
};

/** A queued erasure of one agent job, with the agent's receipt once done. */
export interface AgentErasureRecord extends Omit<AgentErasure, 'removed'> {
  receipt: ErasureReceipt | null;
}

interface AgentErasureRow {
  id: number;
  agent_id: string;
  agent_name: string | null;
  agent_job_id: string;
  request_id: string;
  queued_at: string;
  state: AgentErasureState;
  tries: number;
  last_error_json: string | null;
  erased_at: string | null;
  receipt_json: string | null;
}

const toErasure = (r: AgentErasureRow): AgentErasureRecord => ({
  id: r.id,
  agentId: r.agent_id,
  agentName: r.agent_name,
  agentJobId: r.agent_job_id,
  requestId: r.request_id,
  queuedAt: r.queued_at,
  state: r.state,
  tries: r.tries,
  lastError: r.last_error_json ? (JSON.parse(r.last_error_json) as ErrorEnvelope) : null,
  erasedAt: r.erased_at,
  receipt: r.receipt_json ? (JSON.parse(r.receipt_json) as ErasureReceipt) : null,
});

export class RequestRepository {
  /** Each SQL text prepared once: preparing costs more than running these small queries. */
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(
    private readonly db: ConsoleDb,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.sql = statementCache(db);
  }

  createBatch(batch: {
    id: string;
    label: string;
    clientLabel: string | null;
    target: DispatchTarget;
    skipped: { path: string; reason: string }[];
    requests: NewRequest[];
    paused?: boolean;
  }): void {
    const at = this.now().toISOString();
    const insertRequest = this.sql(
      `INSERT INTO analysis_requests (id, batch_id, path, file_name, bytes, sha256, media_kind, analyses_json, options_json, client_label,
         idempotency_key, generation, pinned_agent_id, state, progress, submitted_at, updated_at)
       VALUES (@id, @batchId, @path, @fileName, @bytes, @sha256, @mediaKind, @analyses, @options, @clientLabel, @idempotencyKey, @generation, @pinnedAgentId, 'pending', 0, @at, @at)`,
    );
    this.db.transaction(() => {
      this.sql(
        'INSERT INTO batches (id, label, client_label, target_json, state, skipped_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(
        batch.id,
        batch.label,
        batch.clientLabel,
        JSON.stringify(batch.target),
        batch.requests.length ? (batch.paused ? 'paused' : 'running') : 'done',
        JSON.stringify(batch.skipped),
        at,
      );
      for (const r of batch.requests) {
        insertRequest.run({
          ...r,
          generation: r.generation ?? 0,
          batchId: batch.id,
          analyses: r.analyses ? JSON.stringify(r.analyses) : null,
          options: JSON.stringify(r.options),
          at,
        });
      }
      if (!batch.requests.length)
        this.sql('UPDATE batches SET finished_at = ? WHERE id = ?').run(at, batch.id);
    })();
  }

  get(requestId: string): RequestRecord | null {
    const row = this.sql(
      'SELECT r.*, b.state AS batch_state FROM analysis_requests r JOIN batches b ON b.id = r.batch_id WHERE r.id = ?',
    ).get(requestId) as RequestRow | undefined;
    return row ? toRequest(row) : null;
  }

  list(filter: {
    batchId?: string;
    state?: RequestState;
    clientLabel?: string;
    beforeSeq?: number;
    limit: number;
  }): RequestRecord[] {
    const rows = this.sql(
      `SELECT * FROM analysis_requests
         WHERE (@batchId IS NULL OR batch_id = @batchId) AND (@state IS NULL OR state = @state)
           AND (@clientLabel IS NULL OR client_label = @clientLabel) AND (@beforeSeq IS NULL OR seq < @beforeSeq)
         ORDER BY seq DESC LIMIT @limit`,
    ).all({
      batchId: filter.batchId ?? null,
      state: filter.state ?? null,
      clientLabel: filter.clientLabel ?? null,
      beforeSeq: filter.beforeSeq ?? null,
      limit: filter.limit,
    }) as RequestRow[];
    return rows.map(toRequest);
  }

  seqOf(requestId: string): number | null {
    return (
      (
        this.sql('SELECT seq FROM analysis_requests WHERE id = ?').get(requestId) as
          { seq: number } | undefined
      )?.seq ?? null
    );
  }

  update(requestId: string, patch: RequestPatch): void {
    const sets: string[] = [];
    const values: Record<string, unknown> = { id: requestId, at: this.now().toISOString() };
    for (const [key, value] of Object.entries(patch) as [keyof RequestPatch, unknown][]) {
      if (value === undefined) continue;
      sets.push(`${patchColumns[key]} = @${key}`);
      values[key] = key === 'error' ? (value === null ? null : JSON.stringify(value)) : value;
    }
    if (!sets.length) return;
    this.sql(`UPDATE analysis_requests SET ${sets.join(', ')}, updated_at = @at WHERE id = @id`).run(values);
  }

  /**
   * Work this process may take: unfinished requests of running batches, those whose lease is free or expired
   * first (a lease of a process that died is checked by the caller), then those already on an agent (they only
   * need following again), oldest first.
   */
  claimable(limit: number, nowMs: number, onlyBatch?: string): RequestRecord[] {
    const rows = this.sql(
      `SELECT r.*, b.state AS batch_state FROM analysis_requests r JOIN batches b ON b.id = r.batch_id
         WHERE r.state IN ('pending', 'uploading', 'queued', 'running') AND b.state = 'running' AND (@batch IS NULL OR r.batch_id = @batch)
         ORDER BY (r.lease_until IS NOT NULL AND r.lease_until >= @now), (r.agent_job_id IS NULL), r.seq LIMIT @limit`,
    ).all({ now: nowMs, limit, batch: onlyBatch ?? null }) as RequestRow[];
    return rows.map(toRequest);
  }

  /** Takes the request's lease for `owner` if it is free or expired (or already ours); false if another holds it. */
  lease(requestId: string, owner: string, nowMs: number, leaseMs: number): boolean {
    return (
      this.sql(
        `UPDATE analysis_requests SET lease_owner = ?, lease_until = ?
           WHERE id = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)`,
      ).run(owner, nowMs + leaseMs, requestId, owner, nowMs).changes > 0
    );
  }

  leaseOwner(requestId: string): { owner: string | null; until: number } | null {
    const row = this.sql('SELECT lease_owner, lease_until FROM analysis_requests WHERE id = ?').get(
      requestId,
    ) as { lease_owner: string | null; lease_until: number | null } | undefined;
    return row ? { owner: row.lease_owner, until: row.lease_until ?? 0 } : null;
  }

  clearLease(requestId: string): void {
    this.sql('UPDATE analysis_requests SET lease_owner = NULL, lease_until = NULL WHERE id = ?').run(
      requestId,
    );
  }

  renewLeases(owner: string, requestIds: readonly string[], untilMs: number): void {
    const renew = this.sql('UPDATE analysis_requests SET lease_until = ? WHERE id = ? AND lease_owner = ?');
    this.db.transaction(() => requestIds.forEach((id) => renew.run(untilMs, id, owner)))();
  }

  release(requestId: string, owner: string): void {
    this.sql(
      'UPDATE analysis_requests SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?',
    ).run(requestId, owner);
  }

  startAttempt(requestId: string, agent: { id: string; name: string }): number {
    return Number(
      this.sql(
        "INSERT INTO request_attempts (request_id, agent_id, agent_name, started_at, outcome) VALUES (?, ?, ?, ?, 'running')",
      ).run(requestId, agent.id, agent.name, this.now().toISOString()).lastInsertRowid,
    );
  }

  setAttemptJob(attemptId: number, agentJobId: string): void {
    this.sql('UPDATE request_attempts SET agent_job_id = ? WHERE id = ?').run(agentJobId, attemptId);
  }

  endAttempt(attemptId: number, outcome: RequestAttempt['outcome'], error: ErrorEnvelope | null): void {
    this.sql('UPDATE request_attempts SET outcome = ?, ended_at = ?, error_json = ? WHERE id = ?').run(
      outcome,
      this.now().toISOString(),
      error ? JSON.stringify(error) : null,
      attemptId,
    );
  }

  /** An abandoned job on an agent that could not be reached to cancel it: to be canceled when it answers. */
  markCancelPending(agentId: string, agentJobId: string): void {
    this.sql(
      "UPDATE request_attempts SET cancel_pending = 1 WHERE agent_id = ? AND agent_job_id = ? AND outcome IN ('abandoned', 'failed')",
    ).run(agentId, agentJobId);
  }

  pendingCancels(limit: number): { id: number; agentId: string; agentJobId: string }[] {
    return (
      this.sql(
        'SELECT id, agent_id, agent_job_id FROM request_attempts WHERE cancel_pending = 1 AND agent_job_id IS NOT NULL ORDER BY id LIMIT ?',
      ).all(limit) as {
        id: number;
        agent_id: string;
        agent_job_id: string;
      }[]
    ).map((r) => ({ id: r.id, agentId: r.agent_id, agentJobId: r.agent_job_id }));
  }

  cancelDone(attemptId: number): void {
    this.sql('UPDATE request_attempts SET cancel_pending = 0 WHERE id = ?').run(attemptId);
  }

  /** The attempt a restarted process picks up again (the last one, still running). */
  openAttempt(requestId: string): { id: number; agentId: string; agentJobId: string | null } | null {
    const row = this.sql(
      "SELECT id, agent_id, agent_job_id FROM request_attempts WHERE request_id = ? AND outcome = 'running' ORDER BY id DESC LIMIT 1",
    ).get(requestId) as { id: number; agent_id: string; agent_job_id: string | null } | undefined;
    return row ? { id: row.id, agentId: row.agent_id, agentJobId: row.agent_job_id } : null;
  }

  attempts(requestId: string): RequestAttempt[] {
    const rows = this.sql('SELECT * FROM request_attempts WHERE request_id = ? ORDER BY id').all(
      requestId,
    ) as {
      agent_id: string;
      agent_name: string;
      agent_job_id: string | null;
      started_at: string;
      ended_at: string | null;
      outcome: RequestAttempt['outcome'];
      error_json: string | null;
    }[];
    return rows.map((r) => ({
      agentId: r.agent_id,
      agentName: r.agent_name,
      agentJobId: r.agent_job_id,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      outcome: r.outcome,
      error: r.error_json ? (JSON.parse(r.error_json) as ErrorEnvelope) : null,
    }));
  }

  /** Stores the result and marks the request done in one transaction: one request, one result. */
  finishWithResult(requestId: string, result: ResultDocument, patch: RequestPatch): boolean {
    return this.db.transaction(() => {
      const current = this.sql('SELECT state FROM analysis_requests WHERE id = ?').get(requestId) as
        { state: RequestState } | undefined;
      if (!current || current.state === 'done' || current.state === 'canceled') return false;
      this.sql(
        'INSERT OR REPLACE INTO request_results (request_id, result_json, stored_at) VALUES (?, ?, ?)',
      ).run(requestId, JSON.stringify(result), this.now().toISOString());
      this.update(requestId, { ...patch, state: 'done' });
      return true;
    })();
  }

  result(requestId: string): ResultDocument | null {
    const row = this.sql('SELECT result_json FROM request_results WHERE request_id = ?').get(requestId) as
      { result_json: string } | undefined;
    return row ? (JSON.parse(row.result_json) as ResultDocument) : null;
  }

  /** Results of a batch in submission order, a page at a time (a batch's export streams through these). */
  batchResults(
    batchId: string,
    afterSeq: number,
    limit: number,
  ): { request: RequestRecord; result: ResultDocument | null; seq: number }[] {
    const rows = this.sql(
      `SELECT r.*, x.result_json FROM analysis_requests r LEFT JOIN request_results x ON x.request_id = r.id
         WHERE r.batch_id = ? AND r.seq > ? ORDER BY r.seq LIMIT ?`,
    ).all(batchId, afterSeq, limit) as (RequestRow & { result_json: string | null })[];
    return rows.map((r) => ({
      request: toRequest(r),
      result: r.result_json ? (JSON.parse(r.result_json) as ResultDocument) : null,
      seq: r.seq,
    }));
  }

  /**
   * Deletes requests (their attempts and results go with them). With `eraseOnAgents`, every agent job they had is
   * queued for erasure in the same transaction, so no job is forgotten between the delete and the erasure; a job
   * that a request still here also points at (the same file under the same key) is left alone.
   */
  delete(
    filter: { requestIds?: readonly string[]; batchId?: string; clientLabel?: string },
    eraseOnAgents: boolean,
  ): { deleted: string[]; erasureIds: number[] } {
    return this.db.transaction(() => {
      const ids = filter.requestIds
        ? filter.requestIds.filter((id) => this.sql('SELECT 1 FROM analysis_requests WHERE id = ?').get(id))
        : (
            this.sql(
              'SELECT id FROM analysis_requests WHERE (@batchId IS NULL OR batch_id = @batchId) AND (@clientLabel IS NULL OR client_label = @clientLabel)',
            ).all({ batchId: filter.batchId ?? null, clientLabel: filter.clientLabel ?? null }) as {
              id: string;
            }[]
          ).map((r) => r.id);
      // The jobs are read before the rows that name them are gone.
      const jobs = eraseOnAgents ? this.agentJobsOf(ids) : [];
      const remove = this.sql('DELETE FROM analysis_requests WHERE id = ?');
      for (const id of ids) remove.run(id);
      // A batch with nothing left in it goes too.
      this.sql(
        "DELETE FROM batches WHERE id NOT IN (SELECT DISTINCT batch_id FROM analysis_requests) AND state IN ('done', 'canceled')",
      ).run();
      const stillHeld = this.sql(
        `SELECT 1 FROM request_attempts WHERE agent_job_id = @job AND agent_id = @agent
         UNION ALL SELECT 1 FROM analysis_requests WHERE agent_job_id = @job AND agent_id = @agent
         UNION ALL SELECT 1 FROM agent_erasures WHERE agent_job_id = @job AND agent_id = @agent AND state = 'pending'
         LIMIT 1`,
      );
      const queue = this.sql(
        'INSERT INTO agent_erasures (agent_id, agent_name, agent_job_id, request_id, queued_at) VALUES (?, ?, ?, ?, ?)',
      );
      const at = this.now().toISOString();
      const erasureIds: number[] = [];
      for (const job of jobs) {
        if (stillHeld.get({ job: job.agentJobId, agent: job.agentId })) continue;
        erasureIds.push(
          Number(queue.run(job.agentId, job.agentName, job.agentJobId, job.requestId, at).lastInsertRowid),
        );
      }
      return { deleted: ids, erasureIds };
    })();
  }

  /** Each distinct agent job of these requests: of every attempt, and the request's own (a re-attached job). */
  private agentJobsOf(
    requestIds: readonly string[],
  ): { requestId: string; agentId: string; agentName: string | null; agentJobId: string }[] {
    const read = this.sql(
      `SELECT agent_id, agent_name, agent_job_id FROM request_attempts WHERE request_id = @id AND agent_job_id IS NOT NULL
       UNION ALL SELECT agent_id, agent_name, agent_job_id FROM analysis_requests
         WHERE id = @id AND agent_id IS NOT NULL AND agent_job_id IS NOT NULL`,
    );
    const jobs = new Map<
      string,
      { requestId: string; agentId: string; agentName: string | null; agentJobId: string }
    >();
    for (const requestId of requestIds) {
      for (const r of read.all({ id: requestId }) as {
        agent_id: string;
        agent_name: string | null;
        agent_job_id: string;
      }[]) {
        const key = `${r.agent_id}\u0000${r.agent_job_id}`;
        if (!jobs.has(key))
          jobs.set(key, {
            requestId,
            agentId: r.agent_id,
            agentName: r.agent_name,
            agentJobId: r.agent_job_id,
          });
      }
    }
    return [...jobs.values()];
  }

  /** Erasures still to do, oldest first, after row `afterId` (a pass pages through them). */
  pendingErasures(limit: number, afterId = 0): AgentErasureRecord[] {
    return (
      this.sql("SELECT * FROM agent_erasures WHERE state = 'pending' AND id > ? ORDER BY id LIMIT ?").all(
        afterId,
        limit,
      ) as AgentErasureRow[]
    ).map(toErasure);
  }

  /** The agent erased the job (`receipt`), or had already forgotten it (null). Another process may have been first. */
  erasureDone(erasureId: number, receipt: ErasureReceipt | null): void {
    this.sql(
      `UPDATE agent_erasures SET state = 'erased', tries = tries + 1, last_error_json = NULL, erased_at = ?, receipt_json = ?
         WHERE id = ? AND state = 'pending'`,
    ).run(this.now().toISOString(), receipt ? JSON.stringify(receipt) : null, erasureId);
  }

  /** A try that failed: tried again later, or, when `final`, given up (kept for the listing with why). */
  erasureFailed(erasureId: number, error: ErrorEnvelope, options: { final: boolean }): void {
    this.sql(
      "UPDATE agent_erasures SET tries = tries + 1, last_error_json = ?, state = ? WHERE id = ? AND state = 'pending'",
    ).run(JSON.stringify(error), options.final ? 'failed' : 'pending', erasureId);
  }

  /** Why an agent's erasures still wait (it could not be reached this time), on every one of them, without a try. */
  erasuresWaitOn(agentId: string, error: ErrorEnvelope): void {
    this.sql("UPDATE agent_erasures SET last_error_json = ? WHERE agent_id = ? AND state = 'pending'").run(
      JSON.stringify(error),
      agentId,
    );
  }

  /** The queue for a listing, newest first, with the agent's current name where it is still registered. */
  erasures(filter: { state?: AgentErasureState; limit: number }): AgentErasureRecord[] {
    return (
      this.sql(
        `SELECT e.id, e.agent_id, COALESCE(a.name, e.agent_name) AS agent_name, e.agent_job_id, e.request_id, e.queued_at,
           e.state, e.tries, e.last_error_json, e.erased_at, e.receipt_json
         FROM agent_erasures e LEFT JOIN agents a ON a.id = e.agent_id
         WHERE (@state IS NULL OR e.state = @state) ORDER BY e.id DESC LIMIT @limit`,
      ).all({ state: filter.state ?? null, limit: filter.limit }) as AgentErasureRow[]
    ).map(toErasure);
  }

  /** How these erasures stand. */
  erasureCounts(erasureIds: readonly number[]): ErasureCounts {
    const counts: ErasureCounts = { erased: 0, pending: 0, failed: 0 };
    const read = this.sql('SELECT state FROM agent_erasures WHERE id = ?');
    for (const id of erasureIds) {
      const row = read.get(id) as { state: AgentErasureState } | undefined;
      if (row) counts[row.state]++;
    }
    return counts;
  }

  batch(batchId: string): BatchRow | null {
    return (this.sql('SELECT * FROM batches WHERE id = ?').get(batchId) as BatchRow | undefined) ?? null;
  }

  batches(limit: number): BatchRow[] {
    return this.sql('SELECT * FROM batches ORDER BY created_at DESC, rowid DESC LIMIT ?').all(
      limit,
    ) as BatchRow[];
  }

  setBatchState(batchId: string, state: BatchSummary['state']): void {
    this.sql('UPDATE batches SET state = ?, finished_at = ? WHERE id = ?').run(
      state,
      state === 'done' || state === 'canceled' ? this.now().toISOString() : null,
      batchId,
    );
  }

  batchSize(batchId: string): number {
    return (
      this.sql('SELECT COUNT(*) AS n FROM analysis_requests WHERE batch_id = ?').get(batchId) as { n: number }
    ).n;
  }

  counts(batchId: string): Record<RequestState, number> {
    const rows = this.sql(
      'SELECT state, COUNT(*) AS n FROM analysis_requests WHERE batch_id = ? GROUP BY state',
    ).all(batchId) as { state: RequestState; n: number }[];
    const counts: Record<RequestState, number> = {
      pending: 0,
      uploading: 0,
      queued: 0,
      running: 0,
      done: 0,
      failed: 0,
      canceled: 0,
    };
    for (const r of rows) counts[r.state] = r.n;
    return counts;
  }

  /** When the batch's last `n` finished files finished (for its throughput). */
  recentFinishes(batchId: string, n: number): string[] {
    return (
      this.sql(
        "SELECT finished_at FROM analysis_requests WHERE batch_id = ? AND finished_at IS NOT NULL AND state IN ('done', 'failed') ORDER BY finished_at DESC LIMIT ?",
      ).all(batchId, n) as { finished_at: string }[]
    ).map((r) => r.finished_at);
  }

  /** Cancels every unfinished request of a batch; returns those that were on an agent (to cancel there too). */
  cancelUnfinished(
    batchId: string,
  ): { requestId: string; agentId: string | null; agentJobId: string | null }[] {
    return this.db.transaction(() => {
      const rows = this.sql(
        "SELECT id, agent_id, agent_job_id FROM analysis_requests WHERE batch_id = ? AND state IN ('pending', 'uploading', 'queued', 'running')",
      ).all(batchId) as { id: string; agent_id: string | null; agent_job_id: string | null }[];
      const at = this.now().toISOString();
      const cancel = this.sql(
        "UPDATE analysis_requests SET state = 'canceled', finished_at = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?",
      );
      for (const r of rows) cancel.run(at, at, r.id);
      return rows.map((r) => ({ requestId: r.id, agentId: r.agent_id, agentJobId: r.agent_job_id }));
    })();
  }

  /** What the dispatcher has seen of agents, persisted so estimates survive a restart. */
  saveAgentStats(agentId: string, stats: Record<string, unknown>): void {
    this.sql(
      'INSERT INTO dispatch_agent_stats (agent_id, stats_json, updated_at) VALUES (?, ?, ?) ON CONFLICT(agent_id) DO UPDATE SET stats_json = excluded.stats_json, updated_at = excluded.updated_at',
    ).run(agentId, JSON.stringify(stats), this.now().toISOString());
  }

  agentStats(): Map<string, Record<string, unknown>> {
    const rows = this.sql('SELECT agent_id, stats_json FROM dispatch_agent_stats').all() as {
      agent_id: string;
      stats_json: string;
    }[];
    return new Map(rows.map((r) => [r.agent_id, JSON.parse(r.stats_json) as Record<string, unknown>]));
  }
}

export function toBatchSummary(
  row: BatchRow,
  counts: Record<RequestState, number>,
  recent: readonly string[],
  nowMs: number,
): BatchSummary {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const remaining = counts.pending + counts.uploading + counts.queued + counts.running;
  // Throughput over the most recent finishes (up to 50): a rate a person can trust for the expected end.
  let filesPerHour: number | null = null;
  let expectedEndAt: string | null = null;
  if (recent.length >= 2) {
    const newest = Date.parse(recent[0]!);
    const oldest = Date.parse(recent.at(-1)!);
    const spanMs = Math.max(1, newest - oldest);
    filesPerHour = ((recent.length - 1) * 3_600_000) / spanMs;
    if (remaining > 0 && row.state === 'running')
      expectedEndAt = new Date(
        Math.max(nowMs, newest) + (remaining * 3_600_000) / filesPerHour,
      ).toISOString();
  }
  return {
    batchId: row.id,
    label: row.label,
    clientLabel: row.client_label,
    target: JSON.parse(row.target_json) as DispatchTarget,
    state: row.state,
    total,
    done: counts.done,
    failed: counts.failed,
    canceled: counts.canceled,
    remaining,
    skipped: JSON.parse(row.skipped_json) as { path: string; reason: string }[],
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    filesPerHour,
    expectedEndAt,
  };
}
