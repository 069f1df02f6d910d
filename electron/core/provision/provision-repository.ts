// Persistence of provisioning: runs, per-step states, the event log, and the per-server lock. Everything
// a crashed console needs to report what happened and to resume lives here.
import { hostname } from 'node:os';
import { ConsoleError, type OperationEvent } from '../contracts/define.js';
import type { OperationKind, ProvisionRun, StepState, StepStatus } from '../contracts/provision.js';
import type { ConsoleDb } from '../store/console-store.js';

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface LockRow {
  server_id: string;
  operation_id: string;
  pid: number;
  hostname: string;
  acquired_at: string;
}

export class ProvisionRepository {
  constructor(
    private readonly db: ConsoleDb,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Takes the server's lock for an operation. A lock held by a live process (or by a process on another
   * machine sharing the store, which we cannot check) refuses with PROVISION_LOCKED; one held by a dead
   * process on this machine is taken over and reported.
   */
  acquireLock(serverId: string, operationId: string): { recoveredFrom: LockRow | null } {
    return this.db
      .transaction(() => {
        const held = this.db.prepare('SELECT * FROM server_locks WHERE server_id = ?').get(serverId) as LockRow | undefined;
        if (held && held.operation_id !== operationId) {
          const alive = held.hostname !== hostname() || isProcessAlive(held.pid);
          if (alive) {
            throw new ConsoleError(
              'PROVISION_LOCKED',
              `Server ${serverId} is busy with operation ${held.operation_id} (pid ${held.pid} on ${held.hostname}); ` +
                'wait for it to finish or cancel it, then try again.',
            );
          }
        }
        this.db
          .prepare(
            `INSERT INTO server_locks (server_id, operation_id, pid, hostname, acquired_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT(server_id) DO UPDATE SET operation_id = excluded.operation_id, pid = excluded.pid,
               hostname = excluded.hostname, acquired_at = excluded.acquired_at`,
          )
          .run(serverId, operationId, process.pid, hostname(), this.now().toISOString());
        return { recoveredFrom: held && held.operation_id !== operationId ? held : null };
      })
      .immediate();
  }

  releaseLock(serverId: string, operationId: string): void {
    this.db.prepare('DELETE FROM server_locks WHERE server_id = ? AND operation_id = ? AND pid = ?').run(serverId, operationId, process.pid);
  }

  createRun(
    operationId: string,
    serverId: string,
    options: unknown,
    steps: readonly { id: string; title: string }[],
    kind: OperationKind = 'provision',
  ): void {
    const at = this.now().toISOString();
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO provision_runs (operation_id, server_id, status, options_json, started_at, kind) VALUES (?, ?, ?, ?, ?, ?)')
        .run(operationId, serverId, 'running', JSON.stringify(options), at, kind);
      const insert = this.db.prepare(
        'INSERT INTO provision_steps (operation_id, step_id, ord, title, status, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      );
      steps.forEach((s, i) => insert.run(operationId, s.id, i, s.title, 'pending', at));
    })();
  }

  getRunRow(operationId: string): { serverId: string; status: string; options: unknown; kind: OperationKind } | null {
    const row = this.db.prepare('SELECT server_id, status, options_json, kind FROM provision_runs WHERE operation_id = ?').get(operationId) as
      | { server_id: string; status: string; options_json: string; kind: OperationKind }
      | undefined;
    return row ? { serverId: row.server_id, status: row.status, options: JSON.parse(row.options_json), kind: row.kind } : null;
  }

  /** Resuming a run: steps added to the plan since (e.g. a newer console) are appended as pending. */
  ensureSteps(operationId: string, steps: readonly { id: string; title: string }[]): void {
    const insert = this.db.prepare(
      `INSERT INTO provision_steps (operation_id, step_id, ord, title, status, updated_at) VALUES (?, ?, ?, ?, 'pending', ?)
       ON CONFLICT(operation_id, step_id) DO UPDATE SET ord = excluded.ord`,
    );
    const at = this.now().toISOString();
    steps.forEach((s, i) => insert.run(operationId, s.id, i, s.title, at));
  }

  setRunStatus(operationId: string, status: ProvisionRun['status']): void {
    const finished = status === 'running' ? null : this.now().toISOString();
    this.db.prepare('UPDATE provision_runs SET status = ?, finished_at = ? WHERE operation_id = ?').run(status, finished, operationId);
  }

  setStepStatus(operationId: string, stepId: string, status: StepStatus, extra: { alreadySatisfied?: boolean; error?: string | null } = {}): void {
    this.db
      .prepare(
        `UPDATE provision_steps SET status = ?, already_satisfied = COALESCE(?, already_satisfied), error = ?, updated_at = ?
         WHERE operation_id = ? AND step_id = ?`,
      )
      .run(
        status,
        extra.alreadySatisfied === undefined ? null : extra.alreadySatisfied ? 1 : 0,
        extra.error ?? null,
        this.now().toISOString(),
        operationId,
        stepId,
      );
  }

  nextSeq(operationId: string): number {
    const row = this.db.prepare('SELECT MAX(seq) AS m FROM provision_events WHERE operation_id = ?').get(operationId) as { m: number | null };
    return (row.m ?? -1) + 1;
  }

  appendEvent(e: OperationEvent): void {
    this.db
      .prepare(
        'INSERT INTO provision_events (operation_id, seq, at, phase, progress, line, done, error_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(e.operationId, e.seq, this.now().toISOString(), e.phase, e.progress, e.line ?? null, e.done ? 1 : 0, e.error ? JSON.stringify(e.error) : null);
  }

  events(operationId: string, afterSeq = -1): OperationEvent[] {
    const rows = this.db
      .prepare('SELECT * FROM provision_events WHERE operation_id = ? AND seq > ? ORDER BY seq')
      .all(operationId, afterSeq) as {
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
      ...(r.error_json ? { error: JSON.parse(r.error_json) as { code: string; message: string } } : {}),
    }));
  }

  getRun(operationId: string): ProvisionRun | null {
    const run = this.db.prepare('SELECT * FROM provision_runs WHERE operation_id = ?').get(operationId) as
      | { operation_id: string; server_id: string; kind: OperationKind; status: ProvisionRun['status']; started_at: string; finished_at: string | null }
      | undefined;
    if (!run) return null;
    const steps = this.db.prepare('SELECT * FROM provision_steps WHERE operation_id = ? ORDER BY ord').all(operationId) as {
      step_id: string;
      title: string;
      status: StepStatus;
      already_satisfied: number;
      error: string | null;
      updated_at: string;
    }[];
    return {
      operationId: run.operation_id,
      serverId: run.server_id,
      kind: run.kind,
      status: run.status,
      startedAt: run.started_at,
      finishedAt: run.finished_at,
      steps: steps.map(
        (s): StepState => ({
          stepId: s.step_id,
          title: s.title,
          status: s.status,
          alreadySatisfied: s.already_satisfied === 1,
          error: s.error,
          updatedAt: s.updated_at,
        }),
      ),
    };
  }

  listRuns(serverId?: string, kind: OperationKind | null = 'provision'): ProvisionRun[] {
    const ids = this.db
      .prepare(
        `SELECT operation_id FROM provision_runs WHERE (@serverId IS NULL OR server_id = @serverId) AND (@kind IS NULL OR kind = @kind)
         ORDER BY started_at DESC, rowid DESC`,
      )
      .all({ serverId: serverId ?? null, kind }) as { operation_id: string }[];
    return ids.map((r) => this.getRun(r.operation_id)!);
  }

  /**
   * After a crash: runs still marked running whose lock is gone or held by a dead process on this machine
   * become 'interrupted' (they can be resumed). Returns their operation ids.
   */
  markInterruptedRuns(): string[] {
    const running = this.db.prepare("SELECT operation_id, server_id FROM provision_runs WHERE status = 'running'").all() as {
      operation_id: string;
      server_id: string;
    }[];
    const out: string[] = [];
    for (const r of running) {
      const lock = this.db.prepare('SELECT * FROM server_locks WHERE server_id = ?').get(r.server_id) as LockRow | undefined;
      const holderAlive = lock && lock.operation_id === r.operation_id && (lock.hostname !== hostname() || isProcessAlive(lock.pid));
      if (!holderAlive) {
        this.setRunStatus(r.operation_id, 'interrupted');
        out.push(r.operation_id);
      }
    }
    return out;
  }
}
