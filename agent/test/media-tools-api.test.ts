// A missing media tool as a user meets it through the API: a real agent process whose ffprobe setting names
// nothing says so in /v1/info, and a recording sent to it fails with MEDIA_TOOL_MISSING and the way out, not
// "internal error". A second, normal agent says in /v1/info which ffmpeg and ffprobe it runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenWithCli, startAgentProcess, type AgentProcess } from '../../test-harness/agent/agent-process.js';
import { api, mediaForm, waitForStatus } from '../../test-harness/agent/test-agent.js';
import { fixture } from '../../test-harness/shared-folder.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediafleet-media-tools-'));
const missingFfprobe = path.join(dataDir, 'no-such-dir', 'ffprobe');
let agent: AgentProcess;
let token: string;

beforeAll(async () => {
  token = createTokenWithCli(dataDir, 'admin', 'acme');
  agent = await startAgentProcess({ dataDir, token, workers: 1, env: { MEDIAFLEET_FFPROBE: missingFfprobe } });
}, 300_000);

afterAll(async () => {
  await agent?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('an agent without ffprobe', () => {
  it('says in /v1/info which tool is missing and how to install it', async () => {
    const info = await api(agent.url, token, 'GET', '/v1/info');
    expect(info.status).toBe(200);
    expect(info.body.mediaTools.ffprobe).toBeNull();
    expect(info.body.mediaTools.ffmpeg).toMatchObject({ path: expect.any(String), source: expect.stringMatching(/^(system|bundled)$/) });
    expect(info.body.mediaTools.problems.join(' ')).toContain(missingFfprobe);
  });

  it('fails a recording with MEDIA_TOOL_MISSING and the way out, and keeps taking jobs', async () => {
    const submitted = await api(agent.url, token, 'POST', '/v1/jobs', mediaForm(fs.readFileSync(fixture('audio', 'cards-001.wav')), {}, 'cards-001.wav'));
    expect(submitted.status).toBe(202);
    const job = await waitForStatus(agent.url, token, submitted.body.id, ['failed', 'succeeded'], 120_000);
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('MEDIA_TOOL_MISSING');
    expect(job.error.message).toMatch(/ffprobe .*scripts\/setup\.sh.*MEDIAFLEET_FFPROBE/);
    // An image needs neither tool: the same agent still analyses it.
    const image = await api(agent.url, token, 'POST', '/v1/jobs', mediaForm(fs.readFileSync(fixture('images', 'coffee.png')), { analyses: 'nsfw' }, 'coffee.png'));
    expect((await waitForStatus(agent.url, token, image.body.id, ['failed', 'succeeded'], 120_000)).status).toBe('succeeded');
  }, 300_000);
});
