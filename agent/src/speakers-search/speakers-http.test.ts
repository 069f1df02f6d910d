// GET /v1/speakers/:id/similar through the real agent (fastify app, tokens, SQLite file shared over WAL): scope,
// tenant isolation and ranking. The turns are indexed into the agent's own database file for real jobs; their
// vectors are made-up directions because no speaker-embedding model can be installed here (see
// speaker-search-model.test.ts for the model itself).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../contracts/result-document.js';
import { api, mediaForm, sleepWorkerUrl, startTestAgent, waitForStatus, type TestAgent } from '../../../test-harness/agent/test-agent.js';
import { openSpeakerIndex } from './open-speaker-index.js';

const unit = (i: number, dims = 16): number[] => Array.from({ length: dims }, (_, k) => (k === i ? 1 : 0));
const blend = (a: number[], b: number[], t: number): number[] => a.map((v, k) => v * (1 - t) + b[k] * t);
const doc = (embeddings: number[][]): ResultDocument => ({
  version: 1,
  file: 'talk.wav',
  media: { kind: 'audio', mime: 'audio/wav', bytes: 1, sha256: '0'.repeat(64) },
  speakers: { model: 'test', speakers: ['S1'], turns: embeddings.map((embedding, i) => ({ start: i, end: i + 1, speaker: `S${i + 1}`, embedding }) as never) },
  timings: {},
  agent: { id: 't', version: '0' },
  models: {},
});

describe('/v1/speakers/:id/similar', () => {
  let t: TestAgent;
  let close: () => void;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestAgent({ workers: 1 }, { workerUrl: sleepWorkerUrl });
    const job = async (token: string): Promise<string> => {
      const id = (await api(t.url, token, 'POST', '/v1/jobs', mediaForm(`quick ${Math.random()}`))).body.id as string;
      await waitForStatus(t.url, token, id, ['succeeded']);
      return id;
    };
    const [talk, podcast, call, foreign] = [await job(t.tokens.submit), await job(t.tokens.submit), await job(t.tokens.submit), await job(t.tokens.otherTenant)];
    const opened = openSpeakerIndex(t.dataDir);
    close = opened.close;
    const turnIds = (r: ResultDocument): string[] => r.speakers!.turns.map((x) => x.embeddingId!);
    [ids.aliceTalk, ids.bobTalk] = turnIds(opened.index.indexResultSpeakers('acme', talk, doc([unit(0), unit(1)]), false));
    [ids.alicePodcast] = turnIds(opened.index.indexResultSpeakers('acme', podcast, doc([blend(unit(0), unit(1), 0.2)]), false));
    [ids.bobCall] = turnIds(opened.index.indexResultSpeakers('acme', call, doc([blend(unit(1), unit(0), 0.1)]), false));
    // Another tenant with exactly Alice's voice: must never show up for acme, and acme's ids are not its own.
    [ids.aliceAtGlobex] = turnIds(opened.index.indexResultSpeakers('globex', foreign, doc([unit(0)]), false));
  });
  afterAll(async () => {
    close?.();
    await t?.close();
  });

  it("ranks the tenant's other media by voice similarity", async () => {
    const res = await api(t.url, t.tokens.submit, 'GET', `/v1/speakers/${ids.aliceTalk}/similar`);
    expect(res.status).toBe(200);
    expect(res.body.turn).toMatchObject({ id: ids.aliceTalk, speaker: 'S1', start: 0, end: 1 });
    expect(res.body.similar.map((s: { id: string }) => s.id)).toEqual([ids.alicePodcast, ids.bobCall]);
    expect(res.body.similar[0].similarity).toBeGreaterThan(0.9);
    const withOwnJob = await api(t.url, t.tokens.submit, 'GET', `/v1/speakers/${ids.aliceTalk}/similar?includeSameJob=true&limit=3`);
    expect(withOwnJob.body.similar.map((s: { id: string }) => s.id)).toContain(ids.bobTalk);
  });

  it("keeps tenants apart: another tenant's turn is 404 and its voices never appear", async () => {
    const foreign = await api(t.url, t.tokens.otherTenant, 'GET', `/v1/speakers/${ids.aliceTalk}/similar`);
    expect({ status: foreign.status, code: foreign.body.error.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    const own = await api(t.url, t.tokens.otherTenant, 'GET', `/v1/speakers/${ids.aliceAtGlobex}/similar`);
    expect(own.body.similar).toEqual([]);
    const acme = await api(t.url, t.tokens.admin, 'GET', `/v1/speakers/${ids.aliceTalk}/similar?limit=100&includeSameJob=true`);
    expect(acme.body.similar.map((s: { id: string }) => s.id)).not.toContain(ids.aliceAtGlobex);
  });

  it('needs a submit token, and answers 404 for an unknown turn and 400 for a bad limit', async () => {
    expect((await api(t.url, t.tokens.read, 'GET', `/v1/speakers/${ids.aliceTalk}/similar`)).status).toBe(403);
    expect((await api(t.url, undefined, 'GET', `/v1/speakers/${ids.aliceTalk}/similar`)).status).toBe(401);
    expect((await api(t.url, t.tokens.submit, 'GET', '/v1/speakers/nope/similar')).body.error.code).toBe('NOT_FOUND');
    expect((await api(t.url, t.tokens.submit, 'GET', `/v1/speakers/${ids.aliceTalk}/similar?limit=0`)).body.error.code).toBe('BAD_REQUEST');
    const doc = (await api(t.url, undefined, 'GET', '/v1/openapi.json')).body;
    expect(doc.paths['/v1/speakers/{id}/similar']).toBeDefined();
  });
});
