// Rows of the servers table. Secrets (keys, passwords) are never columns here: they live in the vault.
import type { ConsoleDb } from '../store/console-store.js';
import type { ServerSummary } from '../contracts/servers.js';
import type { SshTarget } from './ssh/ssh-connection.js';

export interface ServerRecord extends SshTarget {
  name: string;
  createdAt: string;
}

interface ServerRow {
  id: string;
  name: string;
  host: string;
  port: number;
  user: string;
  auth_kind: ServerRecord['authKind'];
  agent_socket: string | null;
  host_key_fingerprint: string | null;
  created_at: string;
}

const fromRow = (r: ServerRow): ServerRecord => ({
  id: r.id,
  name: r.name,
  host: r.host,
  port: r.port,
  user: r.user,
  authKind: r.auth_kind,
  agentSocket: r.agent_socket,
  hostKeyFingerprint: r.host_key_fingerprint,
  createdAt: r.created_at,
});

export function toServerSummary(s: ServerRecord): ServerSummary {
  return {
    id: s.id,
    name: s.name,
    host: s.host,
    port: s.port,
    user: s.user,
    authKind: s.authKind,
    hostKeyFingerprint: s.hostKeyFingerprint,
    createdAt: s.createdAt,
  };
}

export class ServersRepository {
  constructor(private readonly db: ConsoleDb) {}

  insert(s: ServerRecord): void {
    this.db
      .prepare(
        `INSERT INTO servers (id, name, host, port, user, auth_kind, agent_socket, host_key_fingerprint, created_at)
         VALUES (@id, @name, @host, @port, @user, @authKind, @agentSocket, @hostKeyFingerprint, @createdAt)`,
      )
      .run({ ...s, agentSocket: s.agentSocket ?? null });
  }

  get(id: string): ServerRecord | null {
    const row = this.db.prepare('SELECT * FROM servers WHERE id = ?').get(id) as ServerRow | undefined;
    return row ? fromRow(row) : null;
  }

  findByAddress(host: string, port: number, user: string): ServerRecord | null {
    const row = this.db.prepare('SELECT * FROM servers WHERE host = ? AND port = ? AND user = ?').get(host, port, user) as
      | ServerRow
      | undefined;
    return row ? fromRow(row) : null;
  }

  list(): ServerRecord[] {
    return (this.db.prepare('SELECT * FROM servers ORDER BY created_at, name').all() as ServerRow[]).map(fromRow);
  }

  setHostKeyFingerprint(id: string, fingerprint: string | null): void {
    this.db.prepare('UPDATE servers SET host_key_fingerprint = ? WHERE id = ?').run(fingerprint, id);
  }

  setAuthKind(id: string, authKind: ServerRecord['authKind']): void {
    this.db.prepare('UPDATE servers SET auth_kind = ? WHERE id = ?').run(authKind, id);
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM servers WHERE id = ?').run(id).changes > 0;
  }
}
