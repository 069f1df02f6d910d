// Tokens on a real SQLite file: only a hash is stored, and a token is accepted only whole, unrevoked.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './database.js';
import { OTHER_WRITERS_CHECK_MS, TokensRepository, VERIFIED_TOKEN_TTL_MS } from './tokens-repository.js';

let db: Db;
let tokens: TokensRepository;
beforeEach(() => {
  db = openDatabase(':memory:').db;
  tokens = new TokensRepository(db);
});
afterEach(() => db.close());

describe('TokensRepository', () => {
  it('verifies a created token and stores only the sha256 of its secret', () => {
    const { token, record } = tokens.create({ scope: 'read', tenant: 'acme', label: 'grafana' });
    expect(tokens.verify(token)).toMatchObject({ id: record.id, scope: 'read', tenant: 'acme', label: 'grafana' });
    const row = db.prepare('SELECT * FROM tokens').get() as Record<string, unknown>;
    const secret = token.split('_')[2];
    expect(JSON.stringify(row)).not.toContain(secret);
    expect((row.secret_sha256 as Buffer).length).toBe(32);
  });

  it('refuses a wrong secret, a malformed token, an unknown id and a revoked token', () => {
    const { token, record } = tokens.create({ scope: 'admin', tenant: 'acme' });
    const wrongSecret = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect(tokens.verify(wrongSecret)).toBeUndefined();
    expect(tokens.verify(token + 'x')).toBeUndefined();
    expect(tokens.verify('Bearer ' + token)).toBeUndefined();
    expect(tokens.verify(token.replace(record.id, 'zzzzzzzzzzzz'))).toBeUndefined();
    expect(tokens.revoke(record.id)).toBe(true);
    expect(tokens.verify(token)).toBeUndefined();
    expect(tokens.revoke(record.id)).toBe(false);
  });

  it('imports a token minted elsewhere, idempotently, and refuses a clash', () => {
    const minted = new TokensRepository(openDatabase(':memory:').db).create({ scope: 'admin', tenant: 'ops' }).token;
    const record = tokens.importToken(minted, { scope: 'admin', tenant: 'ops' });
    expect(tokens.verify(minted)).toMatchObject({ id: record.id, scope: 'admin', tenant: 'ops' });
    expect(tokens.importToken(minted, { scope: 'admin', tenant: 'ops' }).id).toBe(record.id);
    expect(() => tokens.importToken(minted, { scope: 'read', tenant: 'ops' })).toThrow(/another scope/);
    expect(() => tokens.importToken(minted.slice(0, -1) + (minted.endsWith('A') ? 'B' : 'A'), { scope: 'admin', tenant: 'ops' })).toThrow(/taken/);
    expect(() => tokens.importToken('nonsense', { scope: 'admin', tenant: 'ops' })).toThrow(/not a Mediafleet token/);
  });

  it('trusts a verified token for a few seconds, but a revoke through the repository takes effect at once', () => {
    let now = 1_000_000;
    const clocked = new TokensRepository(db, () => now);
    const { token, record } = clocked.create({ scope: 'submit', tenant: 'acme' });
    expect(clocked.verify(token)?.id).toBe(record.id);
    // A change behind the repository's back (same connection) is seen once the cached entry expires...
    db.prepare('UPDATE tokens SET revoked_at = 1 WHERE id = ?').run(record.id);
    expect(clocked.verify(token)?.id).toBe(record.id);
    now += VERIFIED_TOKEN_TTL_MS;
    expect(clocked.verify(token)).toBeUndefined();
    // ...while revoke() evicts the cached entry immediately.
    const second = clocked.create({ scope: 'read', tenant: 'acme' });
    expect(clocked.verify(second.token)?.id).toBe(second.record.id);
    expect(clocked.revoke(second.record.id)).toBe(true);
    expect(clocked.verify(second.token)).toBeUndefined();
  });

  it('refuses a token revoked by another process on the same database file (the CLI) within a quarter second', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-tokens-'));
    const file = path.join(dir, 'agent.sqlite');
    const agentDb = openDatabase(file).db;
    const cliDb = openDatabase(file).db;
    try {
      let now = 0;
      const agentTokens = new TokensRepository(agentDb, () => now);
      const { token, record } = agentTokens.create({ scope: 'admin', tenant: 'acme' });
      expect(agentTokens.verify(token)?.id).toBe(record.id);
      expect(new TokensRepository(cliDb).revoke(record.id)).toBe(true);
      now += OTHER_WRITERS_CHECK_MS;
      // Far inside the cache's lifetime, so only the other connection's write can have emptied it.
      expect(now).toBeLessThan(VERIFIED_TOKEN_TTL_MS);
      expect(agentTokens.verify(token)).toBeUndefined();
    } finally {
      agentDb.close();
      cliDb.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
