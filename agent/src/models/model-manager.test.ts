// The model manager against a real HTTP server on 127.0.0.1 serving a real model file from ../shared/models.
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentError } from '../errors.js';
import { sha256OfFile } from './download-model-file.js';
import { ModelManager } from './model-manager.js';
import { defaultManifestsDir, loadManifests } from './model-manifest.js';
import { sharedModelsDir } from '../../../test-harness/shared-folder.js';

const sharedModels = sharedModelsDir;
const servedName = 'for-tests-ggml-tiny.en.bin';
const servedFile = path.join(sharedModels, servedName);
const servedSha = 'dd6b7796204a1cdf7164666423034e6e1a7a3e9f5c22327b4b7974c4584bd82d';
const servedSize = readFileSync(servedFile).length;

interface ServedRequest {
  range?: string;
  bytesSent: number;
}

let server: http.Server;
let baseUrl: string;
const requests: ServedRequest[] = [];
/** When set, the next response is cut off after this many body bytes (a dropped connection). */
let cutNextAfter: number | undefined;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const record: ServedRequest = { range: req.headers.range, bytesSent: 0 };
    requests.push(record);
    if (req.url !== `/${servedName}`) {
      res.writeHead(404).end();
      return;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m) start = Number(m[1]);
    const length = servedSize - start;
    res.writeHead(m ? 206 : 200, {
      'content-length': String(length),
      ...(m ? { 'content-range': `bytes ${start}-${servedSize - 1}/${servedSize}` } : {}),
    });
    const cut = cutNextAfter;
    cutNextAfter = undefined;
    const stream = createReadStream(servedFile, { start, end: cut !== undefined ? start + cut - 1 : undefined });
    stream.on('data', (chunk) => (record.bytesSent += chunk.length));
    stream.on('end', () => (cut !== undefined ? res.destroy() : res.end()));
    stream.pipe(res, { end: false });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

let work: string;
let manifestsDir: string;
let cacheDir: string;

async function writeManifest(id: string, file: { name?: string; url?: string; sha256?: string; size?: number }): Promise<void> {
  const manifest = {
    id,
    task: 'asr',
    runtime: 'whisper.cpp',
    description: 'test',
    licence: 'MIT',
    source: 'test',
    files: [{ name: servedName, url: `${baseUrl}/${servedName}`, ...file }],
  };
  await writeFile(path.join(manifestsDir, `${id}.json`), JSON.stringify(manifest));
}

function manager(mirror?: string): ModelManager {
  return new ModelManager({ manifestsDir, cacheDir, mirror });
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AgentError) return err.code;
    throw err;
  }
  return 'no error';
}

beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'mf-models-'));
  manifestsDir = path.join(work, 'manifests');
  cacheDir = path.join(work, 'cache');
  await mkdir(manifestsDir, { recursive: true });
  requests.length = 0;
  cutNextAfter = undefined;
  return () => rm(work, { recursive: true, force: true });
});

describe('model manager', () => {
  it('reports an absent model as absent and refuses to resolve it', async () => {
    await writeManifest('m', { sha256: servedSha, size: servedSize });
    const [status] = await manager().listModels();
    expect(status).toMatchObject({ id: 'm', installed: false, pinned: true });
    expect(await codeOf(manager().resolveModelFiles('m'))).toBe('MODEL_MISSING');
  });

  it('pulls a file, checks its sha256 and moves it into the cache', async () => {
    await writeManifest('m', { sha256: servedSha, size: servedSize });
    const progress: number[] = [];
    const status = await manager().pullModel('m', { onProgress: (p) => progress.push(p.receivedBytes) });
    expect(status.installed).toBe(true);
    const files = await manager().resolveModelFiles('m');
    expect(await sha256OfFile(files[servedName])).toBe(servedSha);
    expect(progress.at(-1)).toBe(servedSize);
    expect((await readdir(path.join(cacheDir, 'm'))).filter((f) => f.endsWith('.part'))).toEqual([]);
    // A second pull of an installed, intact model downloads nothing.
    requests.length = 0;
    await manager().pullModel('m');
    expect(requests).toHaveLength(0);
  });

  it('refuses a file whose sha256 does not match and leaves nothing in the cache', async () => {
    await writeManifest('m', { sha256: '0'.repeat(64) });
    expect(await codeOf(manager().pullModel('m'))).toBe('MODEL_CHECKSUM_MISMATCH');
    expect(existsSync(path.join(cacheDir, 'm', servedName))).toBe(false);
    expect(existsSync(path.join(cacheDir, 'm', `${servedName}.part`))).toBe(false);
    expect((await manager().listModels())[0].installed).toBe(false);
  });

  it('resumes an interrupted download with an HTTP Range request', async () => {
    await writeManifest('m', { sha256: servedSha, size: servedSize });
    cutNextAfter = 200_000;
    expect(await codeOf(manager().pullModel('m'))).toBe('MODEL_DOWNLOAD_FAILED');
    const partial = path.join(cacheDir, 'm', `${servedName}.part`);
    const kept = readFileSync(partial).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(servedSize);

    const status = await manager().pullModel('m');
    expect(status.installed).toBe(true);
    expect(requests.at(-1)?.range).toBe(`bytes=${kept}-`);
    expect(requests.at(-1)?.bytesSent).toBe(servedSize - kept);
    expect(await sha256OfFile(path.join(cacheDir, 'm', servedName))).toBe(servedSha);
  });

  it('verify notices a corrupted cache file, and a missing one', async () => {
    await writeManifest('m', { sha256: servedSha, size: servedSize });
    await manager().pullModel('m');
    expect((await manager().verifyModels())[0]).toMatchObject({ id: 'm', ok: true });

    const cached = path.join(cacheDir, 'm', servedName);
    const bytes = readFileSync(cached);
    bytes[1000] ^= 0xff;
    await writeFile(cached, bytes);
    const [report] = await manager().verifyModels();
    expect(report.ok).toBe(false);
    expect(report.files[0]).toMatchObject({ name: servedName, verdict: 'corrupt', expected: servedSha });

    await manager().removeModel('m');
    expect((await manager().verifyModels())[0].files[0].verdict).toBe('missing');
    expect((await manager().listModels())[0].installed).toBe(false);
  });

  it('refuses an unpinned file unless allowed, then verifies against the hash seen at pull time', async () => {
    await writeManifest('m', {});
    expect(await codeOf(manager().pullModel('m'))).toBe('BAD_REQUEST');
    await manager().pullModel('m', { allowUnpinned: true });
    const cached = path.join(cacheDir, 'm', servedName);
    await writeFile(cached, Buffer.concat([readFileSync(cached), Buffer.from('x')]));
    expect((await manager().verifyModels(['m']))[0].files[0].verdict).toBe('corrupt');
  });

  it('pulls from a mirror directory without touching the network', async () => {
    await writeManifest('m', { url: 'https://example.invalid/never-used.bin', sha256: servedSha, size: servedSize });
    const status = await manager(sharedModels).pullModel('m');
    expect(status.installed).toBe(true);
    expect(requests).toHaveLength(0);
  });

  it('pulls from a mirror URL prefix laid out as <prefix>/<id>/<file>', async () => {
    await writeManifest('m', { url: 'https://example.invalid/never-used.bin', sha256: servedSha });
    // The test server only knows /<file>, so a wrong layout shows as a 404 → MODEL_DOWNLOAD_FAILED.
    expect(await codeOf(manager(baseUrl).pullModel('m'))).toBe('MODEL_DOWNLOAD_FAILED');
    expect(requests.at(-1)).toBeDefined();
  });

  it("the repository's manifests are valid and pin the test models' real checksums", async () => {
    const manifests = await loadManifests(defaultManifestsDir({}));
    const byId = new Map(manifests.map((m) => [m.id, m]));
    for (const id of ['silero-vad', 'whisper-for-tests-tiny.en']) {
      const m = byId.get(id);
      expect(m, id).toBeDefined();
      const local = path.join(sharedModels, m!.files[0].name);
      expect(await sha256OfFile(local)).toBe(m!.files[0].sha256);
    }
    expect(byId.get('whisper-for-tests-tiny.en')?.autoSelect).toBe(false);
  });

  it('every pin that could not be checked against a local file says where it came from, with the size', async () => {
    const manifests = await loadManifests(defaultManifestsDir({}));
    const locallyChecked = new Set(['silero-vad', 'whisper-for-tests-tiny.en']);
    for (const m of manifests.filter((m) => !locallyChecked.has(m.id))) {
      for (const f of m.files.filter((f) => f.sha256)) {
        expect({ id: m.id, file: f.name, hasSource: (f.sha256Source ?? '').length > 20, size: typeof f.size }).toEqual({ id: m.id, file: f.name, hasSource: true, size: 'number' });
      }
    }
    // The speaker models are pinned, so diarization pulls need no --allow-unpinned.
    for (const id of ['speaker-embedding-3dspeaker-eres2net', 'speaker-segmentation-pyannote-3.0']) {
      expect(manifests.find((m) => m.id === id)?.files.every((f) => f.sha256 && f.size)).toBe(true);
    }
  });
});
