// API tokens: `mf_<id>_<secret>`. Only sha256(secret) is stored; lookups go by id and compare the hash in
// constant time, so neither a database leak nor response timing reveals a usable token. Every request checks a
// token, so a token that verified is remembered for a few seconds (see VerifiedTokenCache).
import crypto from 'node:crypto';
import { tokenScopes } from '../contracts/http-v1.js';
import type { Db } from './database.js';
import { statementCache } from './statement-cache.js';

export { tokenScopes };
export type TokenScope = (typeof tokenScopes)[number];

export interface TokenRecord {
  id: string;
  scope: TokenScope;
  tenant: string;
  label: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

interface TokenRow {
  id: string;
  secret_sha256: Buffer;
  scope: TokenScope;
  tenant: string;
  label: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

const tokenPattern = /^mf_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

function toRecord(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    scope: row.scope,
    tenant: row.tenant,
    label: row.label,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

/** How long a verified token is trusted without asking the database again. */
export const VERIFIED_TOKEN_TTL_MS = 5_000;
/** How often the cache asks SQLite whether another process wrote (a query costs about as much as a token check). */
export const OTHER_WRITERS_CHECK_MS = 250;
const MAX_CACHED_TOKENS = 1_000;

/**
 * Tokens that verified recently, keyed by the sha256 of the whole bearer string (never the string itself), so a
 * hit needs one hash and no query. A revoke in this process evicts at once; a write by another process (the
 * `token revoke` CLI on the same file) changes SQLite's `data_version`, which empties the cache before the next
 * lookup, at most OTHER_WRITERS_CHECK_MS later. A lookup by hash leaks nothing through timing: an attacker cannot steer a
 * secret's sha256.
 */
class VerifiedTokenCache {
  private readonly entries = new Map<string, { record: TokenRecord; until: number }>();
  private seenDataVersion: number;
  private checkedDataVersionAt: number;
  private readonly readDataVersion: () => number;

  constructor(db: Db, private readonly now: () => number) {
    const statement = db.prepare('PRAGMA data_version').pluck();
    this.readDataVersion = () => statement.get() as number;
    this.seenDataVersion = this.readDataVersion();
    this.checkedDataVersionAt = now();
  }

  get(key: string): TokenRecord | undefined {
    const now = this.now();
    if (now - this.checkedDataVersionAt >= OTHER_WRITERS_CHECK_MS || now < this.checkedDataVersionAt) {
      this.checkedDataVersionAt = now;
      const dataVersion = this.readDataVersion();
      if (dataVersion !== this.seenDataVersion) {
        this.entries.clear();
        this.seenDataVersion = dataVersion;
        return undefined;
      }
    }
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.record;
  }

  set(key: string, record: TokenRecord): void {
    // Many distinct live tokens within a few seconds is unusual; starting over bounds the memory simply.
    if (this.entries.size >= MAX_CACHED_TOKENS) this.entries.clear();
    this.entries.set(key, { record: Object.freeze({ ...record }), until: this.now() + VERIFIED_TOKEN_TTL_MS });
  }

  evictTokenId(id: string): void {
    for (const [key, entry] of this.entries) if (entry.record.id === id) this.entries.delete(key);
  }
}

export class TokensRepository {
  private readonly sql: ReturnType<typeof statementCache>;
  private readonly verified: VerifiedTokenCache;

  constructor(db: Db, now: () => number = Date.now) {
    this.sql = statementCache(db);
    this.verified = new VerifiedTokenCache(db, now);
  }

  create(input: { scope: TokenScope; tenant: string; label?: string }): { token: string; record: TokenRecord } {
    const id = crypto.randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12);
    const secret = crypto.randomBytes(32).toString('base64url');
    const now = Date.now();
    this.sql('INSERT INTO tokens (id, secret_sha256, scope, tenant, label, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, sha256(secret), input.scope, input.tenant, input.label ?? null, now);
    return { token: `mf_${id}_${secret}`, record: this.get(id)! };
  }

  /**
   * Registers a token minted elsewhere (e.g. handed to a rented instance as MEDIAFLEET_ADMIN_TOKEN), so the
   * secret never has to be written into a script. Idempotent; a token id already used with another secret
   * or scope is refused.
   */
  importToken(token: string, input: { scope: TokenScope; tenant: string; label?: string }): TokenRecord {
    const match = tokenPattern.exec(token);
    if (!match) throw new Error('not a Mediafleet token (mf_<12 chars>_<43 chars>)');
    const existing = this.verify(token);
    if (existing) {
      // Registered by an agent from before the all-tenants scope existed: the same token, raised to the scope it now gets.
      if (existing.scope === 'admin' && input.scope === 'all-tenants' && existing.tenant === input.tenant && existing.label === input.label) {
        this.sql('UPDATE tokens SET scope = ? WHERE id = ?').run(input.scope, existing.id);
        this.verified.evictTokenId(existing.id);
        return this.get(existing.id)!;
      }
      if (existing.scope !== input.scope || existing.tenant !== input.tenant) throw new Error(`token ${existing.id} exists with another scope or tenant`);
      return existing;
    }
    if (this.get(match[1])) throw new Error(`token id ${match[1]} is taken or revoked`);
    this.sql('INSERT INTO tokens (id, secret_sha256, scope, tenant, label, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(match[1], sha256(match[2]), input.scope, input.tenant, input.label ?? null, Date.now());
    return this.get(match[1])!;
  }

  /** The live token this bearer string names, or undefined (unknown, malformed, wrong secret or revoked). */
  verify(bearer: string): TokenRecord | undefined {
    const match = tokenPattern.exec(bearer);
    if (!match) return undefined;
    const cacheKey = sha256(bearer).toString('base64');
    const cached = this.verified.get(cacheKey);
    if (cached) return cached;
    const row = this.sql('SELECT * FROM tokens WHERE id = ?').get(match[1]) as TokenRow | undefined;
    // Hash even when the id is unknown so both paths cost the same.
    const presented = sha256(match[2]);
    const stored = row?.secret_sha256 ?? Buffer.alloc(32);
    const equal = crypto.timingSafeEqual(presented, stored);
    if (!row || !equal || row.revoked_at !== null) return undefined;
    const record = toRecord(row);
    this.verified.set(cacheKey, record);
    return record;
  }

  get(id: string): TokenRecord | undefined {
    const row = this.sql('SELECT * FROM tokens WHERE id = ?').get(id) as TokenRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** Every token, or one tenant's. */
  list(tenant?: string): TokenRecord[] {
    const rows = tenant === undefined ? this.sql('SELECT * FROM tokens ORDER BY created_at, id').all() : this.sql('SELECT * FROM tokens WHERE tenant = ? ORDER BY created_at, id').all(tenant);
    return (rows as TokenRow[]).map(toRecord);
  }

  /** Removes a tenant's tokens altogether (erasing a tenant), never an all-tenants token; returns how many. */
  deleteForTenant(tenant: string): number {
    const ids = (this.sql("SELECT id FROM tokens WHERE tenant = ? AND scope != 'all-tenants'").all(tenant) as Array<{ id: string }>).map((r) => r.id);
    this.sql("DELETE FROM tokens WHERE tenant = ? AND scope != 'all-tenants'").run(tenant);
    for (const id of ids) this.verified.evictTokenId(id);
    return ids.length;
  }

  revoke(id: string): boolean {
    const changed = this.sql('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(Date.now(), id).changes === 1;
    this.verified.evictTokenId(id);
    return changed;
  }
}

function sha256(text: string): Buffer {
  return crypto.createHash('sha256').update(text).digest();
}
