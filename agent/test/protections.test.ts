// The protections fastify/demo registers, wired with the agent's settings: security headers, a rate limit per
// token (429 RATE_LIMITED with Retry-After, another token unaffected), and load shedding (503 OVERLOADED) that
// leaves health and metrics answering.
import { afterAll, describe, expect, it } from 'vitest';
import { api, sleepWorkerUrl, startTestAgent, type TestAgent } from '../../test-harness/agent/test-agent.js';

describe('protections', () => {
  const started: TestAgent[] = [];
  afterAll(async () => {
    for (const t of started) await t.close();
  });
  const start = async (overrides: Parameters<typeof startTestAgent>[0]) => {
    const t = await startTestAgent({ workers: 1, ...overrides }, { workerUrl: sleepWorkerUrl });
    started.push(t);
    return t;
  };

  it('sends security headers on every answer', async () => {
    const t = await start({});
    const res = await api(t.url, t.tokens.read, 'GET', '/v1/health');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('limits requests per token: the 6th in a minute gets 429 RATE_LIMITED, another token goes on', async () => {
    const t = await start({ rateLimitPerMinute: 5 });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push(await api(t.url, t.tokens.submit, 'GET', '/v1/jobs'));
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = statuses[5];
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await api(t.url, t.tokens.otherTenant, 'GET', '/v1/jobs')).status).toBe(200);
  });

  it('sheds load under pressure with 503 OVERLOADED and Retry-After, while health and metrics answer', async () => {
    // A heap limit of 1 byte: under pressure from the first sample on (the plugin samples every second).
    const t = await start({ maxHeapUsedBytes: 1 });
    await new Promise((r) => setTimeout(r, 1300));
    const jobs = await api(t.url, t.tokens.submit, 'GET', '/v1/jobs');
    expect({ status: jobs.status, code: jobs.body.error?.code }).toEqual({ status: 503, code: 'OVERLOADED' });
    expect(Number(jobs.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await api(t.url, t.tokens.read, 'GET', '/v1/health')).status).toBe(200);
    expect((await api(t.url, t.tokens.read, 'GET', '/metrics')).status).toBe(200);
  });
});
