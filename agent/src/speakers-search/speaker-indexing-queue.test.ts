// Speaker turns indexed by the job queue when a job finishes (the path the real diarizer's vectors take), then
// searched over HTTP: ids replace vectors in stored results unless embeddings were asked for, search finds the
// tenant's other recordings, and tenants stay apart. The worker returns vectors from the uploaded JSON (see
// test-harness/agent/speaker-turns-worker.ts) because no speaker-embedding model can be installed here.
import { afterAll, describe, expect, it } from 'vitest';
import { api, mediaForm, startTestAgent, waitForStatus } from '../../../test-harness/agent/test-agent.js';

const workerUrl = new URL('../../../test-harness/agent/speaker-turns-worker.ts', import.meta.url);
const t = await startTestAgent({ workers: 1 }, { workerUrl });
afterAll(async () => t.close());

const unit = (i: number, dims = 16): number[] => Array.from({ length: dims }, (_, k) => (k === i ? 1 : 0));
const blend = (a: number[], b: number[], w: number): number[] => a.map((v, k) => v * (1 - w) + b[k] * w);

async function finishedJob(token: string, turns: { speaker: string; embedding: number[] }[], fields: Record<string, string> = {}) {
  const accepted = await api(t.url, token, 'POST', '/v1/jobs', mediaForm(JSON.stringify({ turns, nonce: Math.random() }), { analyses: 'speakers', ...fields }, 'talk.wav'));
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
  const job = await waitForStatus(t.url, token, accepted.body.id, ['succeeded', 'failed']);
  expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
  return job.result.speakers.turns as { speaker: string; embeddingId?: string; embedding?: number[] }[];
}

describe('speaker turns indexed by the job queue', () => {
  it('is wired: the server hands the job queue a speaker index', () => {
    expect(t.agent.services.speakerIndex).toBeDefined();
  });

  it('stores turn vectors as ids and finds the same voice in another job of the tenant only', async () => {
    const talk = await finishedJob(t.tokens.submit, [
      { speaker: 'S1', embedding: unit(0) },
      { speaker: 'S2', embedding: unit(1) },
    ]);
    expect(talk.every((turn) => typeof turn.embeddingId === 'string' && turn.embedding === undefined)).toBe(true);
    const podcast = await finishedJob(t.tokens.submit, [{ speaker: 'S1', embedding: blend(unit(0), unit(1), 0.2) }]);
    await finishedJob(t.tokens.otherTenant, [{ speaker: 'S1', embedding: unit(0) }]);

    const res = await api(t.url, t.tokens.submit, 'GET', `/v1/speakers/${talk[0].embeddingId}/similar`);
    expect(res.status).toBe(200);
    expect(res.body.similar[0].id).toBe(podcast[0].embeddingId);
    expect(res.body.similar).toHaveLength(1);
    expect((await api(t.url, t.tokens.otherTenant, 'GET', `/v1/speakers/${talk[0].embeddingId}/similar`)).status).toBe(404);
  });

  it('keeps the vectors in the result when the client asked for embeddings', async () => {
    const turns = await finishedJob(t.tokens.submit, [{ speaker: 'S1', embedding: unit(3) }], { includeEmbeddings: 'true' });
    expect(turns[0].embedding).toEqual(unit(3));
    expect(turns[0].embeddingId).toEqual(expect.any(String));
  });
});
