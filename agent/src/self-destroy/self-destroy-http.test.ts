// The switch as the HTTP side wires it, on a real agent in this process (SQLite, worker threads with the sleep
// worker, Fastify on loopback) and the fake Vast.ai: off without the container's env, and saying so; armed, the
// lease is renewed by requests with the console's all-tenants token and by no other token or none; once it fires,
// new jobs get 503 SELF_DESTROYING (the console's token included), health says not ready, and the instance is
// destroyed with its own key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, mediaForm, sleepWorkerUrl, startTestAgent, type TestAgent } from '../../../test-harness/agent/test-agent.js';
import { startFakeVast, type FakeVast } from '../../../test-harness/vast/fake-vast.js';
import { listedInstanceIds, rentOverHttp } from '../../../test-harness/vast/rent-over-http.js';

let fake: FakeVast;
let plain: TestAgent;
let armed: TestAgent;
let instanceId: number;

beforeAll(async () => {
  fake = await startFakeVast({ seed: 11, clockSpeed: 0, rateLimitScale: 0 });
  const rented = await rentOverHttp(fake, { image: 'example.invalid/mediafleet-gpu:test' });
  instanceId = rented.id;
  plain = await startTestAgent({}, { workerUrl: sleepWorkerUrl });
  // The armed one last, and its lease renewed once it is up: on a loaded machine a start can take longer than
  // the lease, which would fire the switch before the first test.
  armed = await startTestAgent(
    { containerId: String(rented.id), containerApiKey: rented.instanceApiKey, deadmanS: 5, selfDestroyDrainS: 1, vastApiUrl: `${fake.url}/api/v0` },
    { workerUrl: sleepWorkerUrl },
  );
  await api(armed.url, armed.tokens.allTenants, 'GET', '/v1/health');
});

afterAll(async () => {
  await Promise.all([plain?.close(), armed?.close()]);
  await fake?.close();
});

const leaseLeft = (): number => armed.agent.services.selfDestroy.status().leaseLeftMs!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the dead-man switch over HTTP', () => {
  it('is off on an agent without CONTAINER_ID / CONTAINER_API_KEY, and /v1/health and /v1/info say why', async () => {
    const health = await api(plain.url, plain.tokens.read, 'GET', '/v1/health');
    expect(health.body.selfDestroy).toMatchObject({ armed: false, state: 'off', reason: expect.stringMatching(/CONTAINER_ID/), leftMs: null });
    const info = await api(plain.url, plain.tokens.read, 'GET', '/v1/info');
    expect(info.body.selfDestroy).toMatchObject({ armed: false, state: 'off' });
  });

  it('armed: /v1/health shows the lease and the time left', async () => {
    const health = await api(armed.url, armed.tokens.allTenants, 'GET', '/v1/health');
    expect(health.body.selfDestroy).toMatchObject({ armed: true, state: 'armed', limits: { leaseS: 5, lifetimeCapS: null, spendCapUsd: null, drainS: 1 } });
    expect(health.body.selfDestroy.leftMs).toBeGreaterThan(4500);
    expect(health.body.selfDestroy.leftMs).toBeLessThanOrEqual(5000);
  });

  it("only the console's all-tenants token renews the lease: not admin, submit or read tokens of any tenant, not an unauthenticated or bad-token request", async () => {
    await api(armed.url, armed.tokens.allTenants, 'GET', '/v1/health');
    const afterConsole = leaseLeft();
    const others = [armed.tokens.admin, armed.tokens.submit, armed.tokens.read, armed.tokens.otherTenant, armed.tokens.otherAdmin];
    for (let round = 0; round < 4; round++) {
      await sleep(200);
      for (const token of others) expect((await api(armed.url, token, 'GET', '/v1/health')).status).toBe(200);
      expect((await api(armed.url, undefined, 'GET', '/v1/health')).status).toBe(401);
      expect((await api(armed.url, 'mf_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 'GET', '/v1/jobs')).status).toBe(401);
    }
    expect(leaseLeft()).toBeLessThan(afterConsole - 700);
    // Any route counts, not only health.
    await api(armed.url, armed.tokens.allTenants, 'GET', '/v1/jobs');
    expect(leaseLeft()).toBeGreaterThan(4800);
  });

  it('fires when the console goes silent: 503 SELF_DESTROYING for new jobs, not ready, and the instance destroyed with its own key', async () => {
    expect(await listedInstanceIds(fake)).toContain(instanceId);
    const until = Date.now() + 12_000;
    while (armed.agent.services.selfDestroy.status().state !== 'destroyed' && Date.now() < until) await sleep(50);
    expect(armed.agent.services.selfDestroy.status()).toMatchObject({ state: 'destroyed', trigger: 'lease-expired' });
    for (const token of [armed.tokens.submit, armed.tokens.allTenants]) {
      const refused = await api(armed.url, token, 'POST', '/v1/jobs', mediaForm('sleep 10'));
      expect(refused.status).toBe(503);
      expect(refused.body.error).toMatchObject({ code: 'SELF_DESTROYING', message: expect.stringMatching(/destroying itself.*no contact from the console/) });
      expect(refused.headers.get('retry-after')).toBeNull();
    }
    const analyze = await api(armed.url, armed.tokens.submit, 'POST', '/v1/analyze', mediaForm('sleep 10'));
    expect(analyze.body.error?.code).toBe('SELF_DESTROYING');
    const health = await api(armed.url, armed.tokens.read, 'GET', '/v1/health?ready=1');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'stopping', ready: false, reason: expect.stringMatching(/destroying itself/), selfDestroy: { state: 'destroyed', leftMs: null } });
    // The console's token no longer brings it back.
    await api(armed.url, armed.tokens.allTenants, 'GET', '/v1/health');
    expect(armed.agent.services.selfDestroy.status().state).toBe('destroyed');
    expect(await listedInstanceIds(fake)).not.toContain(instanceId);
    const deletes = fake.log.entries.filter((e) => e.method === 'DELETE');
    expect(deletes.map((e) => [e.path, e.identity, e.status])).toEqual([[`/api/v0/instances/${instanceId}/`, `instance:${instanceId}`, 200]]);
  });
});
