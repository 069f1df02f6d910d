// The Analyze path on a real built-in agent (child process, real HTTP, real SQLite queue): files go through
// upload → queued → running → done/failed, and errors keep the agent's stable codes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisSubmission } from '../contracts/analyze.js';
import { LocalAgent, parseTokenOutput } from '../local-agent/local-agent.js';
import { AnalysisService } from './analysis-service.js';
import { waitForSubmissionEnd } from './wait-for-submission.js';
import { AgentDirectory } from '../agents/agent-directory.js';
import { FileVault } from '../secrets/file-vault.js';
import { fixturesDir } from '../../../test-harness/shared-folder.js';

const appRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const fixtures = fixturesDir;

describe('token output of the agent CLI', () => {
  it('takes the token alone on the last line, or from JSON', () => {
    expect(parseTokenOutput('mf_abcdef0123456789abcdef\n')).toBe('mf_abcdef0123456789abcdef');
    expect(parseTokenOutput('{"token":"mf_x"}\n')).toBe('mf_x');
    expect(() => parseTokenOutput('error: nope\n')).toThrow(/could not read a token/);
  });
});

describe('AnalysisService on the real built-in agent', () => {
  let dataDir: string;
  let agent: LocalAgent;
  let service: AnalysisService;
  const seen: AnalysisSubmission[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mf-local-agent-'));
    agent = new LocalAgent({ appRoot, dataDir });
    // The console's own directory of agents: This computer, and no registered ones.
    const directory = new AgentDirectory({
      agents: { list: () => [] },
      vault: FileVault.open({ path: join(dataDir, 'vault.json'), passphrase: 'p', scrypt: { N: 2 ** 12, r: 8, p: 1 } }),
    });
    directory.useLocalAgent(() => agent.start());
    service = new AnalysisService({ agents: directory, onChange: (s) => seen.push(s), pollIntervalMs: 100 });
    await agent.start();
  });
  afterAll(async () => {
    service?.close();
    await agent?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts the agent on 127.0.0.1 with a reusable admin token', () => {
    expect(agent.state).toMatchObject({ state: 'running' });
    expect(agent.state.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('a truncated JPEG fails with the agent code, after passing through upload and queued', async () => {
    const submitted = await service.submit({ path: join(fixtures, 'bad/truncated.jpg'), agentId: 'local' });
    expect(submitted.stage).toBe('upload');
    const end = await waitForSubmissionEnd(service, submitted.submissionId);
    expect(end.stage).toBe('failed');
    expect(end.error?.code).toMatch(/CORRUPT|UNSUPPORTED|BAD/);
    expect(end.jobId).toBeTruthy();
    const stages = seen.filter((s) => s.submissionId === submitted.submissionId).map((s) => s.stage);
    expect(stages[0]).toBe('upload');
    expect(stages).toContain('queued');
    expect(() => service.result(submitted.submissionId)).toThrow(/failed/);
  });

  it('analyses messi5.jpg for faces and pose, and the result matches the result schema', async (ctx) => {
    const submitted = await service.submit({ path: join(fixtures, 'images/messi5.jpg'), analyses: ['faces', 'pose'], agentId: 'local' });
    const end = await waitForSubmissionEnd(service, submitted.submissionId, 110_000);
    if (end.stage === 'failed' && end.error?.code === 'MODEL_MISSING') ctx.skip(`the agent has no faces/pose analyzer yet: ${end.error.message}`);
    expect(end.stage).toBe('done');
    const result = service.result(submitted.submissionId);
    expect(result.media).toMatchObject({ kind: 'image', width: expect.any(Number) });
    expect(result.faces!.length).toBeGreaterThanOrEqual(1);
    expect(result.pose!.length).toBeGreaterThanOrEqual(1);
  });

  it('refuses a file that does not exist, and an unknown agent', async () => {
    await expect(service.submit({ path: join(dataDir, 'nope.jpg'), agentId: 'local' })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    const s = await service.submit({ path: join(fixtures, 'images/messi5.jpg'), agentId: 'gpu-7' });
    const end = await waitForSubmissionEnd(service, s.submissionId);
    expect(end.error?.code).toBe('AGENT_UNKNOWN');
  });

  it('cancels a submission, and retry makes a new one for the same file', async () => {
    const s = await service.submit({ path: join(fixtures, 'video/vtest.avi'), agentId: 'local' });
    expect(await service.cancel(s.submissionId)).toBe(true);
    expect(service.status(s.submissionId).stage).toBe('canceled');
    expect(await service.cancel(s.submissionId)).toBe(false);
    const again = await service.retry(s.submissionId);
    expect(again.submissionId).not.toBe(s.submissionId);
    expect(again.fileName).toBe('vtest.avi');
    await service.cancel(again.submissionId);
    expect(service.list().map((x) => x.submissionId).slice(0, 2)).toEqual([again.submissionId, s.submissionId]);
  });
});

describe('LocalAgent without the agent program', () => {
  it('reports itself unavailable with a reason instead of failing silently', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mf-no-agent-'));
    const agent = new LocalAgent({ appRoot: dir, dataDir: join(dir, 'data') });
    await expect(agent.start()).rejects.toMatchObject({ code: 'LOCAL_AGENT_UNAVAILABLE' });
    expect(agent.state.state).toBe('unavailable');
    expect(agent.state.message).toContain('agent program is missing');
    await rm(dir, { recursive: true, force: true });
  });
});
