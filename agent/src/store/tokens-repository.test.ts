// Tokens on a real SQLite file: only a hash is stored, and a token is accepted only whole, unrevoked.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './database.js';
import { TokensRepository } from './tokens-repository.js';

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
});
