// Keyframe thumbnails over the real HTTP API: a real video (Megamind.avi) analysed by the real agent with the
// NSFW model on its keyframes; GET /v1/jobs/:id/keyframes/:n.jpg serves real JPEGs of the job's own keyframes,
// tenant-checked, and 404 for a keyframe that does not exist or a job without keyframes.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from '../../test-harness/shared-folder.js';
import { missingAnalyses } from '../../test-harness/agent/installed-analyses.js';
import { api, mediaForm, startTestAgent, waitForStatus, type TestAgent } from '../../test-harness/agent/test-agent.js';

const video = path.join(fixturesDir, 'video/Megamind.avi');
const image = path.join(fixturesDir, 'images/astronaut.png');
const missing = await missingAnalyses(['nsfw']);
const skipReason = !fs.existsSync(video) ? 'video fixture missing' : missing.length > 0 ? `models not installed: ${missing.join(', ')}` : '';

async function getJpeg(url: string, token: string | undefined): Promise<{ status: number; type: string | null; body: Buffer }> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

describe.skipIf(skipReason !== '')(`keyframe thumbnails over HTTP${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let t: TestAgent;
  let videoJob: { id: string; status: string; error?: unknown; result: { timeline: Array<{ t: number; thumbnail?: string }> } };
  let imageJobId: string;
  beforeAll(async () => {
    t = await startTestAgent();
    const accepted = await api(t.url, t.tokens.submit, 'POST', '/v1/jobs', mediaForm(fs.readFileSync(video), { analyses: 'nsfw' }, 'Megamind.avi'));
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    const img = await api(t.url, t.tokens.submit, 'POST', '/v1/jobs', mediaForm(fs.readFileSync(image), { analyses: 'nsfw' }, 'astronaut.png'));
    imageJobId = img.body.id;
    videoJob = await waitForStatus(t.url, t.tokens.submit, accepted.body.id, ['succeeded', 'failed'], 400_000);
    await waitForStatus(t.url, t.tokens.submit, imageJobId, ['succeeded', 'failed'], 120_000);
  }, 600_000);
  afterAll(async () => t?.close());

  it('every keyframe in the timeline has a thumbnail, served as a JPEG from the job', async () => {
    expect(videoJob.status, JSON.stringify(videoJob.error)).toBe('succeeded');
    const timeline = videoJob.result.timeline;
    expect(timeline.length).toBeGreaterThan(0);
    for (const [n, entry] of timeline.entries()) {
      expect(entry.thumbnail).toMatch(/^kf-\d{4}-\d+ms\.jpg$/);
      const res = await getJpeg(`${t.url}/v1/jobs/${videoJob.id}/keyframes/${n}.jpg`, t.tokens.submit);
      expect(res.status).toBe(200);
      expect(res.type).toBe('image/jpeg');
      const meta = await sharp(res.body).metadata();
      expect(meta.format).toBe('jpeg');
      expect(meta.width).toBeLessThanOrEqual(320);
      // The bytes are the job's own file, under <data>/thumbnails/<job id>/.
      expect(res.body.equals(fs.readFileSync(path.join(t.dataDir, 'thumbnails', videoJob.id, entry.thumbnail!)))).toBe(true);
    }
  });

  it('another tenant gets 404, no token 401; a keyframe past the end, or a job without keyframes, 404 NOT_FOUND', async () => {
    expect((await getJpeg(`${t.url}/v1/jobs/${videoJob.id}/keyframes/0.jpg`, t.tokens.otherTenant)).status).toBe(404);
    expect((await getJpeg(`${t.url}/v1/jobs/${videoJob.id}/keyframes/0.jpg`, undefined)).status).toBe(401);
    const past = await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${videoJob.id}/keyframes/${videoJob.result.timeline.length}.jpg`);
    expect(past.status).toBe(404);
    expect(past.body.error.code).toBe('NOT_FOUND');
    const none = await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${imageJobId}/keyframes/0.jpg`);
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('NOT_FOUND');
    const notANumber = await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${videoJob.id}/keyframes/..%2F..%2Fagent.sqlite.jpg`);
    expect([400, 404]).toContain(notANumber.status);
  });
});
