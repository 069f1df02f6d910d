import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLoginKeyPair } from './fleet/ssh/login-key.js';
import { afterEach, describe, expect, it } from 'vitest';
import { consoleMethods } from './api.js';
import type { ConsoleCore } from './console-core.js';
import { openTestCore } from '../../test-harness/console/test-core.js';

let core: ConsoleCore | null = null;
let dir = '';
afterEach(async () => {
  await core?.close();
  core = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function makeCore() {
  dir = mkdtempSync(join(tmpdir(), 'mf-core-'));
  core = openTestCore(dir);
  return core;
}

describe('console core', () => {
  it('implements every method of the contract: none answers UNKNOWN_METHOD or NOT_IMPLEMENTED', async () => {
    const c = makeCore();
    expect(c.registry.unimplemented()).toEqual([]);
    const names = Object.keys(consoleMethods);
    expect(names.length).toBeGreaterThan(50);
    for (const name of names) {
      // An empty input is refused by most schemas; what matters is that the method is there to refuse it.
      const answer = await c.invoke(name, {});
      if (!answer.ok) expect(['UNKNOWN_METHOD', 'NOT_IMPLEMENTED'], `${name}: ${answer.error.message}`).not.toContain(answer.error.code);
    }
  });

  it('answers with envelopes: data, invalid input, unknown method, domain errors with stable codes', async () => {
    const c = makeCore();
    expect(await c.invoke('servers:list', {})).toEqual({ ok: true, data: [] });
    expect(await c.invoke('servers:add', { name: '', host: 'x' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await c.invoke('nope:nothing', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    expect(await c.invoke('operations:resume', { operationId: 'missing' })).toMatchObject({ ok: false, error: { code: 'OPERATION_NOT_FOUND' } });
    expect(await c.invoke('operations:status', { operationId: 'missing' })).toMatchObject({ ok: false, error: { code: 'OPERATION_NOT_FOUND' } });
    expect(await c.invoke('provision:start', { serverId: '00000000-0000-4000-8000-000000000000' })).toMatchObject({
      ok: false,
      error: { code: 'SERVER_NOT_FOUND' },
    });
  });

  it('adding an unreachable server fails cleanly and leaves nothing behind', async () => {
    const c = makeCore();
    // Port 1 (tcpmux) on loopback: nothing listens there, so the connection is refused. A port that was
    // free a moment ago is not enough: tests running in parallel can take it in between.
    const port = 1;
    const key = generateLoginKeyPair('test').private;
    const res = await c.invoke('servers:add', {
      name: 'down',
      host: '127.0.0.1',
      port,
      user: 'root',
      auth: { kind: 'key', privateKey: key },
    });
    expect(res).toMatchObject({ ok: false, error: { code: 'SSH_CONNECT_FAILED' } });
    const garbage = await c.invoke('servers:add', {
      name: 'bad-key',
      host: '127.0.0.1',
      port,
      user: 'root',
      auth: { kind: 'key', privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nsecret-material\n-----END OPENSSH PRIVATE KEY-----' },
    });
    expect(garbage).toMatchObject({ ok: false, error: { code: 'INVALID_KEY' } });
    expect((garbage as { error: { message: string } }).error.message).not.toContain('secret-material');
    expect(await c.invoke('servers:list', {})).toEqual({ ok: true, data: [] });
    expect(JSON.stringify(c.audit.list())).not.toContain(key.split('\n')[1]!);
  });

  it('keeps a server that cannot be reached yet when asked, to set up later; records refused attempts', async () => {
    const c = makeCore();
    const key = generateLoginKeyPair('test').private;
    const later = { name: 'not-booted-yet', host: '127.0.0.1', port: 1, user: 'root', auth: { kind: 'key', privateKey: key }, keepIfUnreachable: true };
    const kept = await c.invoke('servers:add', later);
    expect(kept).toMatchObject({ ok: true, data: { name: 'not-booted-yet', reached: false, hostKeyFingerprint: null } });
    const serverId = (kept as { data: { id: string } }).data.id;
    expect(await c.invoke('servers:list', {})).toMatchObject({ ok: true, data: [{ id: serverId, name: 'not-booted-yet' }] });
    // Its key is in the vault for the later contact.
    expect(await c.vault.get(`ssh:private-key:${serverId}`)).toBe(key);

    // A password login cannot wait (the password is used once): refused even when asked to keep it.
    const withPassword = await c.invoke('servers:add', { ...later, name: 'pw', port: 2, auth: { kind: 'generate', password: 'x' } });
    expect(withPassword).toMatchObject({ ok: false, error: { code: 'SSH_CONNECT_FAILED' } });
    const duplicate = await c.invoke('servers:add', later);
    expect(duplicate).toMatchObject({ ok: false, error: { code: 'SERVER_EXISTS' } });

    const entries = (await c.invoke('audit:list', {})) as { ok: true; data: Array<{ action: string; targetId: string | null; targetName: string | null; detail: Record<string, unknown> }> };
    const byAction = (action: string) => entries.data.filter((e) => e.action === action);
    expect(byAction('server.added')).toEqual([
      expect.objectContaining({ targetId: serverId, targetName: 'not-booted-yet', detail: expect.objectContaining({ reached: false, code: 'SSH_CONNECT_FAILED' }) }),
    ]);
    expect(byAction('server.add-refused').map((e) => [e.targetId, e.detail.name, e.detail.code])).toEqual([
      [null, 'not-booted-yet', 'SERVER_EXISTS'],
      [null, 'pw', 'SSH_CONNECT_FAILED'],
    ]);
    expect(JSON.stringify(entries)).not.toContain(key.split('\n')[1]!);

    // Removed, it keeps its name in the log.
    await c.invoke('servers:remove', { serverId });
    const after = (await c.invoke('audit:list', {})) as typeof entries;
    expect(after.data.find((e) => e.action === 'server.removed')).toMatchObject({ targetId: serverId, targetName: 'not-booted-yet' });
  });

  it('audit entries redact secret-looking fields', () => {
    const c = makeCore();
    c.audit.record('test', 't1', { password: 'hunter2', nested: { apiKey: 'k-123', host: 'h' }, token: 'tok' });
    const [entry] = c.audit.list({ targetId: 't1' });
    expect(entry!.detail).toEqual({ password: '[redacted]', nested: { apiKey: '[redacted]', host: 'h' }, token: '[redacted]' });
  });
});
