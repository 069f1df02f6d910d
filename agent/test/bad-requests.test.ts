// Bad requests over the real HTTP API (real sockets, real SQLite, the trivial test worker): each one gets its own
// stable code in the { error: { code, message } } envelope, no 500, no leftover upload, and nothing logged at error
// level, because none of them is the agent's error.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from '../../test-harness/shared-folder.js';
import {
  api,
  capturingLogger,
  errorLines,
  leftoverUploads,
  mediaForm,
  sleepWorkerUrl,
  startTestAgent,
  waitForStatus,
  type TestAgent,
} from '../../test-harness/agent/test-agent.js';

/** Writes `chunks` on a raw socket (each after `gapMs`), then reads whatever the agent answers until it closes. */
async function rawExchange(url: string, chunks: string[], opts: { gapMs?: number; closeAfterWrite?: boolean; timeoutMs?: number } = {}): Promise<string> {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let answer = '';
  socket.on('data', (d) => (answer += d.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  for (const chunk of chunks) {
    if (socket.destroyed) break;
    socket.write(chunk);
    if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
  }
  if (opts.closeAfterWrite) socket.destroy();
  await Promise.race([closed, new Promise((r) => setTimeout(r, opts.timeoutMs ?? 10_000))]);
  socket.destroy();
  return answer;
}

const statusOf = (answer: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
const bodyOf = (answer: string): { error?: { code: string; message: string } } => {
  const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
  // Chunked or not: the JSON object is the first {...} in the body.
  const json = body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1);
  return JSON.parse(json) as { error?: { code: string; message: string } };
};

describe('bad requests', () => {
  let t: TestAgent;
  const log = capturingLogger('info');
  beforeAll(async () => {
    t = await startTestAgent(
      { workers: 1, jobTimeoutMs: 30_000, maxJobTimeoutMs: 60_000, uploadIdleMs: 400, uploadMinBytesPerSec: 10_000 },
      { workerUrl: sleepWorkerUrl, logger: log.logger },
    );
  });
  afterAll(async () => t?.close());

  const submit = (content: Buffer | string, fields: Record<string, string> = {}, headers: Record<string, string> = {}, route = '/v1/jobs') =>
    api(t.url, t.tokens.submit, 'POST', route, mediaForm(content, fields), headers);
  const multipartHead = (boundary: string, length: number) =>
    `POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer ${t.tokens.submit}\r\n` +
    `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${length}\r\n\r\n`;
  const filePart = (boundary: string) => `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;

  it('refuses a timeoutMs above the configured maximum with 400 TIMEOUT_ABOVE_LIMIT, even one past 2^31', async () => {
    for (const timeoutMs of ['60001', '2000000000', String(2 ** 31), String(2 ** 40)]) {
      const res = await submit('quick', { timeoutMs });
      expect({ timeoutMs, status: res.status, code: res.body.error?.code }).toEqual({ timeoutMs, status: 400, code: 'TIMEOUT_ABOVE_LIMIT' });
      expect(res.body.error.message).toContain('60000');
    }
    const ok = await submit('quick', { timeoutMs: '60000' });
    expect(ok.status).toBe(202);
    await waitForStatus(t.url, t.tokens.submit, ok.body.id, ['succeeded']);
  });

  it('refuses video and audio on /v1/analyze with 415 IMAGES_ONLY pointing to /v1/jobs', async () => {
    for (const file of ['video/Megamind.avi', 'audio/cards-001.wav']) {
      const res = await submit(fs.readFileSync(path.join(fixturesDir, file)), {}, {}, '/v1/analyze');
      expect({ file, status: res.status, code: res.body.error?.code }).toEqual({ file, status: 415, code: 'IMAGES_ONLY' });
      expect(res.body.error.message).toContain('/v1/jobs');
    }
    expect(await leftoverUploads(t.dataDir)).toEqual([]);
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED for a key reused with another file or other analyses, and replays the same request', async () => {
    const first = await submit('quick one', { analyses: 'nsfw,faces' }, { 'idempotency-key': 'k-reuse' });
    expect(first.status).toBe(202);
    const same = await submit('quick one', { analyses: 'faces,nsfw' }, { 'idempotency-key': 'k-reuse' });
    expect(same.status).toBe(202);
    expect(same.body.id).toBe(first.body.id);
    expect(same.headers.get('idempotent-replayed')).toBe('true');
    for (const [content, analyses] of [
      ['quick two', 'nsfw,faces'],
      ['quick one', 'nsfw'],
    ]) {
      const reused = await submit(content, { analyses }, { 'idempotency-key': 'k-reuse' });
      expect({ status: reused.status, code: reused.body.error?.code }).toEqual({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
      expect(reused.body.error.message).toContain(first.body.id);
    }
    expect(await leftoverUploads(t.dataDir)).toEqual([]);
  });

  it('runs a failed job again under its key with Rerun-Failed: true (same id), and only replays it without', async () => {
    const key = { 'idempotency-key': 'k-rerun' };
    const failed = await submit('sleep 2000', { timeoutMs: '200' }, key);
    expect((await waitForStatus(t.url, t.tokens.submit, failed.body.id, ['failed'])).error.code).toBe('TIMEOUT');
    const replay = await submit('sleep 2000', { timeoutMs: '200' }, key);
    expect(replay.body).toEqual({ id: failed.body.id, status: 'failed' });
    const rerun = await submit('sleep 200', { timeoutMs: '5000' }, { ...key, 'rerun-failed': 'true' });
    // Another file is another request, rerun or not.
    expect(rerun.body.error?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const again = await submit('sleep 2000', { timeoutMs: '5000' }, { ...key, 'rerun-failed': 'true' });
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ id: failed.body.id, status: 'queued' });
    const done = await waitForStatus(t.url, t.tokens.submit, failed.body.id, ['succeeded', 'failed'], 10_000);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(done.error).toBeUndefined();
    // A succeeded job is not run again.
    const noRerun = await submit('sleep 2000', {}, { ...key, 'rerun-failed': 'true' });
    expect(noRerun.body).toEqual({ id: failed.body.id, status: 'succeeded' });
  });

  it('answers malformed multipart (no boundary, garbage, unterminated) with 400 MALFORMED_MULTIPART, leaving nothing behind', async () => {
    const boundary = 'xyzboundary';
    const unterminated = `${filePart(boundary)}some bytes but no closing boundary`;
    const garbage = 'this is not multipart at all\r\n\r\n\r\n--';
    for (const [name, head, body] of [
      ['no boundary', `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${t.tokens.submit}\r\nContent-Type: multipart/form-data\r\nContent-Length: 10\r\n\r\n`, '0123456789'],
      ['garbage', multipartHead(boundary, garbage.length), garbage],
      ['unterminated', multipartHead(boundary, unterminated.length), unterminated],
    ] as const) {
      const answer = await rawExchange(t.url, [head, body]);
      expect({ name, status: statusOf(answer), code: bodyOf(answer).error?.code }).toEqual({ name, status: 400, code: 'MALFORMED_MULTIPART' });
    }
    expect(await leftoverUploads(t.dataDir)).toEqual([]);
  });

  it("keeps Fastify's own refusals (parameter too long, bad URL, unparsable HTTP) in the agent's envelope", async () => {
    const long = await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${'x'.repeat(150)}`);
    expect({ status: long.status, code: long.body.error?.code }).toEqual({ status: 414, code: 'URI_TOO_LONG' });
    const badUrl = await api(t.url, t.tokens.submit, 'GET', '/v1/jobs/%E0%A4%A');
    expect({ status: badUrl.status, code: badUrl.body.error?.code }).toEqual({ status: 400, code: 'BAD_REQUEST' });
    expect(badUrl.body.error.message).toContain('not valid');
    const garbled = await rawExchange(t.url, ['NOT HTTP AT ALL\r\n\r\n']);
    expect({ status: statusOf(garbled), code: bodyOf(garbled).error?.code }).toEqual({ status: 400, code: 'BAD_REQUEST' });
  });

  it('closes an upload that stalls with 408 UPLOAD_STALLED, and one too slow for its size with 408 UPLOAD_TOO_SLOW', async () => {
    const boundary = 'stallboundary';
    // 20 uploads that send their headers and a few bytes, then nothing: each is closed after the idle time.
    const stalled = await Promise.all(Array.from({ length: 20 }, () => rawExchange(t.url, [multipartHead(boundary, 100_000), `${filePart(boundary)}abc`], { timeoutMs: 5000 })));
    for (const answer of stalled) expect({ status: statusOf(answer), code: bodyOf(answer).error?.code }).toEqual({ status: 408, code: 'UPLOAD_STALLED' });
    // 20,000 bytes at ≥ 10,000 bytes/s must be done in 2 × 400 ms + 2 s; this one trickles a byte every 100 ms.
    const trickle = Array.from({ length: 60 }, () => 'a');
    const started = Date.now();
    const slow = await rawExchange(t.url, [multipartHead(boundary, 20_000), filePart(boundary), ...trickle], { gapMs: 100, timeoutMs: 8000 });
    expect({ status: statusOf(slow), code: bodyOf(slow).error?.code }).toEqual({ status: 408, code: 'UPLOAD_TOO_SLOW' });
    expect(Date.now() - started).toBeLessThan(6000);
    expect(await leftoverUploads(t.dataDir)).toEqual([]);
    expect((await api(t.url, t.tokens.read, 'GET', '/v1/health')).status).toBe(200);
  });

  it('takes a client that disconnects mid-upload as no error of its own: no error log, no leftover file', async () => {
    const boundary = 'goneboundary';
    for (let i = 0; i < 5; i++) {
      await rawExchange(t.url, [multipartHead(boundary, 1_000_000), filePart(boundary), 'x'.repeat(50_000)], { closeAfterWrite: true, timeoutMs: 500 });
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(await leftoverUploads(t.dataDir)).toEqual([]);
    // Heard, and logged at info as the client's doing.
    expect(log.lines.filter((l) => l.code === 'CLIENT_CLOSED').map((l) => l.level)).toEqual([30, 30, 30, 30, 30]);
  });

  it('logged nothing at error level for any of these', () => {
    expect(errorLines(log.lines)).toEqual([]);
  });
});
