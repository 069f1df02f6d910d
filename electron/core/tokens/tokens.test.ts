// Agent token administration through the console core's contract on a real built-in agent: a token created
// here works against the agent's own API until it is revoked, the list never carries secrets, the console
// cannot revoke its own token, a read-only console cannot create one, refusals keep distinct codes, and the
// secret lands neither in the audit log nor in the console's store file.
import { readFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTokenBody } from '#agent/contracts/http-v1.js';
import { createConsoleCore, type ConsoleCore } from '../console-core.js';
import { createAgentToken, type AgentTokenRecord } from '../contracts/tokens.js';
import { LocalAgent } from '../local-agent/local-agent.js';
import { FileVault } from '../secrets/file-vault.js';
import { secretNames } from '../secrets/secret-vault.js';

const appRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

async function call<T>(core: ConsoleCore, method: string, input: unknown): Promise<T> {
  const answer = await core.invoke(method, input);
  if (!answer.ok) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
  return answer.data as T;
}

describe('agent tokens on a real built-in agent', () => {
  let dir: string;
  let agent: LocalAgent;
  let core: ConsoleCore;
  let agentUrl: string;
  const savedWarmUp = process.env.MEDIAFLEET_WARMUP;
  const secrets: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mf-tokens-core-'));
    process.env.MEDIAFLEET_WARMUP = 'none';
    agent = new LocalAgent({ appRoot, dataDir: join(dir, 'agent') });
    core = createConsoleCore({
      storePath: join(dir, 'console', 'console.sqlite'),
      vault: { kind: 'instance', vault: FileVault.open({ path: join(dir, 'vault.bin'), passphrase: 'test', scrypt: { N: 2 ** 12, r: 8, p: 1 } }) },
    });
    core.agentDirectory.useLocalAgent(() => agent.start());
    agentUrl = (await agent.start()).baseUrl;
  });
  afterAll(async () => {
    process.env.MEDIAFLEET_WARMUP = savedWarmUp;
    await core?.close();
    await agent?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const jobsWith = (token: string) => fetch(new URL('/v1/jobs', agentUrl), { headers: { authorization: `Bearer ${token}` } });

  it('creates a submit token that the agent accepts, lists it without its secret, revokes it, and the agent then refuses it', async () => {
    const created = await call<{ token: string; record: AgentTokenRecord }>(core, 'tokens:create', {
      agentId: 'local',
      scope: 'submit',
      tenant: '  studio-a ',
      label: 'uploader',
    });
    secrets.push(created.token);
    expect(created.token).toMatch(new RegExp(`^mf_${created.record.id}_`));
    expect(created.record).toMatchObject({ scope: 'submit', tenant: 'studio-a', label: 'uploader', revokedAt: null, usedByConsole: false });
    expect((await jobsWith(created.token)).status).toBe(200);

    const listed = await call<AgentTokenRecord[]>(core, 'tokens:list', { agentId: 'local' });
    expect(listed.find((t) => t.id === created.record.id)).toMatchObject({ scope: 'submit', tenant: 'studio-a', revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(created.token.split('_').pop());
    // The console's own admin token is in the list and marked, so the view can say so.
    expect(listed.filter((t) => t.usedByConsole)).toEqual([expect.objectContaining({ scope: 'all-tenants', tenant: 'local' })]);

    const revoked = await call<AgentTokenRecord>(core, 'tokens:revoke', { agentId: 'local', tokenId: created.record.id });
    expect(revoked.revokedAt).not.toBeNull();
    expect((await jobsWith(created.token)).status).toBe(401);
    const after = await call<AgentTokenRecord[]>(core, 'tokens:list', {});
    expect(after.find((t) => t.id === created.record.id)?.revokedAt).toBe(revoked.revokedAt);
  });

  it("refuses to revoke the console's own token, which keeps working", async () => {
    const own = (await call<AgentTokenRecord[]>(core, 'tokens:list', {})).find((t) => t.usedByConsole)!;
    await expect(call(core, 'tokens:revoke', { tokenId: own.id })).rejects.toMatchObject({ code: 'TOKEN_USED_BY_CONSOLE' });
    expect((await call<AgentTokenRecord[]>(core, 'tokens:list', {})).find((t) => t.id === own.id)?.revokedAt).toBeNull();
  });

  it('a read-only console lists tokens but refuses to create or revoke one, before reaching the agent', async () => {
    const readOnly = { readOnly: true };
    const before = await call<AgentTokenRecord[]>(core, 'tokens:list', {});
    expect(await core.invoke('tokens:list', { agentId: 'local' }, readOnly)).toMatchObject({ ok: true, data: before });
    expect(await core.invoke('tokens:create', { agentId: 'local', scope: 'read', tenant: 'x' }, readOnly)).toMatchObject({ ok: false, error: { code: 'READ_ONLY' } });
    expect(await core.invoke('tokens:revoke', { agentId: 'local', tokenId: before[0]!.id }, readOnly)).toMatchObject({ ok: false, error: { code: 'READ_ONLY' } });
    expect(await call<AgentTokenRecord[]>(core, 'tokens:list', {})).toEqual(before);
  });

  it('an unknown token, an unknown agent and a blank tenant each get their own code', async () => {
    await expect(call(core, 'tokens:revoke', { tokenId: 'nosuchtoken0' })).rejects.toMatchObject({ code: 'TOKEN_NOT_FOUND' });
    await expect(call(core, 'tokens:list', { agentId: 'no-such-agent' })).rejects.toMatchObject({ code: 'AGENT_UNKNOWN' });
    await expect(call(core, 'tokens:create', { agentId: 'no-such-agent', scope: 'read', tenant: 't' })).rejects.toMatchObject({ code: 'AGENT_UNKNOWN' });
    await expect(call(core, 'tokens:create', { scope: 'read', tenant: '   ' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it("an agent whose token lacks admin scope, or no longer accepts the console's token, says which", async () => {
    const submit = await call<{ token: string; record: AgentTokenRecord }>(core, 'tokens:create', { scope: 'submit', tenant: 'ops' });
    secrets.push(submit.token);
    const weak = core.agents.upsert({ serverId: null, name: 'submit-only', baseUrl: agentUrl });
    await core.vault.set(secretNames.agentAdminToken(weak.id), submit.token);
    await expect(call(core, 'tokens:list', { agentId: weak.id })).rejects.toMatchObject({ code: 'AGENT_NOT_ADMIN', message: expect.stringMatching(/submit-only/) });

    const admin = await call<{ token: string; record: AgentTokenRecord }>(core, 'tokens:create', { scope: 'admin', tenant: 'ops', label: 'second console' });
    secrets.push(admin.token);
    const other = core.agents.upsert({ serverId: null, name: 'second console', baseUrl: agentUrl });
    await core.vault.set(secretNames.agentAdminToken(other.id), admin.token);
    // Seen through the second registration, its own token is the one marked and protected.
    const seen = await call<AgentTokenRecord[]>(core, 'tokens:list', { agentId: other.id });
    expect(seen.filter((t) => t.usedByConsole).map((t) => t.id)).toEqual([admin.record.id]);
    await expect(call(core, 'tokens:revoke', { agentId: other.id, tokenId: admin.record.id })).rejects.toMatchObject({ code: 'TOKEN_USED_BY_CONSOLE' });
    // Revoked from the built-in registration, the second one is locked out.
    await call(core, 'tokens:revoke', { agentId: 'local', tokenId: admin.record.id });
    await expect(call(core, 'tokens:list', { agentId: other.id })).rejects.toMatchObject({ code: 'AGENT_TOKEN_REJECTED' });
  });

  it('records creations and revocations in the audit log, and no secret in it or in the store file', async () => {
    const audit = await call<Array<{ action: string; targetId: string; detail: Record<string, unknown> }>>(core, 'audit:list', {});
    const created = audit.filter((e) => e.action === 'agent-token.created');
    expect(created.map((e) => [e.targetId, e.detail.scope, e.detail.tenant])).toEqual(
      expect.arrayContaining([['local', 'submit', 'studio-a'], ['local', 'submit', 'ops'], ['local', 'admin', 'ops']]),
    );
    expect(audit.filter((e) => e.action === 'agent-token.revoked')).toHaveLength(2);
    expect(secrets).toHaveLength(3);
    const auditText = JSON.stringify(audit);
    // The console's store directory (database, WAL, journal) holds none of the secrets.
    const storeDir = join(dir, 'console');
    const storeBytes = Buffer.concat(await Promise.all((await readdir(storeDir)).map((f) => readFile(join(storeDir, f)))));
    for (const token of secrets) {
      const secret = token.split('_').pop()!;
      expect(auditText).not.toContain(secret);
      expect(storeBytes.includes(Buffer.from(secret))).toBe(false);
    }
  });

  it("keeps the contract's tenant and label rules equal to the agent's", () => {
    const samples = [
      { scope: 'read', tenant: 'a' },
      { scope: 'read', tenant: '  ' },
      { scope: 'read', tenant: '' },
      { scope: 'read', tenant: 'x'.repeat(100) },
      { scope: 'read', tenant: 'x'.repeat(101) },
      { scope: 'owner', tenant: 'a' },
      { scope: 'admin', tenant: 'a', label: 'y'.repeat(200) },
      { scope: 'admin', tenant: 'a', label: 'y'.repeat(201) },
    ];
    for (const sample of samples) {
      expect([sample, createAgentToken.input.safeParse(sample).success]).toEqual([sample, CreateTokenBody.safeParse(sample).success]);
    }
  });
});
