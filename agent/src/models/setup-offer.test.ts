// The set-up's model offer as a user meets it (the agent's CLI in a child process): it names the default Whisper
// model and its size, pulls it only when agreed (here through MEDIAFLEET_MODEL_MIRROR pointed at a local HTTP
// server, since the build machines have no internet), says so when the source cannot be reached, and once the
// model is installed transcription uses it by default instead of PocketSphinx. The served file is the
// whisper.cpp test model (real format, untrained weights): the transcript's engine and model are asserted, not its words.
import { spawn } from 'node:child_process';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, sharedModel } from '../../../test-harness/shared-folder.js';
import { findPocketsphinx } from '../runtimes/pocketsphinx/pocketsphinx-cli.js';
import { ModelManager } from './model-manager.js';
import { defaultManifestsDir } from './model-manifest.js';
import { formatBytes, setupOffer } from './setup-offer.js';

const cli = fileURLToPath(new URL('../cli.ts', import.meta.url));
const servedName = 'for-tests-ggml-tiny.en.bin';
const servedFile = sharedModel(servedName);
const servedSize = statSync(servedFile).size;
const offeredId = 'whisper-offered-for-tests';
const requests: string[] = [];
let server: http.Server;
let mirror: string;
let work: string;

function run(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'mf-setup-offer-'));
  server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.range ?? ''}`);
    if (req.url !== `/${offeredId}/${servedName}`) return void res.writeHead(404).end();
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const end = m && m[2] ? Number(m[2]) : servedSize - 1;
    res.writeHead(m ? 206 : 200, { 'content-length': String(end - start + 1), ...(m ? { 'content-range': `bytes ${start}-${end}/${servedSize}` } : {}) });
    createReadStream(servedFile, { start, end }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The repository's manifests, none offered, plus the offered model as the set-up sees it: a manifest like
  // whisper-base.en's (a stand-in: the test model's file and pin), fetched through the mirror.
  for (const name of await readdir(defaultManifestsDir({}))) {
    const manifest = JSON.parse(await readFile(path.join(defaultManifestsDir({}), name), 'utf8')) as Record<string, unknown>;
    await writeFile(path.join(work, name), JSON.stringify({ ...manifest, setupOffer: false }));
  }
  await writeFile(
    path.join(work, `${offeredId}.json`),
    JSON.stringify({
      id: offeredId, task: 'asr', runtime: 'whisper.cpp', description: 'stand-in for whisper-base.en: the whisper.cpp test model',
      licence: 'MIT', source: 'test', language: 'en', quality: 30, setupOffer: true,
      files: [{ name: servedName, url: `https://example.invalid/${servedName}`, sha256: 'dd6b7796204a1cdf7164666423034e6e1a7a3e9f5c22327b4b7974c4584bd82d', size: servedSize }],
    }),
  );
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(work, { recursive: true, force: true });
});

describe('the set-up offers the default Whisper model', () => {
  it('the repository offers whisper-base.en (141 MiB) and the VAD it reads speech with, nothing else', async () => {
    const manager = new ModelManager({ manifestsDir: defaultManifestsDir({}), cacheDir: path.join(work, 'empty-cache') });
    const offer = await setupOffer(manager);
    expect(offer.models.map((m) => m.id).sort()).toEqual(['silero-vad', 'whisper-base.en']);
    expect(offer.bytes).toBe(147_964_211 + 2_327_524);
    expect(formatBytes(offer.bytes)).toBe('143 MiB');
  });

  it.skipIf(!findPocketsphinx())(
    'offers, pulls when agreed, and then transcribes with it by default (needs Debian pocketsphinx for the before; scripts/setup.sh installs it)',
    async () => {
      const env = {
        MEDIAFLEET_MODEL_MANIFESTS: work,
        MEDIAFLEET_MODELS_DIR: path.join(work, 'cache'),
        MEDIAFLEET_MODEL_MIRROR: mirror,
        MEDIAFLEET_DATA: path.join(work, 'data'),
      };
      const transcribe = async () => {
        const out = await run(['analyze', fixture('audio', 'cards-001.wav'), '--analyses', 'transcribe'], env);
        expect(out.status, out.stderr).toBe(0);
        return JSON.parse(out.stdout)[0].transcript as { engine: string; model: string };
      };
      expect(await transcribe()).toMatchObject({ engine: 'pocketsphinx' });

      // No terminal (as in CI): the offer and its size are said, nothing is pulled.
      const asked = await run(['models', 'setup'], env);
      expect(asked.status, asked.stderr).toBe(0);
      expect(asked.stderr).toContain(`Download ${offeredId} (${formatBytes(servedSize)})?`);
      expect(asked.stderr).toContain('models setup --yes');
      expect(JSON.parse(asked.stdout)).toMatchObject({ offered: [offeredId], bytes: servedSize, pulled: [] });
      expect(requests.filter((r) => r.startsWith('GET') && !r.endsWith('bytes=0-0'))).toEqual([]);

      const declined = await run(['models', 'setup', '--decline'], env);
      expect(JSON.parse(declined.stdout)).toMatchObject({ pulled: [], skipped: 'declined' });

      const agreed = await run(['models', 'setup', '--yes'], env);
      expect(agreed.status, agreed.stderr).toBe(0);
      expect(JSON.parse(agreed.stdout)).toMatchObject({ pulled: [offeredId] });
      expect(agreed.stderr).toContain(`transcription now uses ${offeredId} by default`);
      expect(readFileSync(path.join(work, 'cache', offeredId, servedName)).equals(readFileSync(servedFile))).toBe(true);

      expect(await transcribe()).toEqual(expect.objectContaining({ engine: 'whisper.cpp', model: offeredId }));
      const again = await run(['models', 'setup'], env);
      expect(JSON.parse(again.stdout)).toMatchObject({ offered: [], installed: [offeredId] });
      expect(again.stderr).toContain('transcription uses them by default');
    },
    600_000,
  );

  it('says the source cannot be reached and how to pull later, and pulls nothing (no internet)', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const cache = path.join(work, 'offline-cache');
    const out = await run(['models', 'setup', '--yes'], { MEDIAFLEET_MODEL_MANIFESTS: work, MEDIAFLEET_MODELS_DIR: cache, MEDIAFLEET_MODEL_MIRROR: `http://127.0.0.1:${port}` });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/Skipped: cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\).*models pull whisper-offered-for-tests/);
    expect(JSON.parse(out.stdout)).toMatchObject({ pulled: [], skipped: expect.stringContaining('cannot reach') });
  }, 120_000);
});
