// Append-only record of operator actions and security events (host key changes, logins disabled, ...).
// Details are redacted on the way in so that a secret passed by mistake never lands in the file.
import type { ConsoleDb } from '../store/console-store.js';
import type { AuditEntry } from '../contracts/audit.js';

const SECRET_FIELD = /pass(word|phrase)?|secret|token|private.?key|api.?key|credential/i;

function redact(value: unknown, depth = 0): unknown {
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_FIELD.test(k) ? '[redacted]' : redact(v, depth + 1)]),
  );
}

export class AuditLog {
  constructor(
    private readonly db: ConsoleDb,
    private readonly now: () => Date = () => new Date(),
  ) {}

  record(action: string, targetId: string | null, detail: Record<string, unknown> = {}, actor = 'operator'): void {
    this.db
      .prepare('INSERT INTO audit_log (at, actor, action, target_id, detail_json) VALUES (?, ?, ?, ?, ?)')
      .run(this.now().toISOString(), actor, action, targetId, JSON.stringify(redact(detail)));
  }

  list(query: { targetId?: string; limit?: number; beforeId?: number } = {}): AuditEntry[] {
    const rows = this.db
      .prepare(
        `SELECT id, at, actor, action, target_id, detail_json FROM audit_log
         WHERE (@targetId IS NULL OR target_id = @targetId) AND (@beforeId IS NULL OR id < @beforeId)
         ORDER BY id DESC LIMIT @limit`,
      )
      .all({ targetId: query.targetId ?? null, beforeId: query.beforeId ?? null, limit: query.limit ?? 200 }) as {
      id: number;
      at: string;
      actor: string;
      action: string;
      target_id: string | null;
      detail_json: string;
    }[];
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      action: r.action,
      targetId: r.target_id,
      // Names are the console's to add (audit-names.ts): the log itself keeps ids.
      targetName: null,
      detail: JSON.parse(r.detail_json) as Record<string, unknown>,
    }));
  }
}
