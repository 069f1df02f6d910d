import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLoginKeyPair } from './fleet/ssh/login-key.js';
import { afterEach, describe, expect, it } from 'vitest';
import { consoleMethods } from './api.js';
import type { ConsoleCore } from './console-core.js';
import { openTestCore } from './testing/test-core.js';

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
  it('implements every method of the servers, provisioning, health, alerts, audit and shell contracts', () => {
    const c = makeCore();
    const mine = Object.keys(consoleMethods).filter((m) => /^(servers|provision|health|alerts|audit|shell):/.test(m));
    expect(mine.length).toBeGreaterThan(15);
    for (const m of mine) expect(c.invoke(m, {})).toBeInstanceOf(Promise);
  });

  it('answers with envelopes: data, invalid input, unknown method, domain errors with stable codes', async () => {
    const c = makeCore();
    expect(await c.invoke('servers:list', {})).toEqual({ ok: true, data: [] });
    expect(await c.invoke('servers:add', { name: '', host: 'x' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await c.invoke('nope:nothing', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    expect(await c.invoke('provision:resume', { operationId: 'missing' })).toMatchObject({ ok: false, error: { code: 'OPERATION_NOT_FOUND' } });
    expect(await c.invoke('provision:status', { operationId: 'missing' })).toMatchObject({ ok: false, error: { code: 'OPERATION_NOT_FOUND' } });
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

  it('audit entries redact secret-looking fields', () => {
    const c = makeCore();
    c.audit.record('test', 't1', { password: 'hunter2', nested: { apiKey: 'k-123', host: 'h' }, token: 'tok' });
    const [entry] = c.audit.list({ targetId: 't1' });
    expect(entry!.detail).toEqual({ password: '[redacted]', nested: { apiKey: '[redacted]', host: 'h' }, token: '[redacted]' });
  });
});
