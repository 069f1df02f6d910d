// Agents the console talks to (one per provisioned server, plus any added by URL). Their admin tokens live
// in the vault under secretNames.agentAdminToken(id).
import { randomUUID } from 'node:crypto';
import type { ConsoleDb } from '../store/console-store.js';

export interface AgentRecord {
  id: string;
  serverId: string | null;
  name: string;
  baseUrl: string;
  createdAt: string;
}

interface AgentRow {
  id: string;
  server_id: string | null;
  name: string;
  base_url: string;
  created_at: string;
}

const fromRow = (r: AgentRow): AgentRecord => ({
  id: r.id,
  serverId: r.server_id,
  name: r.name,
  baseUrl: r.base_url,
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
  upsert(agent: { serverId: string | null; name: string; baseUrl: string }): AgentRecord {
    const existing = (
      agent.serverId !== null
        ? this.db.prepare('SELECT * FROM agents WHERE server_id = ? ORDER BY created_at LIMIT 1').get(agent.serverId)
        : this.db.prepare('SELECT * FROM agents WHERE base_url = ? AND server_id IS NULL').get(agent.baseUrl)
    ) as AgentRow | undefined;
    if (existing) {
      this.db.prepare('UPDATE agents SET name = ?, base_url = ? WHERE id = ?').run(agent.name, agent.baseUrl, existing.id);
      return { ...fromRow(existing), name: agent.name, baseUrl: agent.baseUrl };
    }
    const record: AgentRecord = { id: randomUUID(), ...agent, createdAt: this.now().toISOString() };
    this.db
      .prepare('INSERT INTO agents (id, server_id, name, base_url, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(record.id, record.serverId, record.name, record.baseUrl, record.createdAt);
    return record;
  }

  /** Points an agent at a new URL (its token stays valid: same agent, reached another way). */
  setBaseUrl(id: string, baseUrl: string): void {
    this.db.prepare('UPDATE agents SET base_url = ? WHERE id = ?').run(baseUrl, id);
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
