// Certificate attempts and installed certificates in the console store. Attempts are kept per domain (the
// CA counts failures per hostname), so the issuance policy sees every earlier attempt, also after a restart.
import type { ConsoleDb } from '../store/console-store.js';
import type { IssuanceAttempt, IssuanceAttemptLog } from './issuance-policy.js';

export interface StoredCertificate {
  domain: string;
  notAfter: string;
  issuer: string;
  serial: string;
  updatedAt: string;
}

interface AttemptRow {
  domain: string;
  at: string;
  ok: number;
  code: string | null;
  reason: string | null;
}

const fromRow = (r: AttemptRow): IssuanceAttempt => ({
  domain: r.domain,
  at: new Date(r.at),
  ok: r.ok === 1,
  ...(r.code ? { code: r.code } : {}),
  ...(r.reason ? { reason: r.reason } : {}),
});

export class CertificateRepository {
  constructor(
    private readonly db: ConsoleDb,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Every attempt for the domain, oldest first, whichever server made it. */
  attemptsForDomain(domain: string): IssuanceAttempt[] {
    const rows = this.db.prepare('SELECT domain, at, ok, code, reason FROM certificate_attempts WHERE domain = ? ORDER BY at, id').all(domain) as AttemptRow[];
    return rows.map(fromRow);
  }

  /** The server's latest attempts for the domain, oldest first. */
  attemptsForServer(serverId: string, domain: string, limit = 20): IssuanceAttempt[] {
    const rows = this.db
      .prepare('SELECT domain, at, ok, code, reason FROM certificate_attempts WHERE server_id = ? AND domain = ? ORDER BY at DESC, id DESC LIMIT ?')
      .all(serverId, domain, limit) as AttemptRow[];
    return rows.map(fromRow).reverse();
  }

  lastAttemptedDomain(serverId: string): string | null {
    const row = this.db.prepare('SELECT domain FROM certificate_attempts WHERE server_id = ? ORDER BY at DESC, id DESC LIMIT 1').get(serverId) as
      | { domain: string }
      | undefined;
    return row?.domain ?? null;
  }

  record(serverId: string, a: IssuanceAttempt): void {
    this.db
      .prepare('INSERT INTO certificate_attempts (server_id, domain, at, ok, code, reason) VALUES (?, ?, ?, ?, ?, ?)')
      .run(serverId, a.domain, a.at.toISOString(), a.ok ? 1 : 0, a.code ?? null, a.reason ?? null);
  }

  /** The IssuanceAttemptLog port of enableHttps, writing attempts as this server's. */
  attemptLog(serverId: string): IssuanceAttemptLog {
    return {
      list: async (domain) => this.attemptsForDomain(domain),
      record: async (attempt) => this.record(serverId, attempt),
    };
  }

  saveCertificate(serverId: string, c: { domain: string; notAfter: Date; issuer: string; serial: string }): void {
    this.db
      .prepare(
        `INSERT INTO server_certificates (server_id, domain, not_after, issuer, serial, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(server_id, domain) DO UPDATE SET not_after = excluded.not_after, issuer = excluded.issuer,
           serial = excluded.serial, updated_at = excluded.updated_at`,
      )
      .run(serverId, c.domain, c.notAfter.toISOString(), c.issuer, c.serial, this.now().toISOString());
  }

  certificate(serverId: string, domain: string): StoredCertificate | null {
    const row = this.db.prepare('SELECT * FROM server_certificates WHERE server_id = ? AND domain = ?').get(serverId, domain) as
      | { domain: string; not_after: string; issuer: string; serial: string; updated_at: string }
      | undefined;
    return row ? { domain: row.domain, notAfter: row.not_after, issuer: row.issuer, serial: row.serial, updatedAt: row.updated_at } : null;
  }
}
