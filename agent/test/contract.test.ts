// The contract as real clients and tools see it, from a running agent: the OpenAPI document passes Redocly's lint
// with its recommended rules (@redocly/openapi-core, the engine of `npx @redocly/cli lint`) with no error and only
// the warnings listed here, says what generated clients need (multipart uploads, operationIds, every error answer,
// real media types, servers); /metrics passes `promtool check metrics` (Debian package prometheus) with one prefix
// and the per-analysis and queue-wait histograms.
import { spawnSync } from 'node:child_process';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import type { OpenAPIV3 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubmitFields, SubmitForm } from '../src/contracts/http-v1.js';
import { api, mediaForm, sleepWorkerUrl, startTestAgent, waitForStatus, type TestAgent } from '../../test-harness/agent/test-agent.js';

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;

describe('the contract', () => {
  let t: TestAgent;
  let doc: OpenAPIV3.Document;
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      (['get', 'post', 'put', 'patch', 'delete'] as const).filter((m) => item?.[m]).map((method) => ({ path, method, op: item![method]! })),
    );
  beforeAll(async () => {
    t = await startTestAgent({ workers: 1 }, { workerUrl: sleepWorkerUrl });
    doc = (await api(t.url, undefined, 'GET', '/v1/openapi.json')).body;
  });
  afterAll(async () => t?.close());

  it("passes Redocly's recommended rules without errors; the one warning left is info-license", async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config });
    expect(problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
    // The agent is not published under a licence yet; say one here once it is.
    expect([...new Set(problems.map((p) => p.ruleId))]).toEqual(['info-license']);
  });

  it('documents every route the agent serves, each with its own operationId', () => {
    const documented = new Set(operations().map(({ path, method }) => `${method.toUpperCase()} ${path}`));
    const served = t.agent.app.routeTable.filter((r) => r.url !== '/v1/openapi.json').map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
    expect(served.filter((r) => !documented.has(r))).toEqual([]);
    const ids = operations().map(({ op }) => op.operationId);
    expect(ids.every(Boolean)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('describes the uploads as multipart with a binary file and every field the agent reads', () => {
    for (const path of ['/v1/jobs', '/v1/analyze']) {
      const body = doc.paths[path]!.post!.requestBody as OpenAPIV3.RequestBodyObject;
      const schema = body.content['multipart/form-data'].schema as OpenAPIV3.SchemaObject;
      expect(body.required).toBe(true);
      expect(schema.required).toEqual(['file']);
      expect(schema.properties!.file).toMatchObject({ type: 'string', format: 'binary' });
      expect(Object.keys(schema.properties!).sort()).toEqual([...Object.keys(SubmitFields.shape), 'file'].sort());
      expect(Object.keys(responsesOf(path, 'post')).sort()).toEqual(expect.arrayContaining(['400', '401', '403', '408', '413', '415', '422', '429', '507']));
    }
    expect(Object.keys(SubmitForm.shape).sort()).toEqual([...Object.keys(SubmitFields.shape), 'file'].sort());
  });

  const responsesOf = (path: string, method: 'get' | 'post' | 'delete' | 'patch') => doc.paths[path]![method]!.responses as Record<string, OpenAPIV3.ResponseObject>;

  it('lists 401, 403 and 429 on every route that takes a token, with the error envelope', () => {
    for (const { path, method, op } of operations()) {
      const responses = op.responses as Record<string, OpenAPIV3.ResponseObject>;
      for (const status of path === '/v1/cluster/inputs/{id}' ? ['401', '429'] : ['401', '403', '429']) {
        expect([method, path, status, responses[status]?.content?.['application/json']?.schema]).toEqual([method, path, status, { $ref: '#/components/schemas/Error' }]);
      }
    }
  });

  it('gives the non-JSON answers their real media types', () => {
    const types = (path: string) => Object.keys(responsesOf(path, 'get')['200'].content ?? {});
    expect(types('/v1/jobs/{id}/transcript.srt')).toEqual(['application/x-subrip']);
    expect(types('/v1/jobs/{id}/transcript.vtt')).toEqual(['text/vtt']);
    expect(types('/v1/jobs/{id}/keyframes/{n}.jpg')).toEqual(['image/jpeg']);
    expect(types('/v1/jobs/{id}/events')).toEqual(['text/event-stream']);
    expect(types('/v1/models/{id}/pull/events')).toEqual(['text/event-stream']);
    expect(types('/metrics')).toEqual(['text/plain; version=0.0.4']);
  });

  it('marks a body optional where the agent takes none, and names this agent as its server', async () => {
    expect((doc.paths['/v1/bench']!.post!.requestBody as OpenAPIV3.RequestBodyObject).required).toBe(false);
    expect((doc.paths['/v1/tenants/{tenant}/erase']!.post!.requestBody as OpenAPIV3.RequestBodyObject).required).toBe(false);
    expect(doc.paths['/v1/jobs/{id}/erase']!.post!.requestBody).toBeUndefined();
    expect((doc.paths['/v1/tokens']!.post!.requestBody as OpenAPIV3.RequestBodyObject).required).toBe(true);
    // And the agent really takes them without one.
    const job = await api(t.url, t.tokens.submit, 'POST', '/v1/jobs', mediaForm('quick'));
    await waitForStatus(t.url, t.tokens.submit, job.body.id, ['succeeded']);
    expect((await fetch(`${t.url}/v1/jobs/${job.body.id}/erase`, { method: 'POST', headers: { authorization: `Bearer ${t.tokens.submit}` } })).status).toBe(200);
    expect(doc.servers).toEqual([{ url: t.url, description: 'this agent' }]);
  });

  it.skipIf(!promtool)(`serves metrics that promtool finds clean, all named mediafleet_*, with analysis and queue-wait histograms${promtool ? '' : ' (skipped: promtool not installed; Debian package prometheus)'}`, async () => {
    const job = await api(t.url, t.tokens.submit, 'POST', '/v1/jobs', mediaForm('sleep 100'));
    await waitForStatus(t.url, t.tokens.submit, job.body.id, ['succeeded']);
    const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.tokens.read}` } });
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const checked = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: checked.status, problems: (checked.stdout + checked.stderr).trim() }).toEqual({ status: 0, problems: '' });
    const names = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    expect([...names].filter((n) => !n.startsWith('mediafleet_'))).toEqual([]);
    expect(text).toMatch(/^mediafleet_analysis_duration_seconds_count\{analysis="decode"\} [1-9]/m);
    expect(text).toMatch(/^mediafleet_job_queue_wait_seconds_count\{priority="batch"\} [1-9]/m);
    expect(text).toMatch(/^mediafleet_jobs_finished_total\{status="succeeded",code=""\} [1-9]/m);
  });
});
