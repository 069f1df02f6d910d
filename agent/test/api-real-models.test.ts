// The HTTP API with the real analysis worker (real models on the real fixtures): bad inputs give their stable
// codes through both the synchronous and the job route and the agent keeps serving; the pixel bomb is refused
// without growing the process; face search finds the same person across images; persons can be named; a
// tenant never sees another tenant's faces.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badFileCodes } from './bad-file-codes.js';
import { missingAnalyses } from '../../test-harness/agent/installed-analyses.js';
import { api, leftoverUploads, mediaForm, startTestAgent, waitForStatus, type TestAgent } from '../../test-harness/agent/test-agent.js';
import { fixturesDir } from '../../test-harness/shared-folder.js';

const fixtures = fixturesDir;
const statusForCode: Record<string, number> = { EMPTY_FILE: 422, UNSUPPORTED_MEDIA: 415, CORRUPT_MEDIA: 422, PIXEL_LIMIT: 422, IMAGES_ONLY: 415 };
const missing = await missingAnalyses(['nsfw', 'faces']);
const skipReason = missing.length ? ` (skipped: models not installed: ${missing.join(', ')})` : '';

describe('HTTP API on real models', () => {
  let t: TestAgent;
  let benchImagesDir = '';
  beforeAll(async () => {
    // Two images are enough to prove POST /v1/bench works end to end; the full benchmark is `npm run bench:agent`.
    benchImagesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediafleet-bench-images-'));
    for (const name of ['coffee.png', 'astronaut.png']) fs.copyFileSync(path.join(fixtures, 'images', name), path.join(benchImagesDir, name));
    t = await startTestAgent({ workers: 1, benchImagesDir }, { warmUp: ['nsfw', 'faces'] });
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(benchImagesDir, { recursive: true, force: true });
  });

  it.skipIf(os.platform() !== 'linux')('runs the analysis worker below the HTTP thread (nice 19 by default; skipped off Linux)', () => {
    const niceOf = (tid: string): number => {
      const stat = fs.readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    const mainNice = niceOf(String(process.pid));
    expect(mainNice).toBeLessThan(19);
    // The worker thread, and the threads its libraries started after it lowered itself.
    expect(fs.readdirSync(`/proc/${process.pid}/task`).filter((tid) => niceOf(tid) === 19).length).toBeGreaterThan(0);
  });

  const upload = (file: string, fields: Record<string, string> = {}) => mediaForm(fs.readFileSync(file), fields, path.basename(file));

  it('gives every bad fixture its stable code from POST /v1/analyze and from a job, and keeps serving', async () => {
    for (const [name, codes] of Object.entries(badFileCodes)) {
      const file = path.join(fixtures, 'bad', name);
      const sync = await api(t.url, t.tokens.submit, 'POST', '/v1/analyze', upload(file, { analyses: 'nsfw' }));
      // The synchronous route takes images only: what its content says is video or audio is sent to /v1/jobs.
      const syncCodes = name.endsWith('.avi') ? ['IMAGES_ONLY'] : codes;
      expect({ name, code: sync.body.error?.code }).toEqual({ name, code: expect.toBeOneOf(syncCodes) });
      expect(sync.status).toBe(statusForCode[sync.body.error.code]);

      const accepted = await api(t.url, t.tokens.submit, 'POST', '/v1/jobs', upload(file, { analyses: 'nsfw' }));
      expect(accepted.status).toBe(202);
      const job = await waitForStatus(t.url, t.tokens.submit, accepted.body.id, ['succeeded', 'failed']);
      expect({ name, status: job.status, code: job.error?.code }).toEqual({ name, status: 'failed', code: expect.toBeOneOf(codes) });
      expect((await api(t.url, t.tokens.read, 'GET', '/v1/health')).body.live).toBe(true);
    }
    expect(await leftoverUploads(t.dataDir)).toEqual([]);
  });

  it('refuses the pixel bomb from its header without the process growing by more than a few tens of MB', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const res = await api(t.url, t.tokens.submit, 'POST', '/v1/analyze', upload(path.join(fixtures, 'bad/pixel-bomb-30000x30000.png')));
    clearInterval(sampler);
    expect(res.body.error.code).toBe('PIXEL_LIMIT');
    expect((peak - before) / 1024 / 1024).toBeLessThan(48);
  });

  it.skipIf(missing.length > 0)(`analyses a real image synchronously: media facts from content, safe verdict${skipReason}`, async () => {
    const res = await api(t.url, t.tokens.submit, 'POST', '/v1/analyze', upload(path.join(fixtures, 'images/coffee.png'), { analyses: 'nsfw' }));
    expect(res.status).toBe(200);
    expect(res.body.media).toMatchObject({ kind: 'image', mime: 'image/png', width: 600, height: 400, bytes: 466706 });
    expect(res.body.nsfw.verdict).toBe('safe');
    expect(res.body.timings.nsfw).toBeGreaterThan(0);
  });

  it.skipIf(missing.length > 0)(`POST /v1/bench (admin only) measures this agent and reports its hardware${skipReason}`, async () => {
    expect((await api(t.url, t.tokens.submit, 'POST', '/v1/bench', { rounds: 1, analyses: ['nsfw'] })).status).toBe(403);
    const res = await api(t.url, t.tokens.admin, 'POST', '/v1/bench', { rounds: 1, analyses: ['nsfw'] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ images: 2, rounds: 1, workers: 1, hardware: { cores: expect.any(Number), cpuModel: expect.any(String) } });
    expect(res.body.analyses.nsfw.p50_ms).toBeGreaterThan(0);
    expect(res.body.images_per_hour).toBeGreaterThan(0);
    expect(res.body.rss_mb).toBeGreaterThan(50);
  });

  /** Reads server-sent events from a fetch response until it ends (or `until` says stop). */
  async function readEvents(response: Response, until: (e: { event: string; data: unknown }) => boolean = () => false) {
    const events: { event: string; data: unknown }[] = [];
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (!event || data === undefined) continue;
        events.push({ event, data: JSON.parse(data) });
        if (until(events.at(-1)!)) {
          await reader.cancel();
          return events;
        }
      }
    }
    return events;
  }

  it.skipIf(missing.length > 0)(`POST /v1/bench streams its progress as server-sent events, then the report${skipReason}`, async () => {
    const response = await fetch(`${t.url}/v1/bench`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.tokens.admin}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ rounds: 1, analyses: ['nsfw'] }),
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = await readEvents(response);
    expect(events.filter((e) => e.event === 'progress').map((e) => e.data)).toEqual([
      { done: 0, total: 2 },
      { done: 1, total: 2 },
      { done: 2, total: 2 },
    ]);
    expect(events.at(-1)).toMatchObject({ event: 'result', data: { images: 2, rounds: 1, workers: 1 } });
  });

  it.skipIf(missing.length > 0)(`closing the connection cancels the benchmark: its jobs are canceled, the worker is free again${skipReason}`, async () => {
    const abort = new AbortController();
    const response = await fetch(`${t.url}/v1/bench`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.tokens.admin}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ rounds: 5 }),
      signal: abort.signal,
    });
    // The run has started (its jobs are submitted) once the first progress event arrives; then the client leaves.
    await readEvents(response, (e) => e.event === 'progress');
    abort.abort();
    const queue = t.agent.services.queue;
    await expect
      .poll(() => queue.list('__bench__', { limit: 100 }).filter((j) => j.status === 'queued' || j.status === 'running').length, { timeout: 30_000 })
      .toBe(0);
    const statuses = queue.list('__bench__', { limit: 100 }).slice(0, 10).map((j) => j.status);
    expect(statuses).toContain('canceled');
    // The agent goes on serving: a small job of another tenant runs at once.
    const accepted = await api(t.url, t.tokens.submit, 'POST', '/v1/jobs', upload(path.join(fixtures, 'images/coffee.png'), { analyses: 'nsfw' }));
    expect((await waitForStatus(t.url, t.tokens.submit, accepted.body.id, ['succeeded', 'failed'], 30_000)).status).toBe('succeeded');
  }, 60_000);

  it.skipIf(missing.length > 0)(`finds the same person's face across images, clusters and names persons, per tenant${skipReason}`, async () => {
    const submitAndWait = async (file: string, fields: Record<string, string>, token = t.tokens.submit) => {
      const accepted = await api(t.url, token, 'POST', '/v1/jobs', upload(file, fields));
      return waitForStatus(t.url, token, accepted.body.id, ['succeeded', 'failed'], 60_000);
    };
    const astronaut = await submitAndWait(path.join(fixtures, 'images/astronaut.png'), { analyses: 'faces', includeEmbeddings: 'true' });
    expect(astronaut.status).toBe('succeeded');
    expect(astronaut.result.faces).toHaveLength(1);
    const face = astronaut.result.faces[0];
    expect(face.embeddingId).toEqual(expect.any(String));
    expect(face.embedding).toHaveLength(1024); // asked for

    // A different picture of the same face: cropped loosely around it and scaled down.
    const { x, y, width, height } = face.box;
    const margin = Math.round(width * 0.4);
    const left = Math.max(0, Math.round(x) - margin);
    const top = Math.max(0, Math.round(y) - margin);
    const crop = path.join(os.tmpdir(), `astronaut-crop-${process.pid}.jpg`);
    await sharp(path.join(fixtures, 'images/astronaut.png'))
      .extract({ left, top, width: Math.min(512 - left, Math.round(width) + 2 * margin), height: Math.min(512 - top, Math.round(height) + 2 * margin) })
      .resize({ width: 200 })
      .jpeg({ quality: 80 })
      .toFile(crop);
    const cropJob = await submitAndWait(crop, { analyses: 'faces' });
    fs.rmSync(crop);
    expect(cropJob.result.faces.length).toBeGreaterThanOrEqual(1);
    expect(cropJob.result.faces[0].embedding).toBeUndefined(); // not asked for: only the id

    const others = [];
    for (const name of ['messi5.jpg', 'basketball1.png']) others.push(await submitAndWait(path.join(fixtures, 'images', name), { analyses: 'faces' }));
    const otherFaceCount = others.reduce((n, j) => n + j.result.faces.length, 0);
    expect(otherFaceCount).toBeGreaterThanOrEqual(2);

    const similar = await api(t.url, t.tokens.submit, 'GET', `/v1/faces/${cropJob.result.faces[0].embeddingId}/similar?limit=5`);
    expect(similar.status).toBe(200);
    expect(similar.body.similar[0]).toMatchObject({ id: face.embeddingId, jobId: astronaut.id });
    expect(similar.body.similar[0].similarity).toBeGreaterThan(similar.body.similar[1].similarity);

    // Same person → same cluster; strangers elsewhere.
    const cropFace = similar.body.face;
    expect(cropFace.personId).toBe(similar.body.similar[0].personId);
    const named = await api(t.url, t.tokens.submit, 'PATCH', `/v1/persons/${cropFace.personId}`, { name: 'Eileen Collins' });
    expect(named.body).toMatchObject({ name: 'Eileen Collins', faceCount: 2 });
    const persons = await api(t.url, t.tokens.submit, 'GET', '/v1/persons');
    expect(persons.body.persons.length).toBeGreaterThanOrEqual(3);

    // Another tenant: the ids are as good as unknown, and its own search never returns acme's faces.
    expect((await api(t.url, t.tokens.otherTenant, 'GET', `/v1/faces/${face.embeddingId}/similar`)).status).toBe(404);
    expect((await api(t.url, t.tokens.otherTenant, 'PATCH', `/v1/persons/${cropFace.personId}`, { name: 'x' })).status).toBe(404);
    const theirs = await submitAndWait(path.join(fixtures, 'images/messi5.jpg'), { analyses: 'faces' }, t.tokens.otherTenant);
    const theirSearch = await api(t.url, t.tokens.otherTenant, 'GET', `/v1/faces/${theirs.result.faces[0].embeddingId}/similar`);
    expect(theirSearch.body.similar).toEqual([]);

    // The agent says from which similarity it counts a face as the same person.
    expect(similar.body.personSimilarity).toBe(0.55);
    // Each face keeps a 128 px picture, cut when it was indexed (the input is gone by now), for its tenant only.
    const facePicture = async (faceId: string, token: string) => {
      const res = await fetch(`${t.url}/v1/faces/${faceId}/crop.jpg`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
    };
    const picture = await facePicture(face.embeddingId, t.tokens.submit);
    expect([picture.status, picture.type]).toEqual([200, 'image/jpeg']);
    expect(await sharp(picture.bytes).metadata()).toMatchObject({ format: 'jpeg', width: 128, height: 128 });
    expect((await facePicture(face.embeddingId, t.tokens.otherTenant)).status).toBe(404);
    expect((await facePicture(face.embeddingId, t.tokens.read)).status).toBe(403);
    const listed = (await api(t.url, t.tokens.submit, 'GET', '/v1/persons')).body.persons as Array<{ id: string; coverFaceId: string | null; faceCount: number }>;
    expect(listed.find((p) => p.id === cropFace.personId)?.coverFaceId).toEqual(expect.any(String));

    // Merging: another person's faces join Eileen Collins, the other person is gone; another tenant cannot.
    const stranger = listed.find((p) => p.id !== cropFace.personId)!;
    expect((await api(t.url, t.tokens.otherTenant, 'POST', `/v1/persons/${cropFace.personId}/merge`, { personId: stranger.id })).status).toBe(404);
    expect((await api(t.url, t.tokens.submit, 'POST', `/v1/persons/${cropFace.personId}/merge`, { personId: cropFace.personId })).body.error.code).toBe('BAD_REQUEST');
    const merged = await api(t.url, t.tokens.submit, 'POST', `/v1/persons/${cropFace.personId}/merge`, { personId: stranger.id });
    expect(merged.body).toMatchObject({ id: cropFace.personId, name: 'Eileen Collins', faceCount: 2 + stranger.faceCount });
    const after = (await api(t.url, t.tokens.submit, 'GET', '/v1/persons')).body.persons as Array<{ id: string }>;
    expect(after.map((p) => p.id)).not.toContain(stranger.id);
    expect(after).toHaveLength(listed.length - 1);
  });
});
