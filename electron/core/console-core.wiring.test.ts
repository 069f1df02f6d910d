// The console core as the shells construct it (SQLite store, file vault, a built-in agent), called through the
// same pipeline the transports use: calls reach the real store, terminals and analysis publish their events, and
// a built-in agent whose program is missing says so instead of failing silently.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadedFilesOnly } from './analyze/submit-path-policy.js';
import { createConsoleCore, type ConsoleCore } from './console-core.js';

describe('console core wiring', () => {
  let dir: string;
  let core: ConsoleCore;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mf-core-wiring-'));
    core = createConsoleCore({
      storePath: join(dir, 'console.sqlite'),
      vault: { kind: 'file', path: join(dir, 'vault.bin'), passphrase: 'correct horse battery staple' },
      // No agent program here: the built-in agent reports itself unavailable.
      localAgent: { appRoot: dir, dataDir: join(dir, 'local-agent') },
      onInvalidEvent: 'throw',
    });
  });
  afterAll(async () => {
    await core?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers from the real store', async () => {
    expect(await core.invoke('servers:list', {})).toEqual({ ok: true, data: [] });
    expect(await core.invoke('audit:list', {})).toEqual({ ok: true, data: [] });
    expect(await core.invoke('operations:list', {})).toEqual({ ok: true, data: [] });
  });

  it('validates input before any feature sees it', async () => {
    const answer = await core.invoke('servers:remove', { serverId: 'not-a-uuid' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'serverId' } });
  });

  it('streams a local terminal session as shell:data events', async () => {
    const output: string[] = [];
    const off = core.events.subscribe((e) => e.channel === 'shell:data' && output.push((e.payload as { data: string }).data));
    const opened = (await core.invoke('shell:open', { target: 'local', cols: 80, rows: 24 })) as { ok: true; data: { sessionId: string } };
    expect(opened.ok).toBe(true);
    await core.invoke('shell:write', { sessionId: opened.data.sessionId, data: 'echo mf-$((40+2))\r' });
    await expect.poll(() => output.join(''), { timeout: 10_000 }).toContain('mf-42');
    await core.invoke('shell:close', { sessionId: opened.data.sessionId });
    off();
  });

  it('reports the built-in agent as unavailable, with the reason, when its program is missing', async () => {
    const submitted = await core.invoke('analyze:submit', { path: join(dir, 'vault.bin') });
    expect(submitted.ok).toBe(true);
    await expect.poll(async () => ((await core.invoke('agents:local-status', {})) as { data: { state: string } }).data.state).toBe('unavailable');
    const list = (await core.invoke('analyze:list', {})) as { ok: true; data: Array<{ stage: string; error: { code: string } | null }> };
    expect(list.data[0]).toMatchObject({ stage: 'failed', error: { code: 'LOCAL_AGENT_UNAVAILABLE' } });
  });

  it('publishes analysis changes and the built-in agent state as events for the renderer', async () => {
    const seen: string[] = [];
    const off = core.events.subscribe((e) => seen.push(e.channel));
    await core.invoke('analyze:submit', { path: join(dir, 'vault.bin') });
    await expect.poll(() => seen.filter((c) => c === 'analyze').length).toBeGreaterThanOrEqual(2);
    expect(seen).toContain('agents:local');
    off();
  });

  it('a headless console submits only its own uploads (its own seam, not a patched handler)', async () => {
    const headless = createConsoleCore({
      storePath: join(dir, 'headless.sqlite'),
      vault: { kind: 'file', path: join(dir, 'vault2.bin'), passphrase: 'another passphrase for the test' },
      allowSubmitPath: uploadedFilesOnly(join(dir, 'uploads')),
    });
    try {
      expect(await headless.invoke('analyze:submit', { path: join(dir, 'vault.bin') })).toMatchObject({ ok: false, error: { code: 'PATH_NOT_ALLOWED' } });
      expect(await headless.invoke('analyze:submit', { path: join(dir, 'uploads', '..', 'vault.bin') })).toMatchObject({ ok: false, error: { code: 'PATH_NOT_ALLOWED' } });
      expect(await headless.invoke('analyze:list', {})).toEqual({ ok: true, data: [] });
    } finally {
      await headless.close();
    }
  });
});
