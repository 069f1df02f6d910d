// Transcripts over the real HTTP API (real agent, SQLite file, worker thread, PocketSphinx on a real recording):
// asrEngine as a multipart field, GET /v1/jobs/:id/transcript.srt|vtt with content types, tenant isolation,
// scope, and 404 NOT_FOUND for a job that has no transcript.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from '../../test-harness/shared-folder.js';
import { api, mediaForm, startTestAgent, waitForStatus, type TestAgent } from '../../test-harness/agent/test-agent.js';

const wav = path.join(fixturesDir, 'audio/cards-001.wav');
const pocketsphinx = spawnSync('sh', ['-c', 'command -v pocketsphinx_continuous || command -v pocketsphinx']).status === 0;
const skipReason = !fs.existsSync(wav) ? 'audio fixture missing' : !pocketsphinx ? 'pocketsphinx not installed' : '';

describe.skipIf(skipReason !== '')(`transcripts over HTTP${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let t: TestAgent;
  let audioJob: string;
  let failedJob: string;
  beforeAll(async () => {
    t = await startTestAgent();
    const accepted = await api(t.url, t.tokens.submit, 'POST', '/v1/jobs', mediaForm(fs.readFileSync(wav), { analyses: 'transcribe', asrEngine: 'pocketsphinx' }, 'cards-001.wav'));
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    audioJob = accepted.body.id;
    // An engine that does not exist reaches the analyzer and fails the job with its stable code.
    const bad = await api(t.url, t.tokens.submit, 'POST', '/v1/jobs', mediaForm(fs.readFileSync(wav), { analyses: 'transcribe', asrEngine: 'telepathy' }, 'cards-001.wav'));
    expect(bad.status).toBe(202);
    failedJob = bad.body.id;
    await waitForStatus(t.url, t.tokens.submit, audioJob, ['succeeded', 'failed'], 240_000);
    await waitForStatus(t.url, t.tokens.submit, failedJob, ['succeeded', 'failed'], 240_000);
  }, 300_000);
  afterAll(async () => t?.close());

  it('the job used the engine named in the asrEngine field; a bad engine name fails the job with BAD_REQUEST', async () => {
    const job = (await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${audioJob}`)).body;
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.result.transcript.engine).toBe('pocketsphinx');
    expect(job.result.transcript.segments.length).toBeGreaterThan(0);
    const failed = (await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${failedJob}`)).body;
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('telepathy') });
  });

  it('an asrEngine field that is not an engine name is refused at submit (400)', async () => {
    const res = await api(t.url, t.tokens.submit, 'POST', '/v1/jobs', mediaForm(fs.readFileSync(wav), { asrEngine: '../../etc' }, 'a.wav'));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
  });

  it('serves the transcript as SRT and VTT with their content types, matching the job result', async () => {
    const job = (await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${audioJob}`)).body;
    const segments = job.result.transcript.segments.filter((s: { text: string }) => s.text.trim());
    const srt = await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${audioJob}/transcript.srt`);
    expect(srt.status).toBe(200);
    expect(srt.headers.get('content-type')).toBe('application/x-subrip');
    expect(srt.body).toMatch(/^1\n00:00:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n\S/);
    expect(srt.body.trim().split(/\n\n/)).toHaveLength(segments.length);
    expect(srt.body).toContain(segments[0].text.trim());
    const vtt = await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${audioJob}/transcript.vtt`);
    expect(vtt.status).toBe(200);
    expect(vtt.headers.get('content-type')).toBe('text/vtt; charset=utf-8');
    expect(vtt.body).toMatch(/^WEBVTT\n\n\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}\n\S/);
    expect(vtt.body).toContain(segments[0].text.trim());
  });

  it('another tenant gets 404, no token 401, a read token 403 (same rules as GET /v1/jobs/:id)', async () => {
    for (const ext of ['srt', 'vtt']) {
      const other = await api(t.url, t.tokens.otherTenant, 'GET', `/v1/jobs/${audioJob}/transcript.${ext}`);
      expect(other.status).toBe(404);
      expect(other.body.error.code).toBe('NOT_FOUND');
      expect((await api(t.url, undefined, 'GET', `/v1/jobs/${audioJob}/transcript.${ext}`)).status).toBe(401);
      const asJob = await api(t.url, t.tokens.read, 'GET', `/v1/jobs/${audioJob}`);
      expect((await api(t.url, t.tokens.read, 'GET', `/v1/jobs/${audioJob}/transcript.${ext}`)).status).toBe(asJob.status);
    }
  });

  it('a job without a transcript, and an unknown job, are 404 NOT_FOUND saying so', async () => {
    for (const ext of ['srt', 'vtt']) {
      const none = await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${failedJob}/transcript.${ext}`);
      expect(none.status).toBe(404);
      expect(none.body.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('no transcript') });
      const unknown = await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/00000000-0000-0000-0000-000000000000/transcript.${ext}`);
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('NOT_FOUND');
    }
  });
});
