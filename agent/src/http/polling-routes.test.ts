// The polling routes skip zod on the way out (see polling-routes.ts): their bodies must still be exactly what the
// schemas (and so the OpenAPI document) promise, with no field more or less. Real agent, trivial test worker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, mediaForm, sleepWorkerUrl, startTestAgent, waitForStatus, type TestAgent } from '../../../test-harness/agent/test-agent.js';
import { ErrorBody, Health, JobView } from '../contracts/http-v1.js';
import { toJobView } from './job-view.js';

describe('polling routes', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ workers: 1 }, { workerUrl: sleepWorkerUrl });
  });
  afterAll(async () => t?.close());

  it('answers GET /v1/jobs/:id with exactly the JobView schema, queued and finished with a result', async () => {
    const queued = await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${(await api(t.url, t.tokens.submit, 'POST', '/v1/jobs', mediaForm('quick'))).body.id}`);
    expect(queued.status).toBe(200);
    expect(JobView.parse(queued.body)).toEqual(queued.body);
    const id = queued.body.id as string;
    await waitForStatus(t.url, t.tokens.submit, id, ['succeeded']);
    const done = await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${id}`);
    expect(done.headers.get('content-type')).toMatch(/^application\/json/);
    expect(done.body.result.media.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JobView.parse(done.body)).toEqual(done.body);
    // The stored result JSON is spliced in unparsed: the body must equal the parsed job's view.
    const parsed = toJobView(t.agent.services.queue.get('acme', id)!);
    expect(done.body).toEqual(JSON.parse(JSON.stringify(parsed)));
  });

  it('keeps the error shape on GET /v1/jobs/:id for an unknown or foreign id', async () => {
    const own = (await api(t.url, t.tokens.submit, 'POST', '/v1/jobs', mediaForm('quick'))).body.id as string;
    for (const [token, id] of [
      [t.tokens.submit, 'no-such-job'],
      [t.tokens.otherTenant, own],
    ]) {
      const res = await api(t.url, token, 'GET', `/v1/jobs/${id}`);
      expect(res.status).toBe(404);
      expect(ErrorBody.parse(res.body)).toEqual(res.body);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
  });

  it('answers GET /v1/health with exactly the Health schema, and 503 for ?ready=1 only while not ready', async () => {
    const res = await api(t.url, t.tokens.read, 'GET', '/v1/health?ready=1');
    expect(res.status).toBe(200);
    expect(Health.parse(res.body)).toEqual(res.body);
    expect(res.body).toMatchObject({ status: 'ok', live: true, ready: true, queue: { workers: 1 } });
  });

  it('still documents both response schemas in the OpenAPI document', async () => {
    const doc = (await api(t.url, undefined, 'GET', '/v1/openapi.json')).body;
    const schemaOf = (p: string) => doc.paths[p].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(schemaOf('/v1/health').properties).sort()).toEqual(['cluster', 'disk', 'live', 'queue', 'ready', 'reason', 'selfDestroy', 'status']);
    expect(Object.keys(schemaOf('/v1/jobs/{id}').properties)).toEqual(expect.arrayContaining(['id', 'status', 'progress', 'result', 'error']));
  });
});
