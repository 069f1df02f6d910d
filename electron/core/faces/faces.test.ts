// Face search and persons through the console core's contract on a real built-in agent (real face model,
// real face index): the same photo analysed twice finds itself with similarity ≈ 1 and names its source media;
// the person can be named and renamed; refusals keep distinct codes.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '#agent/contracts/result-document.js';
import { AgentHttpClient } from '../agents/agent-http-client.js';
import { createConsoleCore, type ConsoleCore } from '../console-core.js';
import type { Person, SimilarFacesResult } from '../contracts/faces.js';
import { LocalAgent, parseTokenOutput } from '../local-agent/local-agent.js';
import { FileVault } from '../secrets/file-vault.js';
import { secretNames } from '../secrets/secret-vault.js';
import { startAgentStub, type AgentStub } from '../../../test-harness/console/agent-stub-server.js';
import { fixturesDir } from '../../../test-harness/shared-folder.js';

const appRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const fixtures = fixturesDir;

async function call<T>(core: ConsoleCore, method: string, input: unknown): Promise<T> {
  const answer = await core.invoke(method, input);
  if (!answer.ok) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
  return answer.data as T;
}

async function analyseFaces(client: AgentHttpClient, file: string): Promise<{ jobId: string; result: ResultDocument }> {
  const { id } = await client.submitJob({ path: file, fileName: file.split('/').pop()!, analyses: ['faces'] });
  const deadline = Date.now() + 120_000;
  for (;;) {
    const job = await client.getJob(id);
    if (job.status === 'succeeded') return { jobId: id, result: job.result as ResultDocument };
    if (['failed', 'canceled'].includes(job.status)) throw new Error(`faces job ${job.status}: ${job.error?.message}`);
    if (Date.now() > deadline) throw new Error('faces job did not finish in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('faces on a real built-in agent', () => {
  let dir: string;
  let agent: LocalAgent;
  let core: ConsoleCore;
  let stub: AgentStub;
  let first: { jobId: string; result: ResultDocument };
  let second: { jobId: string; result: ResultDocument };
  const savedWarmUp = process.env.MEDIAFLEET_WARMUP;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mf-faces-core-'));
    process.env.MEDIAFLEET_WARMUP = 'faces';
    agent = new LocalAgent({ appRoot, dataDir: join(dir, 'agent') });
    core = createConsoleCore({
      storePath: join(dir, 'console.sqlite'),
      vault: { kind: 'instance', vault: FileVault.open({ path: join(dir, 'vault.bin'), passphrase: 'test', scrypt: { N: 2 ** 12, r: 8, p: 1 } }) },
    });
    core.agentDirectory.useLocalAgent(() => agent.start());
    const client = new AgentHttpClient(await agent.start());
    first = await analyseFaces(client, join(fixtures, 'images/messi5.jpg'));
    second = await analyseFaces(client, join(fixtures, 'images/messi5.jpg'));
    stub = await startAgentStub({ token: 'old-agent-token' });
  });
  afterAll(async () => {
    process.env.MEDIAFLEET_WARMUP = savedWarmUp;
    await core?.close();
    await agent?.stop();
    await stub?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the same face in the other analysis of the photo, with its source media', async () => {
    const faceId = second.result.faces![0]!.embeddingId!;
    expect(faceId).toBeTruthy();
    const found = await call<SimilarFacesResult>(core, 'faces:similar', { agentId: 'local', faceId });
    expect(found.face).toMatchObject({ faceId, source: { jobId: second.jobId, fileName: 'messi5.jpg', mediaKind: 'image' } });
    const best = found.similar[0]!;
    expect(best.faceId).toBe(first.result.faces![0]!.embeddingId);
    expect(best.similarity).toBeGreaterThan(0.99);
    expect(best.source).toMatchObject({ jobId: first.jobId, fileName: 'messi5.jpg', mediaKind: 'image', width: first.result.media.width });
    expect(best.box.width).toBeGreaterThan(0);
    // Both faces joined one person, so the match belongs to the searched face's person.
    expect(best.personId).toBe(found.face.personId);
    expect(found.similar.every((m, i) => i === 0 || m.similarity <= found.similar[i - 1]!.similarity)).toBe(true);
  });

  it('lists persons, names one, renames and clears it; the name shows on search results', async () => {
    const persons = await call<Person[]>(core, 'faces:persons', {});
    const messi = persons.find((p) => p.faceCount >= 2)!;
    expect(messi).toMatchObject({ name: null });
    expect(await call<Person>(core, 'faces:name-person', { personId: messi.id, name: '  Lionel Messi ' })).toMatchObject({ name: 'Lionel Messi' });
    expect((await call<Person[]>(core, 'faces:persons', {}))[0]).toMatchObject({ id: messi.id, name: 'Lionel Messi' });
    const found = await call<SimilarFacesResult>(core, 'faces:similar', { faceId: first.result.faces![0]!.embeddingId! });
    expect(found.face.personName).toBe('Lionel Messi');
    expect(found.similar[0]!.personName).toBe('Lionel Messi');
    const detail = await call<Person & { faces: Array<{ source: { fileName: string } }> }>(core, 'faces:person', { personId: messi.id });
    expect(detail.faces).toHaveLength(messi.faceCount);
    expect(detail.faces.every((f) => f.source.fileName === 'messi5.jpg')).toBe(true);
    expect(await call<Person>(core, 'faces:name-person', { personId: messi.id, name: 'Leo' })).toMatchObject({ name: 'Leo' });
    expect(await call<Person>(core, 'faces:name-person', { personId: messi.id, name: '   ' })).toMatchObject({ name: null });
    const audit = await call<Array<{ action: string; targetId: string; detail: Record<string, unknown> }>>(core, 'audit:list', {});
    expect(audit.filter((e) => e.action === 'person.named').map((e) => [e.targetId, e.detail.name])).toEqual(
      expect.arrayContaining([['local', 'Lionel Messi'], ['local', 'Leo'], ['local', null]]),
    );
  });

  it("serves each face's stored picture, names the agent's threshold, gives persons a thumbnail and merges persons", async () => {
    const faceId = first.result.faces![0]!.embeddingId!;
    const picture = await call<{ mime: string; dataBase64: string }>(core, 'faces:crop', { faceId });
    const jpeg = Buffer.from(picture.dataBase64, 'base64');
    expect([picture.mime, jpeg[0], jpeg[1]]).toEqual(['image/jpeg', 0xff, 0xd8]);
    await expect(call(core, 'faces:crop', { faceId: 'no-such-face' })).rejects.toMatchObject({ code: 'FACE_NOT_FOUND' });
    const found = await call<SimilarFacesResult>(core, 'faces:similar', { faceId });
    expect(found.personSimilarity).toBe(0.55);

    // A third photo of someone else, then that person merged into Messi's: one person with all the faces.
    const client = new AgentHttpClient(await agent.start());
    await analyseFaces(client, join(fixtures, 'images/astronaut.png'));
    const before = await call<Person[]>(core, 'faces:persons', {});
    const messi = before.find((p) => p.faceCount >= 2)!;
    const other = before.find((p) => p.id !== messi.id)!;
    expect(messi.coverFaceId).toEqual(expect.any(String));
    await expect(call(core, 'faces:merge-persons', { personId: messi.id, mergePersonId: messi.id })).rejects.toMatchObject({ code: 'PERSONS_SAME' });
    await expect(call(core, 'faces:merge-persons', { personId: messi.id, mergePersonId: 'no-such-person' })).rejects.toMatchObject({ code: 'PERSON_NOT_FOUND' });
    const merged = await call<Person>(core, 'faces:merge-persons', { personId: messi.id, mergePersonId: other.id });
    expect(merged).toMatchObject({ id: messi.id, faceCount: messi.faceCount + other.faceCount });
    expect((await call<Person[]>(core, 'faces:persons', {})).map((p) => p.id)).not.toContain(other.id);
    const audit = await call<Array<{ action: string; detail: Record<string, unknown> }>>(core, 'audit:list', {});
    expect(audit.find((e) => e.action === 'person.merged')?.detail).toMatchObject({ personId: messi.id, mergedPersonId: other.id });
  });

  it('unknown faces and persons get their own codes', async () => {
    await expect(call(core, 'faces:similar', { faceId: 'no-such-face' })).rejects.toMatchObject({ code: 'FACE_NOT_FOUND' });
    await expect(call(core, 'faces:name-person', { personId: 'no-such-person', name: 'x' })).rejects.toMatchObject({ code: 'PERSON_NOT_FOUND' });
    await expect(call(core, 'faces:persons', { agentId: 'nope' })).rejects.toMatchObject({ code: 'AGENT_UNKNOWN' });
  });

  it('a read-scope token, an older agent and a stopped agent are each refused clearly', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(appRoot, 'agent/src/cli.ts'), 'token', 'create', '--scope', 'read', '--tenant', 'local', '--data', join(dir, 'agent')],
      { cwd: appRoot, timeout: 60_000 },
    );
    const readOnlyAgent = core.agents.upsert({ serverId: null, name: 'read-only token', baseUrl: agent.state.url! });
    await core.vault.set(secretNames.agentAdminToken(readOnlyAgent.id), parseTokenOutput(stdout));
    await expect(call(core, 'faces:persons', { agentId: readOnlyAgent.id })).rejects.toMatchObject({ code: 'AGENT_FORBIDDEN', message: expect.stringMatching(/scope submit/) });

    const old = core.agents.upsert({ serverId: null, name: 'old', baseUrl: stub.url });
    await core.vault.set(secretNames.agentAdminToken(old.id), 'old-agent-token');
    await expect(call(core, 'faces:persons', { agentId: old.id })).rejects.toMatchObject({ code: 'AGENT_ROUTE_MISSING' });

    const { baseUrl, token } = { baseUrl: stub.url, token: 'old-agent-token' };
    await stub.close();
    const down = core.agents.upsert({ serverId: null, name: 'down', baseUrl });
    await core.vault.set(secretNames.agentAdminToken(down.id), token);
    await expect(call(core, 'faces:similar', { agentId: down.id, faceId: 'x' })).rejects.toMatchObject({ code: 'AGENT_UNREACHABLE' });
  });
});
