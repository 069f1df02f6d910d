// analyze:keyframe: the thumbnail of one keyframe of a finished video, from the agent that ran it. On the real
// built-in agent with a 5 s cut of vtest.avi (video + faces): JPEG bytes, the index bound, a thumbnail the agent
// no longer has. With a stand-in agent: the errors that need a particular answer (not a video, not a JPEG, too big).
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '#agent/contracts/result-document.js';
import { jobThumbnailsDir } from '#agent/http/thumbnails.js';
import { resolveMediaTools } from '#agent/media/av/media-tools.js';
import { analysisKeyframe } from '../contracts/analyze.js';
import { ConsoleError } from '../contracts/define.js';
import { LocalAgent } from '../local-agent/local-agent.js';
import { consoleMethods } from '../api.js';
import { AgentHttpClient, type AgentJob, type AgentPort } from '../agents/agent-http-client.js';
import { MethodRegistry } from '../registry/method-registry.js';
import { registerAnalyzeMethods } from './analyze-methods.js';
import { AnalysisService } from './analysis-service.js';
import { anyLocalPath } from './submit-path-policy.js';
import { waitForSubmissionEnd } from './wait-for-submission.js';
import { fixturesDir } from '../../../test-harness/shared-folder.js';

const appRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const fixtures = fixturesDir;

describe('analyze:keyframe on the real built-in agent (5 s of vtest.avi, video + faces)', () => {
  let dir: string;
  let agent: LocalAgent;
  let service: AnalysisService;
  let registry: MethodRegistry;
  let submissionId: string;
  let result: ResultDocument;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mf-keyframe-'));
    const clip = join(dir, 'vtest-5s.avi');
    // The agent's own choice of ffmpeg: Debian's, or the npm package's where there is none.
    await promisify(execFile)(resolveMediaTools().ffmpeg, ['-nostdin', '-v', 'error', '-i', join(fixtures, 'video/vtest.avi'), '-t', '5', '-c', 'copy', clip]);
    agent = new LocalAgent({ appRoot, dataDir: join(dir, 'agent') });
    service = new AnalysisService({ agents: { resolve: async () => ({ client: new AgentHttpClient(await agent.start()) }) }, pollIntervalMs: 100 });
    registry = new MethodRegistry(consoleMethods);
    registerAnalyzeMethods(registry, { analysis: service, allowPath: anyLocalPath });
    const submitted = await service.submit({ path: clip, analyses: ['video', 'faces'], agentId: 'local' });
    submissionId = submitted.submissionId;
    const end = await waitForSubmissionEnd(service, submissionId, 150_000);
    expect(end).toMatchObject({ stage: 'done', error: null });
    result = service.result(submissionId);
  }, 180_000);
  afterAll(async () => {
    service?.close();
    await agent?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers a keyframe as a JPEG within the contract, at the time the timeline gives', async () => {
    expect(result.timeline!.length).toBeGreaterThanOrEqual(2);
    const envelope = await registry.invoke('analyze:keyframe', { submissionId, index: 1 }, { readOnly: false });
    if (!envelope.ok) throw new Error(envelope.error.message);
    const answer = analysisKeyframe.output.parse(envelope.data);
    const jpeg = Buffer.from(answer.dataBase64, 'base64');
    expect([...jpeg.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect(jpeg.length).toBeGreaterThan(1000);
    expect(answer).toMatchObject({ index: 1, t: result.timeline![1]!.t, mime: 'image/jpeg' });
  });

  it('an index past the last keyframe, or an unknown submission, is refused with a clear code', async () => {
    const count = result.timeline!.length;
    await expect(service.keyframe(submissionId, count)).rejects.toMatchObject({
      code: 'KEYFRAME_OUT_OF_RANGE',
      message: expect.stringContaining(`has ${count} keyframes`),
    });
    await expect(service.keyframe('no-such-submission', 0)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a thumbnail the agent no longer stores is KEYFRAME_GONE, saying to analyse again', async () => {
    const submission = service.status(submissionId);
    await rm(jobThumbnailsDir(join(dir, 'agent'), submission.jobId!), { recursive: true, force: true });
    await expect(service.keyframe(submissionId, 0)).rejects.toMatchObject({ code: 'KEYFRAME_GONE', message: expect.stringMatching(/analyse the file again/) });
  });
});

/** A service whose single job ends with `result`, served by a stand-in agent. */
async function serviceWithResult(dir: string, result: ResultDocument, getKeyframe: AgentPort['getKeyframe']): Promise<{ service: AnalysisService; id: string }> {
  const agent: AgentPort = {
    submitJob: async () => ({ id: 'job-1', status: 'queued' }),
    getJob: async (id): Promise<AgentJob> => ({
      id,
      status: 'succeeded',
      progress: 1,
      stage: null,
      priority: 'interactive',
      file: 'clip.avi',
      attempts: 1,
      createdAt: '2026-12-01T00:00:00.000Z',
      startedAt: null,
      finishedAt: null,
      result,
    }),
    cancelJob: async () => undefined,
    getKeyframe,
  };
  const service = new AnalysisService({ agents: { resolve: async () => ({ client: agent }) }, pollIntervalMs: 10 });
  const file = join(dir, 'clip.avi');
  await writeFile(file, 'x');
  const { submissionId } = await service.submit({ path: file, agentId: 'local' });
  expect(await waitForSubmissionEnd(service, submissionId, 5000)).toMatchObject({ stage: 'done' });
  return { service, id: submissionId };
}

const video: ResultDocument = {
  version: 1,
  file: 'clip.avi',
  media: { kind: 'video', mime: 'video/x-msvideo', width: 768, height: 576, durationSec: 5, bytes: 1, sha256: 'a'.repeat(64) },
  timeline: [{ t: 0, thumbnail: 'kf-0000-0ms.jpg', faces: [] }],
  timings: {},
  agent: { id: 'x', version: '1' },
  models: {},
};

describe('analyze:keyframe errors that need a particular agent answer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mf-keyframe-fake-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('an image has no keyframes: NOT_A_VIDEO', async () => {
    const image: ResultDocument = { ...video, media: { ...video.media, kind: 'image', mime: 'image/jpeg' }, timeline: undefined };
    const { service, id } = await serviceWithResult(dir, image, async () => Buffer.from([0xff, 0xd8]));
    await expect(service.keyframe(id, 0)).rejects.toMatchObject({ code: 'NOT_A_VIDEO', message: expect.stringContaining('image, not video') });
  });

  it('an agent that answers something other than a JPEG is not believed', async () => {
    const { service, id } = await serviceWithResult(dir, video, async () => Buffer.from('<html>login</html>'));
    await expect(service.keyframe(id, 0)).rejects.toMatchObject({ code: 'AGENT_BAD_RESPONSE' });
  });

  it("the agent's 404 becomes KEYFRAME_GONE", async () => {
    const { service, id } = await serviceWithResult(dir, video, async () => {
      throw new ConsoleError('AGENT_NOT_FOUND', 'the agent refused: no job job-1');
    });
    await expect(service.keyframe(id, 0)).rejects.toMatchObject({ code: 'KEYFRAME_GONE', message: expect.stringContaining('no job job-1') });
  });

  describe('AgentHttpClient.getKeyframe keeps the payload bounded', () => {
    let server: Server;
    let baseUrl: string;
    beforeAll(async () => {
      server = createServer((req, res) => {
        const big = Buffer.alloc(3 * 1024 * 1024, 0xff);
        if (req.url?.includes('/declared/')) {
          res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': big.length });
          res.end(big);
          return;
        }
        // Chunked, no length: the client must count.
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        for (let i = 0; i < big.length; i += 256 * 1024) res.write(big.subarray(i, i + 256 * 1024));
        res.end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('refuses a body over the bound, whether its length is declared or not', async () => {
      const client = new AgentHttpClient({ baseUrl, token: 't' });
      await expect(client.getKeyframe('declared', 0, 2 * 1024 * 1024)).rejects.toMatchObject({ code: 'KEYFRAME_TOO_LARGE' });
      await expect(client.getKeyframe('chunked', 0, 2 * 1024 * 1024)).rejects.toMatchObject({ code: 'KEYFRAME_TOO_LARGE' });
      expect((await client.getKeyframe('chunked', 0, 4 * 1024 * 1024)).length).toBe(3 * 1024 * 1024);
    });
  });
});
