// The agent client against answers a real agent never gives: a stand-in HTTP server (labelled as such: the
// real agent's answers are covered by the analysis, faces, tokens, benchmark and model tests) that answers each
// route the way a broken, older or foreign server would. Every answer outside the agent's schemas is refused
// with a code, and the message names the field.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentHttpClient } from './agent-http-client.js';

const goodJob = { id: 'j1', status: 'running', progress: 0.5, stage: 'faces', priority: 'interactive', file: 'a.jpg', attempts: 1, createdAt: '2026-12-01T00:00:00.000Z', startedAt: null, finishedAt: null };
const answers: Record<string, (res: http.ServerResponse) => void> = {
  '/v1/jobs/missing-status': (res) => json(res, 200, { ...goodJob, status: undefined }),
  '/v1/jobs/bad-result': (res) => json(res, 200, { ...goodJob, status: 'succeeded', result: { version: 1, media: { kind: 'hologram' } } }),
  '/v1/jobs/not-json': (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>'),
  '/v1/jobs/refused': (res) => json(res, 403, { error: { code: 'FORBIDDEN', message: 'this needs scope submit' } }),
  '/v1/jobs/ok': (res) => json(res, 200, goodJob),
  '/v1/jobs/ok/events': (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`event: status\ndata: ${JSON.stringify({ jobId: 'ok', seq: 1, type: 'status', status: 'running', progress: 0.1, stage: null })}\n\n`);
    res.end(`event: progress\ndata: ${JSON.stringify({ jobId: 'ok', seq: 2, type: 'progress', status: 'running', progress: 'half' })}\n\n`);
  },
  '/v1/persons': (res) => json(res, 200, { persons: [{ id: 'p1', name: null, faceCount: 'two', createdAt: 'x' }] }),
  '/v1/info': (res) => json(res, 200, { name: 'some-other-service', version: '1' }),
  '/v1/jobs/ok/erase': (res) => json(res, 200, { erased: 'job', tenant: 'console', jobId: 'ok', erasedAt: '2026-12-01T00:00:00.000Z' }),
  '/v1/jobs/gone/erase': (res) => json(res, 404, { error: { code: 'NOT_FOUND', message: 'no job gone' } }),
};

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

describe('agent client against answers outside the contract (stand-in server)', () => {
  let server: http.Server;
  let client: AgentHttpClient;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const answer = answers[req.url ?? ''];
      if (answer) answer(res);
      else res.writeHead(404).end('Not Found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    client = new AgentHttpClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 'mf_abcdefabcdef_x' });
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('a job without its status is AGENT_BAD_RESPONSE naming the field', async () => {
    await expect(client.getJob('missing-status')).rejects.toMatchObject({ code: 'AGENT_BAD_RESPONSE', message: expect.stringMatching(/at status:/) });
  });

  it('a job whose result breaks the result schema is RESULT_INVALID naming the field in the result', async () => {
    await expect(client.getJob('bad-result')).rejects.toMatchObject({ code: 'RESULT_INVALID', message: expect.stringMatching(/result\.\w+/) });
  });

  it('HTML instead of JSON, an error envelope, and a route the server lacks each have their own code', async () => {
    await expect(client.getJob('not-json')).rejects.toMatchObject({ code: 'AGENT_BAD_RESPONSE', message: expect.stringMatching(/not JSON/) });
    await expect(client.getJob('refused')).rejects.toMatchObject({ code: 'AGENT_FORBIDDEN', message: expect.stringMatching(/scope submit/) });
    await expect(client.listTokens()).rejects.toMatchObject({ code: 'AGENT_ROUTE_MISSING', message: expect.stringMatching(/\/v1\/tokens.*upgrade/) });
  });

  it('follows good events and refuses the first one outside the schema', async () => {
    const seen: number[] = [];
    const follow = async () => {
      for await (const event of client.followJob('ok')) seen.push(event.seq);
    };
    await expect(follow()).rejects.toMatchObject({ code: 'AGENT_BAD_RESPONSE', message: expect.stringMatching(/at progress:/) });
    expect(seen).toEqual([1]);
  });

  it('persons and info from something that is not a Mediafleet agent are refused, naming the field', async () => {
    await expect(client.listPersons()).rejects.toMatchObject({ code: 'AGENT_BAD_RESPONSE', message: expect.stringMatching(/persons\.0\.faceCount/) });
    await expect(client.info()).rejects.toMatchObject({ code: 'AGENT_BAD_RESPONSE', message: expect.stringMatching(/at name:.*compatible version/) });
    expect((await client.getJob('ok')).stage).toBe('faces');
  });

  it('an erasure receipt without what was removed is refused naming the field; a job the agent forgot is AGENT_NOT_FOUND', async () => {
    await expect(client.eraseJob('ok')).rejects.toMatchObject({ code: 'AGENT_BAD_RESPONSE', message: expect.stringMatching(/erase does not match .* at removed:/) });
    await expect(client.eraseJob('gone')).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
    await expect(client.eraseJob('never-routed')).rejects.toMatchObject({ code: 'AGENT_ROUTE_MISSING' });
  });
});
