// The console runtime wires the real console core (SQLite store, file vault) behind the same invoke path the
// transports use: methods this process implements run here, the rest go to the core, the unimplemented say so.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineInvoke } from '../core/contracts/define.js';
import { createConsoleRuntime, type ConsoleRuntime } from './console-runtime.js';
import { invokeMethod, type InvokeContext } from './invoke-method.js';

describe('console runtime', () => {
  let dir: string;
  let runtime: ConsoleRuntime;
  let ctx: InvokeContext;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mf-runtime-'));
    runtime = createConsoleRuntime({
      appRoot: dir, // no agent program here: the built-in agent reports itself unavailable
      dataDir: dir,
      startLocalAgent: false,
      vault: { kind: 'file', path: join(dir, 'vault.bin'), passphrase: 'correct horse battery staple' },
    });
    ctx = { methods: runtime.methods, handlers: runtime.handlers, readOnly: false, delegate: runtime.delegate };
  });
  afterAll(async () => {
    await runtime?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers core methods from the real store through the delegate', async () => {
    expect(await invokeMethod(ctx, 'servers:list', {})).toEqual({ ok: true, data: [] });
    expect(await invokeMethod(ctx, 'audit:list', {})).toEqual({ ok: true, data: [] });
  });

  it('validates input before the core sees it', async () => {
    const answer = await invokeMethod(ctx, 'servers:remove', { serverId: 'not-a-uuid' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('says NOT_IMPLEMENTED for a contract method nobody implements yet', async () => {
    const planned = defineInvoke('planned:feature', { input: z.object({}), output: z.object({}) });
    const answer = await invokeMethod({ ...ctx, methods: { ...ctx.methods, [planned.name]: planned } }, 'planned:feature', {});
    expect(answer).toMatchObject({ ok: false, error: { code: 'NOT_IMPLEMENTED' } });
  });

  it('streams a local terminal session as shell:data events', async () => {
    const output: string[] = [];
    const off = runtime.events.subscribe((e) => e.channel === 'shell:data' && output.push((e.payload as { data: string }).data));
    const opened = (await invokeMethod(ctx, 'shell:open', { target: 'local', cols: 80, rows: 24 })) as { ok: true; data: { sessionId: string } };
    expect(opened.ok).toBe(true);
    await invokeMethod(ctx, 'shell:write', { sessionId: opened.data.sessionId, data: 'echo mf-$((40+2))\r' });
    await expect.poll(() => output.join(''), { timeout: 10_000 }).toContain('mf-42');
    await invokeMethod(ctx, 'shell:close', { sessionId: opened.data.sessionId });
    off();
  });

  it('reports the built-in agent as unavailable, with the reason, when its program is missing', async () => {
    const submitted = await invokeMethod(ctx, 'analyze:submit', { path: join(dir, 'vault.bin') });
    expect(submitted.ok).toBe(true);
    await expect.poll(async () => ((await invokeMethod(ctx, 'agents:local-status', {})) as { data: { state: string } }).data.state).toBe('unavailable');
    const list = (await invokeMethod(ctx, 'analyze:list', {})) as { ok: true; data: Array<{ stage: string; error: { code: string } | null }> };
    expect(list.data[0]).toMatchObject({ stage: 'failed', error: { code: 'LOCAL_AGENT_UNAVAILABLE' } });
  });

  it('publishes analysis changes as events for the renderer', async () => {
    const seen: string[] = [];
    const off = runtime.events.subscribe((e) => seen.push(e.channel));
    await invokeMethod(ctx, 'analyze:submit', { path: join(dir, 'vault.bin') });
    await expect.poll(() => seen.filter((c) => c === 'analyze').length).toBeGreaterThanOrEqual(2);
    off();
  });
});
