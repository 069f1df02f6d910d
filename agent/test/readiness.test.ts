// Readiness with the real analysis worker: a warm-up model that fails to load keeps the agent live but not ready,
// and /v1/health says which model and why (the worker used to report ready regardless).
import path from 'node:path';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestAgent, type TestAgent } from '../../test-harness/agent/test-agent.js';

describe('readiness when a warm-up model fails to load', () => {
  let t: TestAgent;
  const missingRules = path.join(os.tmpdir(), 'mediafleet-no-such-rules', 'nsfw-rules.json');
  beforeAll(async () => {
    // The nsfw analyzer loads its rules file before its model: a rules file that is not there fails its warm-up.
    t = await startTestAgent({ workers: 1, nsfwRules: missingRules }, { warmUp: ['nsfw'] });
  });
  afterAll(async () => t?.close());

  it('answers ?ready=1 with 503 and the reason, and stays live', async () => {
    const ready = await api(t.url, t.tokens.read, 'GET', '/v1/health?ready=1');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ live: true, ready: false, status: 'ok' });
    expect(ready.body.reason).toMatch(/models failed to load \(nsfw: /);
    expect(ready.body.reason).toContain('nsfw-rules.json');
    const live = await api(t.url, t.tokens.read, 'GET', '/v1/health');
    expect(live.status).toBe(200);
    expect(live.body.ready).toBe(false);
  });
});
