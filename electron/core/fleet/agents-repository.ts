// Agents the console talks to (one per provisioned server, plus any added by URL). Their admin tokens live
// in the vault under secretNames.agentAdminToken(id).
import { randomUUID } from 'node:crypto';
import type { ConsoleDb } from '../store/console-store.js';

/** deployed: by this console onto a server; manual: added by URL and token; rented: a GPU instance. */
export type AgentKind = 'deployed' | 'manual' | 'rented';
export type AgentCostClass = 'fixed' | 'per-second';

export interface AgentRecord {
  id: string;
  serverId: string | null;
  name: string;
  baseUrl: string;
  kind: AgentKind;
  costClass: AgentCostClass;
  /** Pinned TLS: the SHA-256 (hex) of the certificate every connection must present (rented agents); null: none. */
  tlsFingerprint: string | null;
  createdAt: string;
}

interface AgentRow {
  id: string;
  server_id: string | null;
  name: string;
  base_url: string;
  kind: AgentKind;
  cost_class: AgentCostClass;
  tls_fingerprint: string | null;
  created_at: string;
}

const fromRow = (r: AgentRow): AgentRecord => ({
  id: r.id,
  serverId: r.server_id,
  name: r.name,
  baseUrl: r.base_url,
  kind: r.kind,
  costClass: r.cost_class,
  tlsFingerprint: r.tls_fingerprint ?? null,
  createdAt: r.created_at,
});

export class AgentsRepository {
  constructor(
    private readonly db: ConsoleDb,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Registers an agent, or updates the one already registered (idempotent): a server has one agent, whose URL
   * may change (http to https); an agent added by URL alone is the same agent when its URL is.
   */
  upsert(agent: { serverId: string | null; name: string; baseUrl: string; kind?: AgentKind; costClass?: AgentCostClass; tlsFingerprint?: string | null }): AgentRecord {
    const existing = (
      agent.serverId !== null
        ? this.db.prepare('SELECT * FROM agents WHERE server_id = ? ORDER BY created_at LIMIT 1').get(agent.serverId)
        : this.db.prepare('SELECT * FROM agents WHERE base_url = ? AND server_id IS NULL').get(agent.baseUrl)
    ) as AgentRow | undefined;
    if (existing) {
      this.db.prepare('UPDATE agents SET name = ?, base_url = ? WHERE id = ?').run(agent.name, agent.baseUrl, existing.id);
      // A pin is only ever set by whoever verified it (a rental's pairing); an update that names none keeps it.
      if (agent.tlsFingerprint !== undefined) this.db.prepare('UPDATE agents SET tls_fingerprint = ? WHERE id = ?').run(agent.tlsFingerprint, existing.id);
      return { ...fromRow(existing), name: agent.name, baseUrl: agent.baseUrl, tlsFingerprint: agent.tlsFingerprint !== undefined ? agent.tlsFingerprint : (existing.tls_fingerprint ?? null) };
    }
    const record: AgentRecord = {
      id: randomUUID(),
      serverId: agent.serverId,
      name: agent.name,
      baseUrl: agent.baseUrl,
      kind: agent.kind ?? (agent.serverId ? 'deployed' : 'manual'),
      costClass: agent.costClass ?? 'fixed',
      tlsFingerprint: agent.tlsFingerprint ?? null,
      createdAt: this.now().toISOString(),
    };
    this.db
      .prepare('INSERT INTO agents (id, server_id, name, base_url, kind, cost_class, tls_fingerprint, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(record.id, record.serverId, record.name, record.baseUrl, record.kind, record.costClass, record.tlsFingerprint, record.createdAt);
    return record;
  }

  /** Points an agent at a new URL (its token stays valid: same agent, reached another way). */
  setBaseUrl(id: string, baseUrl: string): void {
    this.db.prepare('UPDATE agents SET base_url = ? WHERE id = ?').run(baseUrl, id);
  }

  get(id: string): AgentRecord | null {
    const row = this.db.prepare('SELECT * FROM agents WHERE id = ?').get(id) as AgentRow | undefined;
    return row ? fromRow(row) : null;
  }

  list(): AgentRecord[] {
    return (this.db.prepare('SELECT * FROM agents ORDER BY created_at').all() as AgentRow[]).map(fromRow);
  }

  forServer(serverId: string): AgentRecord[] {
    return (this.db.prepare('SELECT * FROM agents WHERE server_id = ?').all(serverId) as AgentRow[]).map(fromRow);
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM agents WHERE id = ?').run(id).changes > 0;
  }
}
