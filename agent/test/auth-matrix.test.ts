// Authorization matrix over the real HTTP API: every route × {no token, bad token, revoked, read, submit,
// admin}, and every id-taking route with another tenant's ids. Uses the trivial test worker: jobs here only
// need to exist; whether they analyse anything is beside the point.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, mediaForm, sleepWorkerUrl, startTestAgent, waitForStatus, type TestAgent } from './support/test-agent.js';

type Scope = 'read' | 'submit' | 'admin';
interface RouteCase {
  method: string;
  path: string;
  needs: Scope;
  body?: () => FormData | object;
}

describe('authorization', () => {
  let t: TestAgent;
  let acmeJob: string;
  let revoked: string;
  beforeAll(async () => {
    t = await startTestAgent({ workers: 1 }, { workerUrl: sleepWorkerUrl });
    acmeJob = (await api(t.url, t.tokens.submit, 'POST', '/v1/jobs', mediaForm('quick'))).body.id;
    await waitForStatus(t.url, t.tokens.submit, acmeJob, ['succeeded']);
    const created = await api(t.url, t.tokens.admin, 'POST', '/v1/tokens', { scope: 'admin', tenant: 'acme' });
    revoked = created.body.token;
    expect((await api(t.url, t.tokens.admin, 'DELETE', `/v1/tokens/${created.body.record.id}`)).body.revokedAt).not.toBeNull();
  });
  afterAll(async () => t?.close());

  const routes = (): RouteCase[] => [
    { method: 'GET', path: '/v1/health', needs: 'read' },
    { method: 'GET', path: '/v1/info', needs: 'read' },
    { method: 'GET', path: '/v1/models', needs: 'read' },
    { method: 'GET', path: '/metrics', needs: 'read' },
    { method: 'GET', path: '/v1/jobs', needs: 'submit' },
    { method: 'GET', path: `/v1/jobs/${acmeJob}`, needs: 'submit' },
    { method: 'POST', path: '/v1/jobs', needs: 'submit', body: () => mediaForm('quick') },
    { method: 'POST', path: '/v1/analyze', needs: 'submit', body: () => mediaForm('quick') },
    { method: 'GET', path: '/v1/persons', needs: 'submit' },
    { method: 'GET', path: '/v1/tokens', needs: 'admin' },
    { method: 'POST', path: '/v1/tokens', needs: 'admin', body: () => ({ scope: 'read', tenant: 'acme' }) },
  ];

  const rank: Record<Scope, number> = { read: 0, submit: 1, admin: 2 };

  it('refuses a missing, malformed, unknown or revoked token with 401 on every route', async () => {
    for (const route of routes()) {
      for (const token of [undefined, 'nonsense', 'mf_aaaaaaaaaaaa_' + 'A'.repeat(43), revoked]) {
        const res = await api(t.url, token, route.method, route.path, route.body?.());
        expect({ route: route.path, status: res.status, code: res.body.error?.code }).toEqual({ route: route.path, status: 401, code: 'UNAUTHORIZED' });
      }
    }
  });

  it('gives each scope exactly its routes: lower scopes get 403, allowed ones succeed', async () => {
    for (const route of routes()) {
      for (const scope of ['read', 'submit', 'admin'] as const) {
        const res = await api(t.url, t.tokens[scope], route.method, route.path, route.body?.());
        const allowed = rank[scope] >= rank[route.needs];
        const outcome = { route: `${route.method} ${route.path}`, scope, allowed: res.status < 400 };
        expect(outcome).toEqual({ ...outcome, allowed });
        if (!allowed) expect(res.body.error.code).toBe('FORBIDDEN');
      }
    }
  });

  it("answers 404 for another tenant's job on every job route, and lists only the tenant's own jobs", async () => {
    const other = t.tokens.otherTenant;
    for (const [method, path] of [
      ['GET', `/v1/jobs/${acmeJob}`],
      ['DELETE', `/v1/jobs/${acmeJob}`],
      ['GET', `/v1/jobs/${acmeJob}/events`],
    ] as const) {
      const res = await api(t.url, other, method, path);
      expect({ path, method, status: res.status, code: res.body.error?.code }).toEqual({ path, method, status: 404, code: 'NOT_FOUND' });
    }
    const list = await api(t.url, other, 'GET', '/v1/jobs');
    expect(list.body.jobs.map((j: { id: string }) => j.id)).not.toContain(acmeJob);
    // And the job is untouched by the attempt to cancel it.
    expect((await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${acmeJob}`)).body.status).toBe('succeeded');
  });

  it("answers 404 for unknown or another tenant's faces and persons", async () => {
    for (const [method, path, body] of [
      ['GET', '/v1/faces/00000000-0000-0000-0000-000000000000/similar', undefined],
      ['GET', '/v1/persons/00000000-0000-0000-0000-000000000000', undefined],
      ['PATCH', '/v1/persons/00000000-0000-0000-0000-000000000000', { name: 'x' }],
    ] as const) {
      const res = await api(t.url, t.tokens.otherTenant, method, path, body);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
  });

  it('serves the OpenAPI document without a token, listing the fixed routes', async () => {
    const res = await api(t.url, undefined, 'GET', '/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    for (const p of ['/v1/jobs', '/v1/jobs/{id}', '/v1/jobs/{id}/events', '/v1/analyze', '/v1/faces/{id}/similar', '/v1/health', '/v1/info', '/v1/bench'])
      expect(Object.keys(res.body.paths)).toContain(p);
    expect(res.body.paths['/v1/jobs/{id}'].get.responses['200'].content['application/json'].schema.properties.status.enum).toEqual([
      'queued',
      'running',
      'succeeded',
      'failed',
      'canceled',
    ]);
  });

  it('hides 5xx internals and keeps the { error: { code, message } } shape for unknown routes', async () => {
    const res = await api(t.url, t.tokens.admin, 'GET', '/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });
});
