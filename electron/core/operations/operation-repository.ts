// Persistence of operations: the record, per-step states, the event log and the locks. Everything a crashed
// console needs to report what happened and to resume lives here. Several processes may share the store (the
// desktop app and the command line): locks and owners name the process, so a dead one's are recognised.
import { hostname } from 'node:os';
import { ConsoleError, type ErrorEnvelope, type OperationEvent } from '../contracts/define.js';
import type {
  OperationKind,
  OperationRecord,
  OperationStatus,
  StepState,
  StepStatus,
} from '../contracts/operations.js';
import { statementCache } from '#agent/store/statement-cache.js';
import type { ConsoleDb } from '../store/console-store.js';

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Engines alive in this process: an owner with this pid but another id belongs to a closed engine. */
const liveOwners = new Set<string>();
export function registerLiveOwner(id: string): () => void {
  liveOwners.add(id);
  return () => liveOwners.delete(id);
}

interface Owner {
  pid: number;
  hostname: string;
  owner_id: string;
}

/** Whether the process (and, in this process, the engine) that holds a lock or runs an operation still lives. */
function ownerAlive(owner: Owner): boolean {
  if (owner.hostname !== hostname()) return true; // another machine sharing the store: we cannot check, so assume so
  if (owner.pid === process.pid) return liveOwners.has(owner.owner_id);
  return isProcessAlive(owner.pid);
}

interface LockRow extends Owner {
  lock_key: string;
  operation_id: string;
  acquired_at: string;
}

interface OperationRow {
  operation_id: string;
  kind: OperationKind;
  target_id: string | null;
  title: string;
  status: OperationStatus;
  options_json: string;
  detail_json: string;
  progress: number | null;
  error_json: string | null;
  owner_pid: number | null;
  owner_host: string | null;
  owner_id: string | null;
  started_at: string;
  finished_at: string | null;
}

export class OperationRepository {
  /** Each SQL text prepared once: preparing costs more than running these small queries. */
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(
    private readonly db: ConsoleDb,
    private readonly ownerId: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.sql = statementCache(db);
  }

  /**
   * Takes a lock for an operation. A lock held by a live owner refuses (with `locked`); one held by a dead owner
   * is taken over and returned, so the caller can say so.
   */
  acquireLock(
    lockKey: string,
    operationId: string,
    locked: (holder: { operationId: string; pid: number; hostname: string }) => ConsoleError,
  ): { recoveredFrom: LockRow | null } {
    return this.db
      .transaction(() => {
        const held = this.sql('SELECT * FROM operation_locks WHERE lock_key = ?').get(lockKey) as
          LockRow | undefined;
        if (held && held.operation_id !== operationId && ownerAlive(held))
          throw locked({ operationId: held.operation_id, pid: held.pid, hostname: held.hostname });
        this.sql(
          `INSERT INTO operation_locks (lock_key, operation_id, pid, hostname, owner_id, acquired_at) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT(lock_key) DO UPDATE SET operation_id = excluded.operation_id, pid = excluded.pid,
               hostname = excluded.hostname, owner_id = excluded.owner_id, acquired_at = excluded.acquired_at`,
        ).run(lockKey, operationId, process.pid, hostname(), this.ownerId, this.now().toISOString());
        return { recoveredFrom: held && held.operation_id !== operationId ? held : null };
      })
      .immediate();
  }

  releaseLock(lockKey: string, operationId: string): void {
    this.sql('DELETE FROM operation_locks WHERE lock_key = ? AND operation_id = ? AND owner_id = ?').run(
      lockKey,
      operationId,
      this.ownerId,
    );
  }

  create(row: {
    operationId: string;
    kind: OperationKind;
    targetId: string | null;
    title: string;
    options: unknown;
    detail?: Record<string, unknown>;
    steps: readonly { id: string; title: string }[];
  }): void {
    const at = this.now().toISOString();
    this.db.transaction(() => {
      this.sql(
        `INSERT INTO operations (operation_id, kind, target_id, title, status, options_json, detail_json, owner_pid, owner_host, owner_id, started_at)
           VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)`,
      ).run(
        row.operationId,
        row.kind,
        row.targetId,
        row.title,
        JSON.stringify(row.options ?? {}),
        JSON.stringify(row.detail ?? {}),
        process.pid,
        hostname(),
        this.ownerId,
        at,
      );
      const insert = this.sql(
        'INSERT INTO operation_steps (operation_id, step_id, ord, title, status, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      );
      row.steps.forEach((s, i) => insert.run(row.operationId, s.id, i, s.title, 'pending', at));
    })();
  }

  /** Resuming: the operation is running again under this process; steps added to the plan since are appended. */
  reopen(operationId: string, steps: readonly { id: string; title: string }[]): void {
    const at = this.now().toISOString();
    this.db.transaction(() => {
      this.sql(
        `UPDATE operations SET status = 'running', finished_at = NULL, error_json = NULL, owner_pid = ?, owner_host = ?, owner_id = ? WHERE operation_id = ?`,
      ).run(process.pid, hostname(), this.ownerId, operationId);
      const upsert = this.sql(
        `INSERT INTO operation_steps (operation_id, step_id, ord, title, status, updated_at) VALUES (?, ?, ?, ?, 'pending', ?)
         ON CONFLICT(operation_id, step_id) DO UPDATE SET ord = excluded.ord`,
      );
      steps.forEach((s, i) => upsert.run(operationId, s.id, i, s.title, at));
    })();
  }

  persisted(
    operationId: string,
  ): { kind: OperationKind; targetId: string | null; status: OperationStatus; options: unknown } | null {
    const row = this.row(operationId);
    return row
      ? {
          kind: row.kind,
          targetId: row.target_id,
          status: row.status,
          options: JSON.parse(row.options_json) as unknown,
        }
      : null;
  }

  finish(
    operationId: string,
    status: Exclude<OperationStatus, 'running'>,
    error: ErrorEnvelope | null,
  ): void {
    this.sql('UPDATE operations SET status = ?, finished_at = ?, error_json = ? WHERE operation_id = ?').run(
      status,
      this.now().toISOString(),
      error ? JSON.stringify(error) : null,
      operationId,
    );
  }

  mergeDetail(operationId: string, detail: Record<string, unknown>): void {
    const row = this.sql('SELECT detail_json FROM operations WHERE operation_id = ?').get(operationId) as
      { detail_json: string } | undefined;
    if (!row) return;
    const merged = { ...(JSON.parse(row.detail_json) as Record<string, unknown>), ...detail };
    this.sql('UPDATE operations SET detail_json = ? WHERE operation_id = ?').run(
      JSON.stringify(merged),
      operationId,
    );
  }

  setStepStatus(
    operationId: string,
    stepId: string,
    status: StepStatus,
    extra: { alreadySatisfied?: boolean; error?: string | null } = {},
  ): void {
    this.sql(
      `UPDATE operation_steps SET status = ?, already_satisfied = COALESCE(?, already_satisfied), error = ?, updated_at = ?
         WHERE operation_id = ? AND step_id = ?`,
    ).run(
      status,
      extra.alreadySatisfied === undefined ? null : extra.alreadySatisfied ? 1 : 0,
      extra.error ?? null,
      this.now().toISOString(),
      operationId,
      stepId,
    );
  }

  nextSeq(operationId: string): number {
    const row = this.sql('SELECT MAX(seq) AS m FROM operation_events WHERE operation_id = ?').get(
      operationId,
    ) as { m: number | null };
    return (row.m ?? -1) + 1;
  }

  appendEvent(e: OperationEvent): void {
    this.db.transaction(() => {
      this.sql(
        'INSERT INTO operation_events (operation_id, seq, at, phase, progress, line, done, error_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(
        e.operationId,
        e.seq,
        this.now().toISOString(),
        e.phase,
        e.progress,
        e.line ?? null,
        e.done ? 1 : 0,
        e.error ? JSON.stringify(e.error) : null,
      );
      if (e.progress !== null)
        this.sql('UPDATE operations SET progress = ? WHERE operation_id = ?').run(e.progress, e.operationId);
    })();
  }

  events(operationId: string, afterSeq = -1): OperationEvent[] {
    const rows = this.sql(
      'SELECT * FROM operation_events WHERE operation_id = ? AND seq > ? ORDER BY seq',
    ).all(operationId, afterSeq) as {
      operation_id: string;
      seq: number;
      phase: string;
      progress: number | null;
      line: string | null;
      done: number;
      error_json: string | null;
    }[];
    return rows.map((r) => ({
      operationId: r.operation_id,
      seq: r.seq,
      phase: r.phase,
      progress: r.progress,
      ...(r.line !== null ? { line: r.line } : {}),
      ...(r.done ? { done: true } : {}),
      ...(r.error_json ? { error: JSON.parse(r.error_json) as ErrorEnvelope } : {}),
    }));
  }

  get(operationId: string, resumableKinds: ReadonlySet<string>): OperationRecord | null {
    const row = this.row(operationId);
    return row ? this.toRecord(row, resumableKinds) : null;
  }

  list(
    filter: { targetId?: string; kinds?: readonly OperationKind[]; status?: OperationStatus; limit: number },
    resumableKinds: ReadonlySet<string>,
  ): OperationRecord[] {
    const kinds = filter.kinds?.length ? filter.kinds : null;
    const rows = this.sql(
      `SELECT * FROM operations
         WHERE (@targetId IS NULL OR target_id = @targetId) AND (@status IS NULL OR status = @status)
           AND (@kinds IS NULL OR kind IN (SELECT value FROM json_each(@kinds)))
         ORDER BY started_at DESC, rowid DESC LIMIT @limit`,
    ).all({
      targetId: filter.targetId ?? null,
      status: filter.status ?? null,
      kinds: kinds ? JSON.stringify(kinds) : null,
      limit: filter.limit,
    }) as OperationRow[];
    return rows.map((r) => this.toRecord(r, resumableKinds));
  }

  /** A removed server or agent takes its operations' history with it. */
  deleteForTarget(targetId: string): void {
    this.sql("DELETE FROM operations WHERE target_id = ? AND status <> 'running'").run(targetId);
  }

  /**
   * After a crash: operations still marked running whose owner is gone become 'interrupted', and locks of dead
   * owners are released. Returns the interrupted ones.
   */
  markInterrupted(): { operationId: string; kind: OperationKind; targetId: string | null }[] {
    return this.db
      .transaction(() => {
        const running = this.sql("SELECT * FROM operations WHERE status = 'running'").all() as OperationRow[];
        const out: { operationId: string; kind: OperationKind; targetId: string | null }[] = [];
        for (const r of running) {
          const owner =
            r.owner_pid === null
              ? null
              : { pid: r.owner_pid, hostname: r.owner_host ?? '', owner_id: r.owner_id ?? '' };
          if (owner && ownerAlive(owner)) continue;
          this.finish(r.operation_id, 'interrupted', {
            code: 'INTERRUPTED',
            message: 'the console stopped while this was running',
          });
          out.push({ operationId: r.operation_id, kind: r.kind, targetId: r.target_id });
        }
        const locks = this.sql('SELECT * FROM operation_locks').all() as LockRow[];
        for (const lock of locks)
          if (!ownerAlive(lock))
            this.sql('DELETE FROM operation_locks WHERE lock_key = ?').run(lock.lock_key);
        return out;
      })
      .immediate();
  }

  private row(operationId: string): OperationRow | undefined {
    return this.sql('SELECT * FROM operations WHERE operation_id = ?').get(operationId) as
      OperationRow | undefined;
  }

  private toRecord(run: OperationRow, resumableKinds: ReadonlySet<string>): OperationRecord {
    const steps = this.sql('SELECT * FROM operation_steps WHERE operation_id = ? ORDER BY ord').all(
      run.operation_id,
    ) as {
      step_id: string;
      title: string;
      status: StepStatus;
      already_satisfied: number;
      error: string | null;
      updated_at: string;
    }[];
    return {
      operationId: run.operation_id,
      kind: run.kind,
      targetId: run.target_id,
      title: run.title,
      status: run.status,
      resumable: run.status !== 'running' && run.status !== 'succeeded' && resumableKinds.has(run.kind),
      startedAt: run.started_at,
      finishedAt: run.finished_at,
      progress: run.status === 'succeeded' ? 1 : run.progress,
      error: run.error_json ? (JSON.parse(run.error_json) as ErrorEnvelope) : null,
      detail: JSON.parse(run.detail_json) as Record<string, unknown>,
      steps: steps.map((s): StepState => ({
        stepId: s.step_id,
        title: s.title,
        status: s.status,
        alreadySatisfied: s.already_satisfied === 1,
        error: s.error,
        updatedAt: s.updated_at,
      })),
    };
  }
}
