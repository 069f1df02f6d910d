// /v1/info says, per analysis, which device runs it and why it is not the GPU: real agent processes, one with the
// GPU left to `auto` (this machine's own answer: on the build machines, no NVIDIA driver), one with it turned off.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenWithCli, startAgentProcess, type AgentProcess } from '../../test-harness/agent/agent-process.js';
import { api } from '../../test-harness/agent/test-agent.js';
import { probeGpuFacts } from '../src/runtimes/gpu/gpu-facts.js';

const started: Array<{ agent: AgentProcess; dir: string }> = [];
afterAll(async () => {
  for (const { agent, dir } of started) {
    await agent.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

async function infoOf(env: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediafleet-devices-'));
  const token = createTokenWithCli(dir, 'read', 'acme');
  const agent = await startAgentProcess({ dataDir: dir, token, workers: 1, env: { MEDIAFLEET_WARMUP: 'none', ...env } });
  started.push({ agent, dir });
  const info = await api(agent.url, token, 'GET', '/v1/info');
  expect(info.status).toBe(200);
  return info.body.devices as { gpus: unknown[]; probeError: string | null; analyses: Record<string, { device: string; runtime: string; reason: string | null }> };
}

describe('devices in /v1/info', () => {
  it('auto: every analysis names its device and runtime; each one on the CPU says why', async () => {
    const devices = await infoOf({});
    const here = probeGpuFacts();
    expect(devices.gpus).toHaveLength(here.gpus.length);
    expect(Object.keys(devices.analyses).sort()).toEqual(['faces', 'nsfw', 'ocr', 'pose', 'speakers', 'transcribe', 'video']);
    for (const [analysis, choice] of Object.entries(devices.analyses)) {
      expect(choice.runtime, analysis).not.toBe('');
      if (choice.device === 'cpu') expect(choice.reason, analysis).toEqual(expect.any(String));
      else expect(choice.reason, analysis).toBeNull();
    }
    if (here.gpus.length === 0) {
      expect(devices.probeError).toBe(here.probeError);
      expect(devices.analyses.transcribe!.reason).toBe(here.probeError);
    }
  }, 120_000);

  it('off: transcription and OCR stay on the CPU and say it was turned off', async () => {
    const devices = await infoOf({ MEDIAFLEET_GPU: 'off' });
    expect(devices.analyses.transcribe).toMatchObject({ device: 'cpu', reason: 'MEDIAFLEET_GPU=off' });
    expect(devices.analyses.ocr).toMatchObject({ device: 'cpu', reason: 'MEDIAFLEET_GPU=off' });
  }, 120_000);
});
