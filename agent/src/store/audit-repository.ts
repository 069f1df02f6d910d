// The agent's audit log: who (a token, or the operator on the agent's machine) did what to which tenant's tokens
// and data. Append-only; a tenant's admin reads its own tenant's entries, an all-tenants token reads all.
import type { Db } from './database.js';
import { statementCache } from './statement-cache.js';

export type AuditAction = 'token.created' | 'token.revoked' | 'job.erased' | 'tenant.erased' | 'retention.erased' | 'webhook-secret.rotated';

/** Who acted: a token of the API, or the operator (CLI on the agent's machine, the environment at start, the agent itself). */
export type AuditActor = { kind: 'token'; id: string; tenant: string } | { kind: 'operator'; via: string };

export interface AuditEntry {
  seq: number;
  at: number;
  action: AuditAction;
  tenant: string | null;
  actor: string;
  actorTenant: string | null;
  target: string | null;
  detail: Record<string, unknown>;
}

interface AuditRow {
  seq: number;
  at: number;
  action: AuditAction;
  tenant: string | null;
  actor: string;
  actor_tenant: string | null;
  target: string | null;
  detail: string;
}

export const describeActor = (actor: AuditActor): string => (actor.kind === 'token' ? `token:${actor.id}` : `operator:${actor.via}`);

export class AuditRepository {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.sql = statementCache(db);
  }

  record(entry: { action: AuditAction; tenant: string | null; actor: AuditActor; target?: string | null; detail?: Record<string, unknown> }): void {
    this.sql('INSERT INTO audit (at, action, tenant, actor, actor_tenant, target, detail) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      this.now(),
      entry.action,
      entry.tenant,
      describeActor(entry.actor),
      entry.actor.kind === 'token' ? entry.actor.tenant : null,
      entry.target ?? null,
      JSON.stringify(entry.detail ?? {}),
    );
  }

  /** Newest first; `tenant` undefined lists every tenant's entries. `beforeSeq` is the cursor. */
  list(opts: { tenant?: string; limit: number; beforeSeq?: number }): AuditEntry[] {
    const rows = this.sql(
      `SELECT * FROM audit WHERE seq < ? AND (? IS NULL OR tenant = ?) ORDER BY seq DESC LIMIT ?`,
    ).all(opts.beforeSeq ?? Number.MAX_SAFE_INTEGER, opts.tenant ?? null, opts.tenant ?? null, opts.limit) as AuditRow[];
    return rows.map((r) => ({
      seq: r.seq,
      at: r.at,
      action: r.action,
      tenant: r.tenant,
      actor: r.actor,
      actorTenant: r.actor_tenant,
      target: r.target,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }));
  }
}
