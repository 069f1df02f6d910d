// The queue's own behaviour through the real HTTP API, real SQLite and real worker threads. The worker here is
// the trivial test worker (support/sleep-worker.ts), not the models: what is under test is the queue
// (idempotency, cancel, timeout, priority, 429, 413, crash of a worker, graceful shutdown), and a job that
// sleeps on command makes its timing deterministic. Model-backed behaviour is in api-real-models.test.ts.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, leftoverUploads, mediaForm, sleepWorkerUrl, startTestAgent, waitForStatus, type TestAgent } from '../../test-harness/agent/test-agent.js';

const uploadsSettled = (t: TestAgent): Promise<string[]> => leftoverUploads(t.dataDir);

describe('job queue over HTTP (test worker)', () => {
  let t: TestAgent;
  beforeAll(async () => {
    // The tenant may use the whole (small) queue here: what is under test is the global cap; per-tenant shares are in fairness.test.ts.
    t = await startTestAgent({ workers: 1, maxQueueDepth: 3, maxQueuePerTenant: 3, maxUploadBytes: 4096 }, { workerUrl: sleepWorkerUrl });
  });
  afterAll(async () => t?.close());

  const submit = (content: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}, token = t.tokens.submit) =>
    api(t.url, token, 'POST', '/v1/jobs', mediaForm(content, fields), headers);

  it('accepts a job with 202 {id,status}, runs it, and GET shows the result with progress 1', async () => {
    const res = await submit('sleep 100');
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: expect.any(String), status: 'queued' });
    const job = await waitForStatus(t.url, t.tokens.submit, res.body.id, ['succeeded', 'failed']);
    expect(job).toMatchObject({ id: res.body.id, status: 'succeeded', progress: 1 });
    expect(job.result.media.bytes).toBe('sleep 100'.length);
    expect(await uploadsSettled(t)).toEqual([]); // the input is removed once the job is done
  });

  it('returns the same job for a repeated Idempotency-Key, per tenant', async () => {
    const first = await submit('sleep 50', {}, { 'idempotency-key': 'k-1' });
    const again = await submit('sleep 50', {}, { 'idempotency-key': 'k-1' });
    const otherTenant = await submit('sleep 50', {}, { 'idempotency-key': 'k-1' }, t.tokens.otherTenant);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(otherTenant.body.id).not.toBe(first.body.id);
    await waitForStatus(t.url, t.tokens.submit, first.body.id, ['succeeded']);
    await waitForStatus(t.url, t.tokens.otherTenant, otherTenant.body.id, ['succeeded']);
    const list = await api(t.url, t.tokens.submit, 'GET', '/v1/jobs?limit=200');
    expect(list.body.jobs.filter((j: { id: string }) => j.id === first.body.id)).toHaveLength(1);
  });

  it('cancels a running and a queued job; the worker is free again at once', async () => {
    const running = await submit('sleep 20000');
    await waitForStatus(t.url, t.tokens.submit, running.body.id, ['running']);
    const queued = await submit('sleep 20000');
    const canceledQueued = await api(t.url, t.tokens.submit, 'DELETE', `/v1/jobs/${queued.body.id}`);
    expect(canceledQueued.body).toMatchObject({ status: 'canceled', error: { code: 'CANCELED' } });
    const canceledRunning = await api(t.url, t.tokens.submit, 'DELETE', `/v1/jobs/${running.body.id}`);
    expect(canceledRunning.status).toBe(200);
    expect(canceledRunning.body.status).toBe('canceled');
    const next = await submit('quick');
    const done = await waitForStatus(t.url, t.tokens.submit, next.body.id, ['succeeded'], 5000);
    expect(done.status).toBe('succeeded');
    // Canceling again is harmless and keeps the outcome.
    expect((await api(t.url, t.tokens.submit, 'DELETE', `/v1/jobs/${running.body.id}`)).body.status).toBe('canceled');
    expect(await uploadsSettled(t)).toEqual([]);
  });

  it('erases a running job: canceled, its worker freed, its input gone, the job unknown afterwards', async () => {
    const running = await submit('sleep 20000');
    await waitForStatus(t.url, t.tokens.submit, running.body.id, ['running']);
    const erased = await api(t.url, t.tokens.submit, 'POST', `/v1/jobs/${running.body.id}/erase`);
    expect(erased.body).toMatchObject({ erased: 'job', jobId: running.body.id, removed: { jobs: 1, inputs: 1, results: 0 } });
    expect((await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${running.body.id}`)).status).toBe(404);
    const next = await submit('quick');
    expect((await waitForStatus(t.url, t.tokens.submit, next.body.id, ['succeeded'], 5000)).status).toBe('succeeded');
    expect(await uploadsSettled(t)).toEqual([]);
  });

  it('fails a job that runs past its timeout with TIMEOUT, even when the worker ignores the cancel', async () => {
    const slow = await submit('sleep 20000', { timeoutMs: '300' });
    const slowJob = await waitForStatus(t.url, t.tokens.submit, slow.body.id, ['failed', 'succeeded']);
    expect(slowJob.error).toEqual({ code: 'TIMEOUT', message: expect.stringContaining('300') });
    const stuck = await submit('hang 4000', { timeoutMs: '200' });
    const stuckJob = await waitForStatus(t.url, t.tokens.submit, stuck.body.id, ['failed', 'succeeded'], 10_000);
    expect(stuckJob.error.code).toBe('TIMEOUT');
    expect(Date.parse(stuckJob.finishedAt) - Date.parse(stuckJob.startedAt)).toBeLessThan(3500); // terminated, not waited out
    const after = await submit('quick');
    expect((await waitForStatus(t.url, t.tokens.submit, after.body.id, ['succeeded', 'failed'], 10_000)).status).toBe('succeeded');
  });

  it('runs interactive jobs before batch jobs that were queued earlier', async () => {
    const blocker = await submit('sleep 400');
    await waitForStatus(t.url, t.tokens.submit, blocker.body.id, ['running']);
    const batch = await submit('quick', { priority: 'batch' });
    const interactive = await submit('quick', { priority: 'interactive' });
    const b = await waitForStatus(t.url, t.tokens.submit, batch.body.id, ['succeeded']);
    const i = await waitForStatus(t.url, t.tokens.submit, interactive.body.id, ['succeeded']);
    expect(Date.parse(i.startedAt)).toBeLessThanOrEqual(Date.parse(b.startedAt));
    expect(Date.parse(i.finishedAt)).toBeLessThanOrEqual(Date.parse(b.startedAt));
  });

  it('answers 429 QUEUE_FULL with Retry-After when the queue is full, and accepts again once it drains', async () => {
    const blocker = await submit('sleep 1500');
    await waitForStatus(t.url, t.tokens.submit, blocker.body.id, ['running']);
    const waiting = [await submit('quick'), await submit('quick'), await submit('quick')];
    expect(waiting.map((r) => r.status)).toEqual([202, 202, 202]);
    const refused = await submit('quick');
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('QUEUE_FULL');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    for (const w of waiting) await waitForStatus(t.url, t.tokens.submit, w.body.id, ['succeeded']);
    const last = await submit('quick');
    expect(last.status).toBe(202);
    await waitForStatus(t.url, t.tokens.submit, last.body.id, ['succeeded']);
    expect(await uploadsSettled(t)).toEqual([]); // the refused upload left nothing behind
  });

  it('answers 413 for an upload over the limit, declared or streamed, and leaves no temp file', async () => {
    const declared = await submit('x'.repeat(200_000));
    expect(declared.status).toBe(413);
    expect(declared.body.error.code).toBe('FILE_TOO_LARGE');

    // Chunked: no Content-Length, so the limit must trip while streaming.
    const boundary = 'mediafleetboundary';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    const chunks = [Buffer.from(head), ...Array.from({ length: 10 }, () => Buffer.alloc(1024, 97)), Buffer.from(`\r\n--${boundary}--\r\n`)];
    const body = new ReadableStream({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(new Uint8Array(next));
        else controller.close();
      },
    });
    const res = await fetch(`${t.url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.tokens.submit}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FILE_TOO_LARGE');
    expect(await uploadsSettled(t)).toEqual([]);
    // Still serving.
    expect((await api(t.url, t.tokens.read, 'GET', '/v1/health')).status).toBe(200);
  });

  it('rejects bad form fields with 400 BAD_REQUEST and no leftover file', async () => {
    const unknown = await submit('quick', { analyses: 'nsfw,telepathy' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('telepathy') });
    const noFile = await api(t.url, t.tokens.submit, 'POST', '/v1/jobs', (() => {
      const f = new FormData();
      f.append('analyses', 'nsfw');
      return f;
    })());
    expect(noFile.body.error.code).toBe('BAD_REQUEST');
    expect(await uploadsSettled(t)).toEqual([]);
  });

  it('a worker thread that dies on a job is replaced; the job runs again up to its attempts, then fails with INTERNAL (no internals leaked)', async () => {
    const crash = await submit('crash');
    const job = await waitForStatus(t.url, t.tokens.submit, crash.body.id, ['failed', 'succeeded'], 20_000);
    // Its own worker died on it each time: counted, unlike an agent that is killed (crash-recovery.test.ts).
    expect(job).toMatchObject({ status: 'failed', attempts: 3 });
    expect(job.error).toEqual({ code: 'INTERNAL', message: expect.stringMatching(/^the analysis worker stopped while running this job 3 times; giving up/) });
    const after = await submit('quick');
    expect((await waitForStatus(t.url, t.tokens.submit, after.body.id, ['succeeded', 'failed'], 10_000)).status).toBe('succeeded');
  });

  it('streams progress over SSE, ending with the terminal status', async () => {
    const res = await submit('sleep 300');
    const stream = await fetch(`${t.url}/v1/jobs/${res.body.id}/events`, { headers: { authorization: `Bearer ${t.tokens.submit}` } });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const text = await stream.text(); // the server ends the stream after the terminal event
    const events = text
      .split('\n\n')
      .filter((block) => block.includes('event:'))
      .map((block) => JSON.parse(block.split('\n').find((l) => l.startsWith('data: '))!.slice(6)));
    expect(events.some((e) => e.type === 'progress' && e.progress > 0 && e.progress < 1)).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'status', status: 'succeeded' });
    const seqs = events.map((e) => e.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });

  it("numbers each job's events from 1 with id: lines, whatever other tenants do, and resumes from Last-Event-ID", async () => {
    const readEvents = async (id: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${t.url}/v1/jobs/${id}/events`, { headers: { authorization: `Bearer ${t.tokens.submit}`, ...headers } });
      return (await res.text())
        .split('\n\n')
        .filter((block) => block.includes('event:'))
        .map((block) => ({ id: Number(/^id: (\d+)$/m.exec(block)?.[1]), data: JSON.parse(/^data: (.*)$/m.exec(block)![1]) }));
    };
    // Another tenant's activity first: its events must not show in this tenant's numbering.
    const other = await submit('sleep 100', {}, {}, t.tokens.otherTenant);
    await waitForStatus(t.url, t.tokens.otherTenant, other.body.id, ['succeeded']);
    const mine = await submit('sleep 300');
    const events = await readEvents(mine.body.id);
    expect(events[0].data.seq).toBeLessThanOrEqual(3);
    expect(events.every((e) => e.id === e.data.seq)).toBe(true);
    const seqs = events.map((e) => e.id);
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    const last = events.at(-1)!;
    expect(last.data).toMatchObject({ type: 'status', status: 'succeeded' });
    // Resuming after the end sends nothing; resuming from the middle sends the current (final) state, once.
    expect(await readEvents(mine.body.id, { 'last-event-id': String(last.id) })).toEqual([]);
    const resumed = await readEvents(mine.body.id, { 'last-event-id': String(events[1].id) });
    expect(resumed).toEqual([{ id: last.id, data: expect.objectContaining({ type: 'status', status: 'succeeded', seq: last.id }) }]);
  });

  it('counts finished jobs in /metrics and reports workers, limits and hardware in /v1/info', async () => {
    const metrics = await api(t.url, t.tokens.read, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/mediafleet_jobs_finished_total\{status="succeeded",code=""\} [1-9]/);
    expect(metrics.body).toMatch(/mediafleet_jobs_finished_total\{status="failed",code="TIMEOUT"\} [1-9]/);
    expect(metrics.body).toMatch(/mediafleet_http_request_duration_seconds_bucket/);
    const info = await api(t.url, t.tokens.read, 'GET', '/v1/info');
    expect(info.body).toMatchObject({ name: 'mediafleet-agent', workers: 1, vectorSearch: 'sqlite-vec', limits: { maxUploadBytes: 4096, maxQueueDepth: 3 } });
    expect(info.body.hardware.cores).toBeGreaterThanOrEqual(1);
  });

  it('pages through jobs with a cursor, newest first, without repeats', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await submit('quick', {}, {}, t.tokens.otherTenant)).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { jobs: Array<{ id: string }>; nextCursor: string | null } } = await api(
        t.url,
        t.tokens.otherTenant,
        'GET',
        `/v1/jobs?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.body.jobs.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.jobs.map((j) => j.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 3)).toEqual([...ids].reverse());
  });
});

describe('graceful shutdown (test worker)', () => {
  it('re-queues a job still running at the end of the grace period; the next start finishes it once', async () => {
    const first = await startTestAgent({ workers: 1 }, { workerUrl: sleepWorkerUrl });
    const dataDir = first.dataDir;
    try {
      const res = await api(first.url, first.tokens.submit, 'POST', '/v1/jobs', mediaForm('sleep 1500'));
      await waitForStatus(first.url, first.tokens.submit, res.body.id, ['running']);
      await first.agent.close(100);
      const second = await startTestAgent({ workers: 1 }, { workerUrl: sleepWorkerUrl, dataDir });
      try {
        const job = await waitForStatus(second.url, second.tokens.submit, res.body.id, ['succeeded', 'failed'], 10_000);
        expect(job).toMatchObject({ status: 'succeeded', attempts: 1 });
      } finally {
        await second.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
