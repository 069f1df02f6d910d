// The headless console's HTTP + WebSocket edge on a real socket: token, host check, read-only mode, input
// validation, uploads streamed to disk, events, security headers.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { consoleMethods } from '../core/api.js';
import { localAgentStatus } from '../core/contracts/agents.js';
import { analysisStatus, cancelAnalysis, listSubmissions } from '../core/contracts/analyze.js';
import { ConsoleError, defineEvent } from '../core/contracts/define.js';
import { EventHub } from '../core/registry/event-hub.js';
import { MethodRegistry } from '../core/registry/method-registry.js';
import { createConsoleServer } from './console-server.js';

const token = 'test-token-0123456789abcdef';
const ping = defineEvent('test:ping', z.object({ n: z.number() }));

async function start(readOnly: boolean, dir: string, events: EventHub) {
  const calls: string[] = [];
  // The real pipeline with a few handlers; every other method is unimplemented here.
  const registry = new MethodRegistry(consoleMethods, () => undefined);
  registry.implement(localAgentStatus, () => ({ state: 'running' as const, url: 'http://127.0.0.1:1', message: null }));
  registry.implement(listSubmissions, () => {
    calls.push('analyze:list');
    return [];
  });
  registry.implement(analysisStatus, ({ submissionId }) => {
    throw new ConsoleError('NOT_FOUND', `no submission ${submissionId}`);
  });
  // Returns something that breaks its own contract, to prove outputs are checked too.
  registry.implement(cancelAnalysis, (() => ({ canceled: 'yes' })) as unknown as () => { canceled: boolean });
  const app = await createConsoleServer({
    core: { invoke: (method, input, caller) => registry.invoke(method, input, caller), events },
    token,
    readOnly,
    rendererDir: join(dir, 'renderer'),
    uploadDir: join(dir, 'uploads'),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, base: `http://127.0.0.1:${port}`, port, calls };
}

const invoke = (base: string, method: string, body: unknown, auth = token) =>
  fetch(`${base}/api/invoke/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('headless console server', () => {
  let dir: string;
  let full: Awaited<ReturnType<typeof start>>;
  let readOnly: Awaited<ReturnType<typeof start>>;
  const events = new EventHub({ onInvalid: 'throw' });
  const apps: FastifyInstance[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mf-server-'));
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'renderer'));
    await writeFile(join(dir, 'renderer', 'index.html'), '<!doctype html><title>Mediafleet</title>');
    full = await start(false, dir, events);
    readOnly = await start(true, dir, events);
    apps.push(full.app, readOnly.app);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the renderer with a strict CSP and without a token (the page then uses the token)', async () => {
    const res = await fetch(`${full.base}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>Mediafleet</title>');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`ws://127.0.0.1:${full.port}`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('refuses API calls without the right token', async () => {
    expect((await invoke(full.base, 'analyze:list', {}, 'wrong')).status).toBe(401);
    const res = await fetch(`${full.base}/api/invoke/analyze:list`, { method: 'POST' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
  });

  it('answers only to its own host name (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${full.base}/`, { headers: { host: 'attacker.example:80' } }, (res) => resolve(res.statusCode!));
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it('runs a method and returns the ok envelope', async () => {
    const res = await invoke(full.base, 'analyze:list', {});
    expect(await res.json()).toEqual({ ok: true, data: [] });
  });

  it('validates input with the method schema and says which field is wrong', async () => {
    const res = await invoke(full.base, 'analyze:submit', { path: '' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('INVALID_INPUT');
    expect(body.error.message).toContain('path');
  });

  it('passes domain errors through with their code, and checks outputs against the contract', async () => {
    const notFound = (await (await invoke(full.base, 'analyze:status', { submissionId: 'x' })).json()) as { ok: boolean; error: { code: string } };
    expect(notFound).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const bad = (await (await invoke(full.base, 'analyze:cancel', { submissionId: 'x' })).json()) as { error: { code: string } };
    expect(bad.error.code).toBe('INTERNAL');
  });

  it('names unknown methods and methods without an implementation differently', async () => {
    expect((await invoke(full.base, 'nope:nothing', {})).status).toBe(404);
    const res = await invoke(full.base, 'health:snapshot', {});
    expect(res.status).toBe(501);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_IMPLEMENTED');
  });

  it('streams an upload to a file under the upload folder', async () => {
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(300_000, 7)]), '../../evil name.jpg');
    const res = await fetch(`${full.base}/api/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    const body = (await res.json()) as { ok: true; data: { path: string; name: string; bytes: number } };
    expect(body.ok).toBe(true);
    expect(body.data.bytes).toBe(300_000);
    expect(body.data.path.startsWith(join(dir, 'uploads'))).toBe(true);
    expect(body.data.name).toBe('evil name.jpg');
    expect((await readFile(body.data.path)).length).toBe(300_000);
  });

  describe('read-only mode', () => {
    it('allows read-only methods', async () => {
      const res = await invoke(readOnly.base, 'agents:local-status', {});
      expect(await res.json()).toMatchObject({ ok: true, data: { state: 'running' } });
    });

    it('refuses every method not marked readOnly before running it, with READ_ONLY', async () => {
      for (const method of ['analyze:submit', 'analyze:result', 'analyze:preview', 'servers:add', 'provision:start', 'shell:open', 'tokens:create', 'tokens:revoke']) {
        const res = await invoke(readOnly.base, method, {});
        expect(res.status).toBe(403);
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe('READ_ONLY');
        expect(body.error.message).toContain('read-only');
      }
      expect(readOnly.calls).toEqual([]);
    });

    it('refuses uploads', async () => {
      const form = new FormData();
      form.append('file', new Blob(['x']), 'a.jpg');
      const res = await fetch(`${readOnly.base}/api/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
      expect(res.status).toBe(403);
    });

    it('marks no secret-revealing or changing method as readOnly', () => {
      const readOnlyNames = Object.values(consoleMethods)
        .filter((m) => m.readOnly)
        .map((m) => m.name);
      // A video's keyframe (a thumbnail) is not a key.
      // tokens:list is the one "token" method a read-only console may call: it lists the metadata of an agent's
      // tokens, and its schema drops a secret even if an agent sent one (checked below).
      // servers:public-key answers the public half of a login key (what authorized_keys holds); its schema has no
      // field for a private key (checked below).
      const metadataOnly = new Set(['tokens:list', 'servers:public-key']);
      for (const name of readOnlyNames.filter((n) => !metadataOnly.has(n))) {
        expect(name).not.toMatch(/secret|vault|token|key(?!frame)|add|remove|start|cancel|open|write|submit|create|revoke/);
      }
      const listed = consoleMethods['tokens:list']!.output.parse([
        { id: 'abc', scope: 'admin', tenant: 't', label: null, createdAt: '2026-11-24T00:00:00.000Z', lastUsedAt: null, revokedAt: null, usedByConsole: false, token: 'mf_abc_secret', secret: 'x' },
      ]);
      expect(JSON.stringify(listed)).not.toMatch(/secret/);
      const publicKey = consoleMethods['servers:public-key']!.output.parse({
        authKind: 'key',
        publicKey: 'ssh-ed25519 AAAA mediafleet-a',
        fingerprint: 'SHA256:x',
        privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----',
      });
      expect(JSON.stringify(publicKey)).not.toMatch(/PRIVATE/);
    });
  });

  it('delivers events over the WebSocket only with the token', async () => {
    const wsBase = full.base.replace('http', 'ws');
    const refused = new WebSocket(`${wsBase}/api/events?token=wrong`);
    const closeCode = await new Promise<number>((resolve) => refused.on('close', (code) => resolve(code)));
    expect(closeCode).toBe(4401);

    const ws = new WebSocket(`${wsBase}/api/events?token=${token}`);
    await new Promise((resolve) => ws.on('open', resolve));
    const received = new Promise<unknown>((resolve) => ws.on('message', (data) => resolve(JSON.parse(String(data)))));
    // give the server a moment to attach its subscription after the handshake
    await new Promise((r) => setTimeout(r, 50));
    events.publish(ping, { n: 1 });
    expect(await received).toEqual({ channel: 'test:ping', payload: { n: 1 } });
    ws.close();
  });
});
