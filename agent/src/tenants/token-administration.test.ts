// Token administration on a real SQLite file: the environment's admin token is the operator's all-tenants token
// (registered once, audited once, raised from the admin scope an older agent gave it), and a tenant admin's reach.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database.js';
import { AuditRepository } from '../store/audit-repository.js';
import { TokensRepository } from '../store/tokens-repository.js';
import { TokenAdministration, type TokenAdminCaller } from './token-administration.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function open() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-token-admin-'));
  dirs.push(dir);
  const { db } = openDatabase(path.join(dir, 'agent.sqlite'));
  const tokens = new TokensRepository(db);
  const audit = new AuditRepository(db);
  return { db, tokens, audit, admin: new TokenAdministration(tokens, audit) };
}

const operator: TokenAdminCaller = { kind: 'operator', via: 'test' };

describe('token administration', () => {
  it('registers MEDIAFLEET_ADMIN_TOKEN as an all-tenants token, once, and raises one an older agent registered as admin', () => {
    const { db, tokens, audit, admin } = open();
    const minted = tokens.create({ scope: 'read', tenant: 'x' }).token.replace(/^mf_[a-z0-9]{12}_/, 'mf_abcdefghijkl_');
    expect(admin.importOperatorToken(minted, 'fleet')).toMatchObject({ scope: 'all-tenants', tenant: 'fleet' });
    admin.importOperatorToken(minted, 'fleet');
    expect(audit.list({ limit: 10 }).filter((e) => e.target === 'abcdefghijkl').map((e) => [e.action, e.actor])).toEqual([['token.created', 'operator:MEDIAFLEET_ADMIN_TOKEN']]);
    // As an agent before the all-tenants scope left it:
    db.prepare("UPDATE tokens SET scope = 'admin' WHERE id = 'abcdefghijkl'").run();
    expect(admin.importOperatorToken(minted, 'fleet').scope).toBe('all-tenants');
    expect(tokens.verify(minted)?.scope).toBe('all-tenants');
    db.close();
  });

  it("keeps a tenant's admin to its tenant, and the all-tenants scope to the operator", () => {
    const { db, tokens, admin } = open();
    const acmeAdmin: TokenAdminCaller = { kind: 'token', token: tokens.create({ scope: 'admin', tenant: 'acme' }).record };
    const console: TokenAdminCaller = { kind: 'token', token: admin.create(operator, { scope: 'all-tenants', tenant: 'acme' }).record };
    expect(() => admin.create(acmeAdmin, { scope: 'read', tenant: 'globex' })).toThrow(/manages tenant "acme" only/);
    expect(() => admin.create(acmeAdmin, { scope: 'all-tenants', tenant: 'acme' })).toThrow(/operator/);
    expect(() => admin.create(console, { scope: 'all-tenants', tenant: 'acme' })).toThrow(/operator/);
    const globex = admin.create(console, { scope: 'submit', tenant: 'globex' }).record;
    expect(() => admin.revoke(acmeAdmin, globex.id)).toThrow(/no token/);
    expect(() => admin.revoke(acmeAdmin, console.kind === 'token' ? console.token.id : '')).toThrow(/no token/);
    expect(admin.list(acmeAdmin).map((t) => [t.tenant, t.scope])).toEqual([['acme', 'admin']]);
    expect(admin.list(console).map((t) => t.tenant).sort()).toEqual(['acme', 'acme', 'globex']);
    expect(admin.revoke(console, globex.id).changed).toBe(true);
    expect(admin.revoke(console, globex.id).changed).toBe(false);
    db.close();
  });
});
