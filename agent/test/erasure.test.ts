// Erasure over the real HTTP API and a real SQLite file. The worker is a stand-in (result-fixture-worker.ts) that
// returns faces, speaker turns and keyframe thumbnails as the models would; what is under test is that erasing a
// job or a tenant removes all of it (including the embedding bytes from the database file), says what in a
// receipt, leaves other jobs and tenants alone, and that retention does the same to old jobs by itself.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, mediaForm, startTestAgent, waitForStatus, type TestAgent } from '../../test-harness/agent/test-agent.js';

const workerUrl = new URL('../../test-harness/agent/result-fixture-worker.ts', import.meta.url);
const unit = (i: number, scale = 1): number[] => Array.from({ length: 16 }, (_, k) => (k === i ? scale : 0.0001 * (k + 1)));
/** A vector whose float32 bytes are unlikely anywhere else in the file. */
const marker = Array.from({ length: 16 }, (_, k) => 0.123456789 + k * 0.0314159);
const bytesOf = (vector: number[]): Buffer => Buffer.from(Float32Array.from(vector).buffer);

function databaseBytes(dataDir: string): Buffer {
  return Buffer.concat(fs.readdirSync(dataDir).filter((f) => f.startsWith('agent.sqlite')).map((f) => fs.readFileSync(path.join(dataDir, f))));
}

describe('erasure', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ workers: 1 }, { workerUrl });
  });
  afterAll(async () => t?.close());

  const finished = async (token: string, spec: object, headers: Record<string, string> = {}) => {
    const res = await api(t.url, token, 'POST', '/v1/jobs', mediaForm(JSON.stringify({ ...spec, nonce: Math.random() }), {}, 'media.json'), headers);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return waitForStatus(t.url, token, res.body.id, ['succeeded']);
  };

  it('erases a job: its result, thumbnails, faces, the persons it leaves empty, its speaker turns; with a receipt', async () => {
    const a = await finished(t.tokens.submit, { faces: [unit(0), marker], turns: [{ speaker: 'S1', embedding: unit(3) }, { speaker: 'S2', embedding: unit(4) }], keyframes: 2 }, { 'idempotency-key': 'erase-me' });
    const b = await finished(t.tokens.submit, { faces: [unit(0, 0.9)] });
    const aFaces = a.result.faces.map((f: { embeddingId: string }) => f.embeddingId);
    const personsBefore = (await api(t.url, t.tokens.submit, 'GET', '/v1/persons')).body.persons as Array<{ id: string; faceCount: number }>;
    expect((await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${a.id}/keyframes/1.jpg`)).status).toBe(200);
    expect(databaseBytes(t.dataDir).includes(bytesOf(marker))).toBe(true);

    const erased = await api(t.url, t.tokens.submit, 'POST', `/v1/jobs/${a.id}/erase`);
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({
      erased: 'job',
      jobId: a.id,
      tenant: 'acme',
      erasedAt: expect.any(String),
      // The marker face was the only one of its person; the other joined b's face, whose person stays.
      removed: { jobs: 1, results: 1, faces: 2, persons: 1, speakerTurns: 2, thumbnails: 2, inputs: 0, tokens: 0 },
    });
    expect((await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${a.id}`)).status).toBe(404);
    expect((await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${a.id}/keyframes/1.jpg`)).status).toBe(404);
    for (const face of aFaces) expect((await api(t.url, t.tokens.submit, 'GET', `/v1/faces/${face}/similar`)).status).toBe(404);
    const similarToB = await api(t.url, t.tokens.submit, 'GET', `/v1/faces/${b.result.faces[0].embeddingId}/similar`);
    expect(similarToB.body.similar.map((f: { jobId: string }) => f.jobId)).not.toContain(a.id);
    const personsAfter = (await api(t.url, t.tokens.submit, 'GET', '/v1/persons')).body.persons as Array<{ id: string; faceCount: number }>;
    expect(personsAfter.length).toBe(personsBefore.length - 1);
    expect(fs.existsSync(path.join(t.dataDir, 'thumbnails', a.id))).toBe(false);
    // The embedding's bytes are gone from the database file and its WAL, not only unlinked.
    expect(databaseBytes(t.dataDir).includes(bytesOf(marker))).toBe(false);
    // Its idempotency key is free again.
    const again = await api(t.url, t.tokens.submit, 'POST', '/v1/jobs', mediaForm(JSON.stringify({})), { 'idempotency-key': 'erase-me' });
    expect(again.body.id).not.toBe(a.id);
    await waitForStatus(t.url, t.tokens.submit, again.body.id, ['succeeded']);
    // Erasing again, or another tenant's job, is 404.
    expect((await api(t.url, t.tokens.submit, 'POST', `/v1/jobs/${a.id}/erase`)).status).toBe(404);
    expect((await api(t.url, t.tokens.otherTenant, 'POST', `/v1/jobs/${b.id}/erase`)).status).toBe(404);
    expect((await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${b.id}`)).status).toBe(200);

    const audit = (await api(t.url, t.tokens.admin, 'GET', '/v1/audit')).body.entries as Array<{ action: string; target: string; actor: string }>;
    expect(audit).toContainEqual(expect.objectContaining({ action: 'job.erased', target: a.id, actor: expect.stringMatching(/^token:/) }));
  });

  it("erases everything of a tenant (and its tokens when asked), leaving other tenants alone; only that tenant's admin or an all-tenants token may", async () => {
    const created = await api(t.url, t.tokens.otherAdmin, 'POST', '/v1/tokens', { scope: 'submit', tenant: 'globex' });
    const globexSubmit = created.body.token as string;
    await finished(globexSubmit, { faces: [unit(7), unit(8)], turns: [{ speaker: 'S1', embedding: unit(9) }] });
    await finished(globexSubmit, { keyframes: 1 });
    const acmeJobs = (await api(t.url, t.tokens.submit, 'GET', '/v1/jobs')).body.jobs.length;

    expect((await api(t.url, t.tokens.admin, 'POST', '/v1/tenants/globex/erase')).status).toBe(403);
    const receipt = await api(t.url, t.tokens.allTenants, 'POST', '/v1/tenants/globex/erase', { tokens: true });
    expect(receipt.status).toBe(200);
    expect(receipt.body).toMatchObject({ erased: 'tenant', tenant: 'globex', removed: { faces: 2, speakerTurns: 1, thumbnails: 1, persons: 2, results: expect.any(Number) } });
    expect(receipt.body.removed.jobs).toBeGreaterThanOrEqual(2);
    expect(receipt.body.removed.tokens).toBeGreaterThanOrEqual(3);
    expect((await api(t.url, globexSubmit, 'GET', '/v1/jobs')).status).toBe(401);
    expect((await api(t.url, t.tokens.submit, 'GET', '/v1/jobs')).body.jobs.length).toBe(acmeJobs);
    // A tenant's admin erases its own tenant, keeping its tokens unless asked.
    const own = await api(t.url, t.tokens.admin, 'POST', '/v1/tenants/acme/erase');
    expect(own.body).toMatchObject({ erased: 'tenant', tenant: 'acme', removed: { tokens: 0 } });
    expect((await api(t.url, t.tokens.submit, 'GET', '/v1/jobs')).body.jobs).toEqual([]);
    expect((await api(t.url, t.tokens.submit, 'GET', '/v1/persons')).body.persons).toEqual([]);
  });
});

describe('retention', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({ workers: 1, retentionDays: 2 / 86_400 }, { workerUrl });
  });
  afterAll(async () => t?.close());

  it('erases finished jobs older than the retention period by itself, and says so in the audit log', async () => {
    const res = await api(t.url, t.tokens.submit, 'POST', '/v1/jobs', mediaForm(JSON.stringify({ faces: [unit(1)], keyframes: 1 })));
    await waitForStatus(t.url, t.tokens.submit, res.body.id, ['succeeded']);
    expect((await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${res.body.id}`)).status).toBe(200);
    const until = Date.now() + 10_000;
    while ((await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${res.body.id}`)).status === 200 && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
    expect((await api(t.url, t.tokens.submit, 'GET', `/v1/jobs/${res.body.id}`)).status).toBe(404);
    // The rows go first (the job is no longer served), then its files: the 404 can come a moment before the folder goes.
    await expect.poll(() => fs.existsSync(path.join(t.dataDir, 'thumbnails', res.body.id)), { timeout: 5_000 }).toBe(false);
    expect((await api(t.url, t.tokens.submit, 'GET', '/v1/persons')).body.persons).toEqual([]);
    const audit = (await api(t.url, t.tokens.admin, 'GET', '/v1/audit')).body.entries as Array<{ action: string; target: string; actor: string }>;
    expect(audit).toContainEqual(expect.objectContaining({ action: 'retention.erased', target: res.body.id, actor: expect.stringMatching(/^operator:retention/) }));
  });
});
