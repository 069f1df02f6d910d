// Authorization over the real HTTP API, generated from the agent's own route table: every route × {no token,
// malformed, unknown, revoked, read, submit, admin, all-tenants} × {tenant acme, tenant globex}. A route that is
// added without a case here fails the first test, so none can be forgotten. Uses the trivial test worker: jobs
// here only need to exist; whether they analyse anything is beside the point.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, mediaForm, sleepWorkerUrl, startTestAgent, waitForStatus, type TestAgent } from '../../test-harness/agent/test-agent.js';

type Scope = 'read' | 'submit' | 'admin' | 'all-tenants';
const rank: Record<Scope, number> = { read: 0, submit: 1, admin: 2, 'all-tenants': 3 };

interface Request {
  path: string;
  body?: FormData | object;
  headers?: Record<string, string>;
}

interface RouteCase {
  /** Builds the request on tenant acme's objects; called for every call, so a destructive route gets a fresh object. */
  request: () => Promise<Request> | Request;
  /** The route names one object of a tenant (a job, a face, a token): another tenant's token gets 404 for it. */
  tenantObject?: boolean;
}

const unknownId = '00000000-0000-0000-0000-000000000000';

describe('authorization matrix', () => {
  let t: TestAgent;
  let revoked: string;

  const finishedJob = async (content = 'quick'): Promise<string> => {
    const id = (await api(t.url, t.tokens.submit, 'POST', '/v1/jobs', mediaForm(content))).body.id as string;
    await waitForStatus(t.url, t.tokens.submit, id, ['succeeded']);
    return id;
  };
  const acmeToken = async (): Promise<string> => (await api(t.url, t.tokens.admin, 'POST', '/v1/tokens', { scope: 'read', tenant: 'acme' })).body.record.id;

  const cases: Record<string, RouteCase> = {
    'GET /v1/health': { request: () => ({ path: '/v1/health' }) },
    'GET /v1/info': { request: () => ({ path: '/v1/info' }) },
    'GET /metrics': { request: () => ({ path: '/metrics' }) },
    'GET /v1/models': { request: () => ({ path: '/v1/models' }) },
    'POST /v1/models/:id/pull': { request: () => ({ path: '/v1/models/no-such-model/pull' }) },
    'GET /v1/models/:id/pull': { request: () => ({ path: '/v1/models/no-such-model/pull' }) },
    'DELETE /v1/models/:id/pull': { request: () => ({ path: '/v1/models/no-such-model/pull' }) },
    'GET /v1/models/:id/pull/events': { request: () => ({ path: '/v1/models/no-such-model/pull/events' }) },
    'POST /v1/models/verify': { request: () => ({ path: '/v1/models/verify', body: { ids: ['no-such-model'] } }) },
    'DELETE /v1/models/:id': { request: () => ({ path: '/v1/models/no-such-model' }) },
    'POST /v1/bench': { request: () => ({ path: '/v1/bench', body: { rounds: 1, analyses: ['nsfw'] } }) },
    'POST /v1/jobs': { request: () => ({ path: '/v1/jobs', body: mediaForm('quick') }) },
    'GET /v1/jobs': { request: () => ({ path: '/v1/jobs' }) },
    'POST /v1/analyze': { request: () => ({ path: '/v1/analyze', body: mediaForm('quick') }) },
    'GET /v1/jobs/:id': { tenantObject: true, request: async () => ({ path: `/v1/jobs/${await finishedJob()}` }) },
    'DELETE /v1/jobs/:id': { tenantObject: true, request: async () => ({ path: `/v1/jobs/${await finishedJob()}` }) },
    'GET /v1/jobs/:id/events': { tenantObject: true, request: async () => ({ path: `/v1/jobs/${await finishedJob()}/events` }) },
    // A finished job without a transcript or keyframes: the owner gets a 404 that says so, another tenant "no job".
    'GET /v1/jobs/:id/transcript.srt': { tenantObject: true, request: async () => ({ path: `/v1/jobs/${await finishedJob()}/transcript.srt` }) },
    'GET /v1/jobs/:id/transcript.vtt': { tenantObject: true, request: async () => ({ path: `/v1/jobs/${await finishedJob()}/transcript.vtt` }) },
    'GET /v1/jobs/:id/keyframes/:n.jpg': { tenantObject: true, request: async () => ({ path: `/v1/jobs/${await finishedJob()}/keyframes/0.jpg` }) },
    'GET /v1/faces/:id/similar': { tenantObject: true, request: () => ({ path: `/v1/faces/${unknownId}/similar` }) },
    'GET /v1/faces/:id/crop.jpg': { tenantObject: true, request: () => ({ path: `/v1/faces/${unknownId}/crop.jpg` }) },
    'POST /v1/persons/:id/merge': { tenantObject: true, request: () => ({ path: `/v1/persons/${unknownId}/merge`, body: { personId: '00000000-0000-0000-0000-000000000001' } }) },
    'GET /v1/persons': { request: () => ({ path: '/v1/persons' }) },
    'GET /v1/persons/:id': { tenantObject: true, request: () => ({ path: `/v1/persons/${unknownId}` }) },
    'PATCH /v1/persons/:id': { tenantObject: true, request: () => ({ path: `/v1/persons/${unknownId}`, body: { name: 'x' } }) },
    'GET /v1/speakers/:id/similar': { tenantObject: true, request: () => ({ path: `/v1/speakers/${unknownId}/similar` }) },
    'POST /v1/tokens': { request: () => ({ path: '/v1/tokens', body: { scope: 'read', tenant: 'acme' } }) },
    'GET /v1/tokens': { request: () => ({ path: '/v1/tokens' }) },
    'DELETE /v1/tokens/:id': { tenantObject: true, request: async () => ({ path: `/v1/tokens/${await acmeToken()}` }) },
    'GET /v1/audit': { request: () => ({ path: '/v1/audit' }) },
    'POST /v1/webhooks/secret': { request: () => ({ path: '/v1/webhooks/secret' }) },
    'GET /v1/jobs/:id/webhooks': { tenantObject: true, request: async () => ({ path: `/v1/jobs/${await finishedJob()}/webhooks` }) },
    'POST /v1/jobs/:id/erase': { tenantObject: true, request: async () => ({ path: `/v1/jobs/${await finishedJob()}/erase` }) },
    // The caller's own tenant (acme): another tenant's is 403, tested with the tokens below.
    'POST /v1/tenants/:tenant/erase': { request: () => ({ path: '/v1/tenants/acme/erase', body: { tokens: false } }) },
  };
  const publicRoutes = new Set(['GET /v1/openapi.json']);

  beforeAll(async () => {
    t = await startTestAgent({ workers: 1 }, { workerUrl: sleepWorkerUrl });
    const created = await api(t.url, t.tokens.admin, 'POST', '/v1/tokens', { scope: 'admin', tenant: 'acme' });
    revoked = created.body.token;
    expect((await api(t.url, t.tokens.admin, 'DELETE', `/v1/tokens/${created.body.record.id}`)).body.revokedAt).not.toBeNull();
  });
  afterAll(async () => t?.close());

  const table = () => t.agent.app.routeTable.map((r) => ({ ...r, key: `${r.method} ${r.url}` }));
  const call = async (key: string, token: string | undefined) => {
    const method = key.split(' ')[0];
    const request = await cases[key].request();
    return api(t.url, token, method, request.path, request.body, request.headers);
  };

  it('has a case for every route the agent serves, and every route names its scope', () => {
    const routes = table();
    const missing = routes.filter((r) => !cases[r.key] && !publicRoutes.has(r.key)).map((r) => r.key);
    expect(missing, 'routes without a case in this test: add one').toEqual([]);
    const stale = Object.keys(cases).filter((key) => !routes.some((r) => r.key === key));
    expect(stale, 'cases for routes the agent no longer serves').toEqual([]);
    expect(routes.filter((r) => r.scope === undefined).map((r) => r.key)).toEqual([]);
    expect(routes.filter((r) => r.scope === 'public').map((r) => r.key).sort()).toEqual([...publicRoutes].sort());
  });

  it('refuses a missing, malformed, unknown or revoked token with 401 on every route', async () => {
    for (const { key } of table().filter((r) => cases[r.key])) {
      for (const token of [undefined, 'nonsense', 'mf_aaaaaaaaaaaa_' + 'A'.repeat(43), revoked]) {
        const res = await call(key, token);
        expect({ key, token, status: res.status, code: res.body.error?.code }).toEqual({ key, token, status: 401, code: 'UNAUTHORIZED' });
      }
    }
  });

  it('gives each scope exactly its routes: lower scopes get 403 FORBIDDEN, the others an answer that is not a refusal', async () => {
    for (const { key, scope: needed } of table().filter((r) => cases[r.key])) {
      for (const scope of ['read', 'submit', 'admin', 'all-tenants'] as const) {
        const token = { read: t.tokens.read, submit: t.tokens.submit, admin: t.tokens.admin, 'all-tenants': t.tokens.allTenants }[scope];
        const res = await call(key, token);
        const allowed = rank[scope] >= rank[needed as Scope];
        const outcome = { key, scope, status: res.status, code: res.body.error?.code };
        if (allowed) {
          expect(outcome.status, JSON.stringify(outcome)).not.toBe(401);
          expect(outcome.status, JSON.stringify(outcome)).not.toBe(403);
          expect(outcome.status, JSON.stringify(outcome)).toBeLessThan(500);
        } else {
          expect(outcome).toEqual({ key, scope, status: 403, code: 'FORBIDDEN' });
        }
      }
    }
  });

  it("answers 404 for another tenant's object on every route that names one, and leaves it untouched", async () => {
    for (const { key, scope: needed } of table().filter((r) => cases[r.key]?.tenantObject)) {
      const token = rank[needed as Scope] <= rank.submit ? t.tokens.otherTenant : t.tokens.otherAdmin;
      const res = await call(key, token);
      expect({ key, status: res.status, code: res.body.error?.code }).toEqual({ key, status: 404, code: 'NOT_FOUND' });
    }
    const job = await finishedJob();
    await api(t.url, t.tokens.otherTenant, 'DELETE', `/v1/jobs/${job}`);
    expect((await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${job}`)).body.status).toBe('succeeded');
    expect((await api(t.url, t.tokens.otherTenant, 'GET', '/v1/jobs?limit=200')).body.jobs.map((j: { id: string }) => j.id)).not.toContain(job);
  });

  describe("tokens: a tenant's admin manages its own tenant only", () => {
    it("cannot make a token for another tenant, nor an all-tenants token; an all-tenants token can make one for any tenant", async () => {
      const other = await api(t.url, t.tokens.admin, 'POST', '/v1/tokens', { scope: 'submit', tenant: 'globex' });
      expect(other.status).toBe(403);
      expect(other.body.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('acme') });
      const elevated = await api(t.url, t.tokens.admin, 'POST', '/v1/tokens', { scope: 'all-tenants', tenant: 'acme' });
      expect(elevated.status).toBe(400);
      expect((await api(t.url, t.tokens.allTenants, 'POST', '/v1/tokens', { scope: 'all-tenants', tenant: 'acme' })).status).toBe(400);
      const byConsole = await api(t.url, t.tokens.allTenants, 'POST', '/v1/tokens', { scope: 'submit', tenant: 'globex' });
      expect(byConsole.status).toBe(201);
      expect(byConsole.body.record).toMatchObject({ scope: 'submit', tenant: 'globex' });
      // The new token reads globex's jobs, not acme's.
      expect((await api(t.url, byConsole.body.token, 'GET', `/v1/jobs/${await finishedJob()}`)).status).toBe(404);
    });

    it("lists only its own tenant's tokens, never an all-tenants token; an all-tenants token lists every tenant's", async () => {
      const acmeList = (await api(t.url, t.tokens.admin, 'GET', '/v1/tokens')).body.tokens as Array<{ tenant: string; scope: string }>;
      expect(acmeList.length).toBeGreaterThan(0);
      expect(new Set(acmeList.map((x) => x.tenant))).toEqual(new Set(['acme']));
      expect(acmeList.some((x) => x.scope === 'all-tenants')).toBe(false);
      const globexList = (await api(t.url, t.tokens.otherAdmin, 'GET', '/v1/tokens')).body.tokens as Array<{ tenant: string }>;
      expect(new Set(globexList.map((x) => x.tenant))).toEqual(new Set(['globex']));
      const all = (await api(t.url, t.tokens.allTenants, 'GET', '/v1/tokens')).body.tokens as Array<{ tenant: string; scope: string }>;
      expect(new Set(all.map((x) => x.tenant))).toEqual(new Set(['acme', 'globex']));
      expect(all.some((x) => x.scope === 'all-tenants')).toBe(true);
    });

    it("cannot erase another tenant; an all-tenants token can", async () => {
      const refused = await api(t.url, t.tokens.otherAdmin, 'POST', '/v1/tenants/acme/erase');
      expect({ status: refused.status, code: refused.body.error?.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
      expect((await api(t.url, t.tokens.allTenants, 'POST', '/v1/tenants/globex/erase')).status).toBe(200);
    });

    it("cannot revoke another tenant's token or the all-tenants token; the audit log says who did what", async () => {
      const acme = await acmeToken();
      expect((await api(t.url, t.tokens.otherAdmin, 'DELETE', `/v1/tokens/${acme}`)).status).toBe(404);
      const allTenantsId = /^mf_([a-z0-9]{12})_/.exec(t.tokens.allTenants)![1];
      expect((await api(t.url, t.tokens.admin, 'DELETE', `/v1/tokens/${allTenantsId}`)).status).toBe(404);
      expect((await api(t.url, t.tokens.allTenants, 'GET', '/v1/health')).status).toBe(200);
      const revokedByConsole = await api(t.url, t.tokens.allTenants, 'DELETE', `/v1/tokens/${acme}`);
      expect(revokedByConsole.body.revokedAt).not.toBeNull();

      const adminId = /^mf_([a-z0-9]{12})_/.exec(t.tokens.admin)![1];
      const acmeAudit = (await api(t.url, t.tokens.admin, 'GET', '/v1/audit?limit=500')).body.entries as Array<Record<string, unknown>>;
      expect(acmeAudit.every((e) => e.tenant === 'acme')).toBe(true);
      expect(acmeAudit).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ action: 'token.created', actor: `token:${adminId}`, actorTenant: 'acme', target: acme }),
          expect.objectContaining({ action: 'token.revoked', actor: `token:${allTenantsId}`, target: acme }),
        ]),
      );
      const globexAudit = (await api(t.url, t.tokens.otherAdmin, 'GET', '/v1/audit')).body.entries as Array<Record<string, unknown>>;
      expect(globexAudit.every((e) => e.tenant === 'globex')).toBe(true);
      expect(globexAudit).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'token.created', actor: `token:${allTenantsId}` })]));
    });
  });

  it('serves the OpenAPI document without a token', async () => {
    const res = await api(t.url, undefined, 'GET', '/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
  });

  it('keeps the { error: { code, message } } shape for unknown routes', async () => {
    const res = await api(t.url, t.tokens.admin, 'GET', '/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });
});
