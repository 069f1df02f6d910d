// servers:public-key through the console contract on a real core (SQLite file, file vault): the public half of
// the login key in authorized_keys form with its OpenSSH fingerprint, computed from the key in the vault; an
// ssh-agent login has none; the private key never appears in the answer.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLoginKeyPair } from './ssh/login-key.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsoleCore } from '../console-core.js';
import { secretNames } from '../secrets/secret-vault.js';
import { openTestCore } from '../../../test-harness/console/test-core.js';

let dir = '';
let core: ConsoleCore | undefined;
afterEach(async () => {
  await core?.close();
  core = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function openCore(): ConsoleCore {
  dir = mkdtempSync(join(tmpdir(), 'mf-public-key-'));
  core = openTestCore(dir);
  return core;
}

let nextPort = 2200;
function insertServer(c: ConsoleCore, authKind: 'key' | 'generate' | 'agent'): string {
  const id = randomUUID();
  c.fleet.servers.insert({
    id,
    name: 'web 1',
    host: '127.0.0.1',
    port: nextPort++,
    user: 'root',
    authKind,
    agentSocket: authKind === 'agent' ? '/tmp/none.sock' : null,
    hostKeyFingerprint: null,
    createdAt: new Date().toISOString(),
  });
  return id;
}

describe('servers:public-key', () => {
  it("gives the key's public half and the fingerprint ssh-keygen prints for it", async () => {
    const c = openCore();
    const id = insertServer(c, 'generate');
    const keys = generateLoginKeyPair('test');
    await c.vault.set(secretNames.sshPrivateKey(id), keys.private);
    const answer = await c.invoke('servers:public-key', { serverId: id });
    if (!answer.ok) throw new Error(answer.error.message);
    const data = answer.data as { authKind: string; publicKey: string; fingerprint: string };
    expect(data.authKind).toBe('generate');
    // Same key material as ssh2 derives, with a comment naming the server.
    expect(data.publicKey.split(' ').slice(0, 2).join(' ')).toBe(keys.public.split(' ').slice(0, 2).join(' '));
    expect(data.publicKey).toMatch(/ mediafleet-web-1$/);
    // OpenSSH's own tool agrees on the fingerprint.
    writeFileSync(join(dir, 'key.pub'), `${data.publicKey}\n`);
    expect(execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'key.pub')], { encoding: 'utf8' })).toContain(data.fingerprint);
    expect(JSON.stringify(answer)).not.toContain('PRIVATE KEY');
  });

  it('an encrypted key is read with its passphrase from the vault', async () => {
    const c = openCore();
    const id = insertServer(c, 'key');
    const keys = generateLoginKeyPair('test', { passphrase: 'pw-123', cipher: 'aes256-ctr', rounds: 16 });
    await c.vault.set(secretNames.sshPrivateKey(id), keys.private);
    await c.vault.set(secretNames.sshKeyPassphrase(id), 'pw-123');
    const answer = await c.invoke('servers:public-key', { serverId: id });
    expect(answer).toMatchObject({ ok: true, data: { authKind: 'key', publicKey: expect.stringMatching(/^ssh-ed25519 /) } });
  });

  it('has nothing for an ssh-agent login, and says so clearly for an unknown server or a missing key', async () => {
    const c = openCore();
    const agentId = insertServer(c, 'agent');
    expect(await c.invoke('servers:public-key', { serverId: agentId })).toEqual({ ok: true, data: { authKind: 'agent', publicKey: null, fingerprint: null } });
    expect(await c.invoke('servers:public-key', { serverId: randomUUID() })).toMatchObject({ ok: false, error: { code: 'SERVER_NOT_FOUND' } });
    const keyless = insertServer(c, 'key');
    expect(await c.invoke('servers:public-key', { serverId: keyless })).toMatchObject({ ok: false, error: { code: 'SSH_KEY_MISSING' } });
    expect(await c.invoke('servers:public-key', { serverId: 'not-a-uuid' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });
});
