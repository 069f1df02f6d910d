// /v1/models through the real agent (real fastify app, real tokens in a real SQLite file, real HTTP on 127.0.0.1),
// pulling a real model file from ../shared/models served by a local HTTP server that can throttle or drop the
// connection. The manifests and the cache are temporary, set through the agent's own environment variables.
import { createReadStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sleepWorkerUrl, startTestAgent, type TestAgent } from '../../../test-harness/agent/test-agent.js';
import { sha256OfFile } from './download-model-file.js';
import { sharedModel } from '../../../test-harness/shared-folder.js';

const servedName = 'for-tests-ggml-tiny.en.bin';
const servedFile = sharedModel(servedName);
const servedSha = 'dd6b7796204a1cdf7164666423034e6e1a7a3e9f5c22327b4b7974c4584bd82d';
const servedSize = readFileSync(servedFile).length;

let server: http.Server;
let baseUrl: string;
const ranges: (string | undefined)[] = [];
/** Body bytes after which the next response is cut off (a dropped connection). */
let cutNextAfter: number | undefined;
/** Pause between 32 KiB chunks, so a pull lasts long enough to watch (and to collide with). */
let chunkDelayMs = 0;

let work: string;
let t: TestAgent;

async function startFileServer(): Promise<void> {
  server = http.createServer((req, res) => {
    ranges.push(req.headers.range);
    if (req.url !== `/${servedName}`) return void res.writeHead(404).end();
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    res.writeHead(m ? 206 : 200, {
      'content-length': String(servedSize - start),
      ...(m ? { 'content-range': `bytes ${start}-${servedSize - 1}/${servedSize}` } : {}),
    });
    const cut = cutNextAfter;
    cutNextAfter = undefined;
    const delay = chunkDelayMs;
    const end = cut !== undefined ? start + cut - 1 : servedSize - 1;
    const stream = createReadStream(servedFile, { start, end, highWaterMark: 32 * 1024 });
    stream.on('data', (chunk) => {
      res.write(chunk);
      if (delay > 0) {
        stream.pause();
        setTimeout(() => stream.resume(), delay);
      }
    });
    stream.on('end', () => (cut !== undefined ? res.destroy() : res.end()));
    res.on('close', () => stream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A port nothing listens on: a mirror that cannot be reached. */
async function closedPort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function writeManifest(dir: string, id: string, file: { url?: string; sha256?: string; size?: number }): Promise<void> {
  const manifest = { id, task: 'asr', runtime: 'whisper.cpp', description: `test model ${id}`, licence: 'MIT', source: 'test', autoSelect: false, files: [{ name: servedName, url: `${baseUrl}/${servedName}`, ...file }] };
  await writeFile(path.join(dir, `${id}.json`), JSON.stringify(manifest));
}

interface PullEvent {
  phase: string;
  receivedBytes: number;
  totalBytes: number | null;
  resumedFromBytes: number;
  error: { code: string } | null;
}

/** Reads a pull's SSE stream to its end and returns every state it carried. */
async function followPull(id: string, token: string): Promise<PullEvent[]> {
  const res = await fetch(`${t.url}/v1/models/${id}/pull/events`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const text = await res.text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)) as PullEvent);
}

const cacheFile = (id: string): string => path.join(work, 'cache', id, servedName);

beforeAll(async () => {
  await startFileServer();
  work = await mkdtemp(path.join(os.tmpdir(), 'mf-models-http-'));
  const manifests = path.join(work, 'manifests');
  await mkdir(manifests, { recursive: true });
  await writeManifest(manifests, 'pinned', { sha256: servedSha, size: servedSize });
  await writeManifest(manifests, 'collide', { sha256: servedSha, size: servedSize });
  await writeManifest(manifests, 'wrong-sha', { sha256: '0'.repeat(64) });
  await writeManifest(manifests, 'resumable', { sha256: servedSha, size: servedSize });
  await writeManifest(manifests, 'cancelable', { sha256: servedSha, size: servedSize });
  await writeManifest(manifests, 'unpinned', {});
  await writeManifest(manifests, 'waited', { sha256: servedSha, size: servedSize });
  await writeManifest(manifests, 'unreachable', { url: `http://127.0.0.1:${await closedPort()}/${servedName}`, sha256: servedSha });
  // The agent's model manager is configured from the environment, like a real deployment's.
  process.env.MEDIAFLEET_MODEL_MANIFESTS = manifests;
  process.env.MEDIAFLEET_MODELS_DIR = path.join(work, 'cache');
  delete process.env.MEDIAFLEET_MODEL_MIRROR;
  t = await startTestAgent({ workers: 1 }, { workerUrl: sleepWorkerUrl });
});

afterAll(async () => {
  await t?.close();
  await new Promise((resolve) => server.close(resolve));
  await rm(work, { recursive: true, force: true });
});

describe('/v1/models', () => {
  it('lists managed models as absent, with their pinned sha256 and size, to a read token', async () => {
    const res = await api(t.url, t.tokens.read, 'GET', '/v1/models');
    expect(res.status).toBe(200);
    const byId = new Map<string, { installed: boolean; pinned: boolean; bytes: number; files: { sha256: string | null; present: boolean }[] }>(
      res.body.models.map((m: { id: string }) => [m.id, m]),
    );
    expect(byId.get('pinned')).toMatchObject({ kind: 'managed', installed: false, pinned: true, loaded: false, bytes: servedSize });
    expect(byId.get('pinned')!.files[0]).toMatchObject({ sha256: servedSha, present: false });
    expect(byId.get('unpinned')).toMatchObject({ installed: false, pinned: false });
  });

  it('with ?wait=1 answers 200 once the model is installed', async () => {
    const res = await api(t.url, t.tokens.admin, 'POST', '/v1/models/waited/pull?wait=1', {});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ model: 'waited', phase: 'succeeded', receivedBytes: servedSize, totalBytes: servedSize });
    expect(await sha256OfFile(cacheFile('waited'))).toBe(servedSha);
  });

  it('lets only admin tokens change models: read and submit tokens get 403, no token 401', async () => {
    const requestsBefore = ranges.length;
    for (const [method, route, body] of [
      ['POST', '/v1/models/pinned/pull', {}],
      ['POST', '/v1/models/verify', {}],
      ['DELETE', '/v1/models/pinned', undefined],
      ['DELETE', '/v1/models/pinned/pull', undefined],
    ] as const) {
      for (const token of [t.tokens.read, t.tokens.submit, t.tokens.otherTenant]) {
        const res = await api(t.url, token, method, route, body);
        expect({ route, status: res.status, code: res.body.error?.code }).toEqual({ route, status: 403, code: 'FORBIDDEN' });
      }
      expect((await api(t.url, undefined, method, route, body)).status).toBe(401);
    }
    expect(ranges).toHaveLength(requestsBefore);
  });

  it('pulls a model with progress over SSE, checks its sha256 and installs it', async () => {
    chunkDelayMs = 30;
    const started = await api(t.url, t.tokens.admin, 'POST', '/v1/models/pinned/pull', {});
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ model: 'pinned', phase: 'running', resumedFromBytes: 0 });
    const events = await followPull('pinned', t.tokens.read);
    chunkDelayMs = 0;
    const running = events.filter((e) => e.phase === 'running' && e.receivedBytes > 0);
    expect(running.length).toBeGreaterThanOrEqual(2);
    const received = running.map((e) => e.receivedBytes);
    expect([...received].sort((a, b) => a - b)).toEqual(received);
    expect(running.every((e) => e.totalBytes === servedSize)).toBe(true);
    expect(events.at(-1)).toMatchObject({ phase: 'succeeded', receivedBytes: servedSize, error: null });

    expect(await sha256OfFile(cacheFile('pinned'))).toBe(servedSha);
    const listed = (await api(t.url, t.tokens.read, 'GET', '/v1/models')).body.models.find((m: { id: string }) => m.id === 'pinned');
    expect(listed).toMatchObject({ installed: true, bytes: servedSize, pull: { phase: 'succeeded' } });
    expect((await api(t.url, t.tokens.read, 'GET', '/v1/models/pinned/pull')).body.phase).toBe('succeeded');
  });

  it('answers 409 to a second pull, and to removing the model, while a pull runs', async () => {
    chunkDelayMs = 40;
    // Two pulls asked at the same moment: exactly one starts.
    const [a, b] = await Promise.all([
      api(t.url, t.tokens.admin, 'POST', '/v1/models/collide/pull', {}),
      api(t.url, t.tokens.admin, 'POST', '/v1/models/collide/pull', {}),
    ]);
    expect([a.status, b.status].sort()).toEqual([202, 409]);
    const again = await api(t.url, t.tokens.admin, 'POST', '/v1/models/collide/pull', {});
    expect({ status: again.status, code: again.body.error.code }).toEqual({ status: 409, code: 'MODEL_PULL_RUNNING' });
    const remove = await api(t.url, t.tokens.admin, 'DELETE', '/v1/models/collide');
    expect({ status: remove.status, code: remove.body.error.code }).toEqual({ status: 409, code: 'MODEL_PULL_RUNNING' });
    chunkDelayMs = 0;
    expect((await followPull('collide', t.tokens.admin)).at(-1)?.phase).toBe('succeeded');
  });

  it('refuses a file whose sha256 does not match and leaves nothing in the cache', async () => {
    expect((await api(t.url, t.tokens.admin, 'POST', '/v1/models/wrong-sha/pull', {})).status).toBe(202);
    const last = (await followPull('wrong-sha', t.tokens.admin)).at(-1);
    expect(last).toMatchObject({ phase: 'failed', error: { code: 'MODEL_CHECKSUM_MISMATCH' } });
    expect(existsSync(cacheFile('wrong-sha'))).toBe(false);
    expect(existsSync(`${cacheFile('wrong-sha')}.part`)).toBe(false);
    // Waiting for the outcome turns the mismatch into the HTTP error itself.
    const waited = await api(t.url, t.tokens.admin, 'POST', '/v1/models/wrong-sha/pull?wait=1', {});
    expect({ status: waited.status, code: waited.body.error.code }).toEqual({ status: 503, code: 'MODEL_CHECKSUM_MISMATCH' });
    expect(existsSync(cacheFile('wrong-sha'))).toBe(false);
    const listed = (await api(t.url, t.tokens.read, 'GET', '/v1/models')).body.models.find((m: { id: string }) => m.id === 'wrong-sha');
    expect(listed.installed).toBe(false);
  });

  it('resumes an interrupted pull where it stopped (HTTP Range), then installs the checked file', async () => {
    cutNextAfter = 200_000;
    await api(t.url, t.tokens.admin, 'POST', '/v1/models/resumable/pull', {});
    expect((await followPull('resumable', t.tokens.admin)).at(-1)).toMatchObject({ phase: 'failed', error: { code: 'MODEL_DOWNLOAD_FAILED' } });
    const listed = (await api(t.url, t.tokens.read, 'GET', '/v1/models')).body.models.find((m: { id: string }) => m.id === 'resumable');
    // The cut can drop bytes still in flight: what counts is what reached the partial file.
    const kept = readFileSync(`${cacheFile('resumable')}.part`).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(200_000);
    expect(listed).toMatchObject({ installed: false, files: [{ partialBytes: kept, present: false }] });

    const second = await api(t.url, t.tokens.admin, 'POST', '/v1/models/resumable/pull', {});
    expect(second.body).toMatchObject({ phase: 'running', resumedFromBytes: kept });
    expect((await followPull('resumable', t.tokens.admin)).at(-1)?.phase).toBe('succeeded');
    expect(ranges.at(-1)).toBe(`bytes=${kept}-`);
    expect(await sha256OfFile(cacheFile('resumable'))).toBe(servedSha);
  });

  it('cancels a running pull, keeps its partial download, and the next pull resumes it', async () => {
    chunkDelayMs = 50;
    await api(t.url, t.tokens.admin, 'POST', '/v1/models/cancelable/pull', {});
    // Let some bytes arrive, then cancel.
    for (let i = 0; i < 100 && !(existsSync(`${cacheFile('cancelable')}.part`) && readFileSync(`${cacheFile('cancelable')}.part`).length > 0); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const canceled = await api(t.url, t.tokens.admin, 'DELETE', '/v1/models/cancelable/pull');
    expect(canceled.status).toBe(200);
    expect((await followPull('cancelable', t.tokens.admin)).at(-1)?.phase).toBe('canceled');
    chunkDelayMs = 0;
    const kept = readFileSync(`${cacheFile('cancelable')}.part`).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(servedSize);
    expect((await api(t.url, t.tokens.admin, 'POST', '/v1/models/cancelable/pull', {})).body.resumedFromBytes).toBe(kept);
    expect((await followPull('cancelable', t.tokens.admin)).at(-1)?.phase).toBe('succeeded');
    expect(ranges.at(-1)).toBe(`bytes=${kept}-`);
  });

  it('verify reports a corrupted and a missing file; remove deletes a model and 404s when nothing is installed', async () => {
    const clean = await api(t.url, t.tokens.admin, 'POST', '/v1/models/verify', { ids: ['pinned'] });
    expect(clean.body).toMatchObject({ ok: true, models: [{ id: 'pinned', ok: true, files: [{ verdict: 'ok', actual: servedSha }] }] });

    const bytes = readFileSync(cacheFile('pinned'));
    bytes[1234] ^= 0xff;
    writeFileSync(cacheFile('pinned'), bytes);
    const report = await api(t.url, t.tokens.admin, 'POST', '/v1/models/verify');
    expect(report.status).toBe(200);
    expect(report.body.ok).toBe(false);
    const byId = new Map(report.body.models.map((m: { id: string }) => [m.id, m]));
    expect(byId.get('pinned')).toMatchObject({ ok: false, files: [{ verdict: 'corrupt', expected: servedSha }] });
    expect(byId.get('wrong-sha')).toMatchObject({ files: [{ verdict: 'missing' }] });

    expect((await api(t.url, t.tokens.admin, 'DELETE', '/v1/models/pinned')).body).toEqual({ id: 'pinned', removed: true });
    expect(existsSync(cacheFile('pinned'))).toBe(false);
    const gone = await api(t.url, t.tokens.admin, 'DELETE', '/v1/models/pinned');
    expect({ status: gone.status, code: gone.body.error.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
  });

  it('gives stable error codes: unknown model 404, unpinned without allowUnpinned 400, unreachable source MODEL_DOWNLOAD_FAILED', async () => {
    const unknown = await api(t.url, t.tokens.admin, 'POST', '/v1/models/no-such-model/pull', {});
    expect({ status: unknown.status, code: unknown.body.error.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    expect((await api(t.url, t.tokens.admin, 'POST', '/v1/models/verify', { ids: ['no-such-model'] })).status).toBe(404);

    const unpinned = await api(t.url, t.tokens.admin, 'POST', '/v1/models/unpinned/pull', {});
    expect({ status: unpinned.status, code: unpinned.body.error.code }).toEqual({ status: 400, code: 'BAD_REQUEST' });
    expect((await api(t.url, t.tokens.admin, 'POST', '/v1/models/unpinned/pull', { allowUnpinned: true })).status).toBe(202);
    expect((await followPull('unpinned', t.tokens.admin)).at(-1)?.phase).toBe('succeeded');

    const notRunning = await api(t.url, t.tokens.admin, 'DELETE', '/v1/models/unpinned/pull');
    expect({ status: notRunning.status, code: notRunning.body.error.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    expect((await api(t.url, t.tokens.read, 'GET', '/v1/models/never-pulled/pull')).status).toBe(404);

    // A POST without any body is a plain pull.
    const bare = await api(t.url, t.tokens.admin, 'POST', '/v1/models/unreachable/pull');
    expect(bare.status, JSON.stringify(bare.body)).toBe(202);
    expect((await followPull('unreachable', t.tokens.admin)).at(-1)).toMatchObject({ phase: 'failed', error: { code: 'MODEL_DOWNLOAD_FAILED' } });
    const waited = await api(t.url, t.tokens.admin, 'POST', '/v1/models/unreachable/pull?wait=1');
    expect({ status: waited.status, code: waited.body.error.code }).toEqual({ status: 503, code: 'MODEL_DOWNLOAD_FAILED' });
    expect(waited.body.error.message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+\/.*ECONNREFUSED/);
  });

  it('documents the model routes in the OpenAPI document', async () => {
    const doc = (await api(t.url, undefined, 'GET', '/v1/openapi.json')).body;
    for (const p of ['/v1/models', '/v1/models/{id}/pull', '/v1/models/{id}/pull/events', '/v1/models/verify', '/v1/models/{id}']) {
      expect(doc.paths[p], p).toBeDefined();
    }
  });
});
