// HTTPS through the console contract on a real core: certificate attempts live in the store file, so after
// a console restart ssl:status still shows them with their reasons and nextAttemptAt, and ssl:enable still
// refuses to go back to the CA before then (no retry storm by restarting). Issuance against a real CA runs in
// electron/core/deploy/deploy-console.fleet.test.ts (Pebble).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateLoginKeyPair } from '../fleet/ssh/login-key.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsoleCore } from '../console-core.js';
import { freeLoopbackPort } from '../../../test-harness/console/free-loopback-port.js';
import { CertificateRepository } from './certificate-repository.js';
import { openTestCore } from '../../../test-harness/console/test-core.js';

let dir = '';
const cores: ConsoleCore[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

let clock = new Date('2026-11-24T10:00:00Z');
function openCore(): ConsoleCore {
  dir ||= mkdtempSync(join(tmpdir(), 'mf-https-core-'));
  const core = openTestCore(dir, { now: () => clock });
  cores.push(core);
  return core;
}

async function addUnreachableServer(c: ConsoleCore): Promise<string> {
  const id = randomUUID();
  c.fleet.servers.insert({
    id,
    name: 'unreachable',
    host: '127.0.0.1',
    port: await freeLoopbackPort(),
    user: 'root',
    authKind: 'key',
    agentSocket: null,
    hostKeyFingerprint: null,
    createdAt: clock.toISOString(),
  });
  await c.vault.set(`ssh:private-key:${id}`, generateLoginKeyPair('test').private);
  return id;
}

const domain = 'agent1.example.org';
const enable = { domain, email: 'ops@example.org' };

describe('HTTPS through the console contract', () => {
  it('needs deploy settings first, and validates the request', async () => {
    clock = new Date('2026-11-24T10:00:00Z');
    const c = openCore();
    const serverId = await addUnreachableServer(c);
    expect(await c.invoke('ssl:enable', { serverId, ...enable })).toMatchObject({ ok: false, error: { code: 'DEPLOY_SETTINGS_MISSING' } });
    expect(await c.invoke('ssl:enable', { serverId, ...enable, email: 'nope' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    await c.invoke('deploy:set-settings', { serverId, settings: { domain, agentImage: 'mediafleet/agent:1.0.0', agentVersion: '1.0.0' } });
    expect(await c.invoke('ssl:enable', { serverId, ...enable, domain: 'localhost' })).toMatchObject({ ok: false, error: { code: 'SSL_REQUEST_INVALID' } });
    expect(await c.invoke('ssl:status', { serverId })).toEqual({
      ok: true,
      data: { domain, notAfter: null, issuer: null, attempts: [], nextAttemptAt: null },
    });
  });

  it('keeps attempts, reasons and nextAttemptAt across a console restart, and the back-off holds after it', async () => {
    clock = new Date('2026-11-24T10:00:00Z');
    const first = openCore();
    const serverId = await addUnreachableServer(first);
    await first.invoke('deploy:set-settings', { serverId, settings: { domain, agentImage: 'mediafleet/agent:1.0.0', agentVersion: '1.0.0' } });
    // What enableHttps records when certbot fails (the fleet suite produces these from a real CA).
    const certs = new CertificateRepository(first.db);
    const reason = 'Invalid response from http://agent1.example.org/.well-known/acme-challenge/x: 404';
    certs.record(serverId, { domain, at: new Date('2026-11-24T09:58:00Z'), ok: false, code: 'ACME_CHALLENGE_FAILED', reason });
    certs.record(serverId, { domain, at: new Date('2026-11-24T09:59:00Z'), ok: false, code: 'ACME_CHALLENGE_FAILED', reason });
    const before = await first.invoke('ssl:status', { serverId });
    await first.close();
    cores.splice(0);

    const second = openCore();
    const after = await second.invoke('ssl:status', { serverId });
    expect(after).toEqual(before);
    expect(after).toMatchObject({
      ok: true,
      data: {
        domain,
        attempts: [
          { at: '2026-11-24T09:58:00.000Z', ok: false, code: 'ACME_CHALLENGE_FAILED', reason },
          { at: '2026-11-24T09:59:00.000Z', ok: false, code: 'ACME_CHALLENGE_FAILED', reason },
        ],
        // Two failures in a row: 5 min doubled, from the last one.
        nextAttemptAt: '2026-11-24T10:09:00.000Z',
      },
    });
    const refused = await second.invoke('ssl:enable', { serverId, ...enable });
    expect(refused).toMatchObject({ ok: false, error: { code: 'CERT_RETRY_LATER' } });
    expect((refused as { error: { message: string } }).error.message).toContain('2026-11-24T10:09:00.000Z');
    // Refused before any operation: nothing started, the server was not contacted.
    expect(second.operations.list({ targetId: serverId })).toEqual([]);

    clock = new Date('2026-11-24T10:09:01Z');
    const allowed = await second.invoke('ssl:enable', { serverId, ...enable });
    expect(allowed.ok).toBe(true);
    const { operationId } = (allowed as { data: { operationId: string } }).data;
    await second.operations.settled(operationId);
    expect(second.operations.eventsSince(operationId).at(-1)).toMatchObject({ phase: 'failed', error: { code: 'SSH_CONNECT_FAILED' } });
    expect(second.operations.status(operationId)).toMatchObject({ kind: 'ssl', status: 'failed' });
    // An SSH failure never reached the CA, so it is not an issuance attempt.
    expect((await second.invoke('ssl:status', { serverId }) as { data: { attempts: unknown[] } }).data.attempts).toHaveLength(2);
    expect(second.audit.list({ targetId: serverId }).map((e) => e.action)).toEqual(expect.arrayContaining(['ssl.started', 'ssl.failed']));
  });

  it('counts failures per domain across servers (the CA does)', async () => {
    clock = new Date('2026-11-24T10:00:00Z');
    const c = openCore();
    const a = await addUnreachableServer(c);
    const b = await addUnreachableServer(c);
    for (const id of [a, b]) await c.invoke('deploy:set-settings', { serverId: id, settings: { domain, agentImage: 'mediafleet/agent:1.0.0', agentVersion: '1.0.0' } });
    new CertificateRepository(c.db).record(a, { domain, at: new Date('2026-11-24T09:59:00Z'), ok: false, code: 'ACME_RATE_LIMITED', reason: 'too many failed authorizations' });
    expect(await c.invoke('ssl:enable', { serverId: b, ...enable })).toMatchObject({ ok: false, error: { code: 'CERT_RETRY_LATER' } });
  });
});
