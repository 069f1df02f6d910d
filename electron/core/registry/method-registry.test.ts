// The one call pipeline: what every transport's caller gets back for each way a call can go wrong.
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ConsoleError, defineEvent, defineInvoke, type InvokeDef } from '../contracts/define.js';
import { EventHub } from './event-hub.js';
import { MethodRegistry } from './method-registry.js';

const echo = defineInvoke('test:echo', { input: z.object({ n: z.number().int().max(10).default(1) }), output: z.object({ twice: z.number() }), readOnly: true });
const change = defineInvoke('test:change', { input: z.object({}), output: z.object({ ok: z.boolean() }) });
const planned = defineInvoke('test:planned', { input: z.object({}), output: z.object({}) });
const methods: Record<string, InvokeDef> = { [echo.name]: echo, [change.name]: change, [planned.name]: planned };

function registry() {
  const log = vi.fn();
  const r = new MethodRegistry(methods, log);
  return { r, log };
}

describe('the console call pipeline', () => {
  it('parses the input (defaults applied), runs the handler, checks and returns the output', async () => {
    const { r } = registry();
    r.implement(echo, ({ n }) => ({ twice: n * 2 }));
    expect(await r.invoke('test:echo', {}, { readOnly: false })).toEqual({ ok: true, data: { twice: 2 } });
    expect(await r.invoke('test:echo', { n: 4 }, { readOnly: true })).toEqual({ ok: true, data: { twice: 8 } });
  });

  it('refuses bad input with the field and no method name, an unknown method, and a change in read-only mode', async () => {
    const { r } = registry();
    let ran = false;
    r.implement(change, () => {
      ran = true;
      return { ok: true };
    });
    r.implement(echo, ({ n }) => ({ twice: n * 2 }));
    const bad = await r.invoke('test:echo', { n: 11 }, { readOnly: false });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', field: 'n' } });
    expect((bad as { error: { message: string } }).error.message).not.toContain('test:echo');
    expect(await r.invoke('test:nope', {}, { readOnly: false })).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    expect(await r.invoke('test:change', {}, { readOnly: true })).toMatchObject({ ok: false, error: { code: 'READ_ONLY' } });
    expect(ran).toBe(false);
    expect(await r.invoke('test:planned', {}, { readOnly: false })).toMatchObject({ ok: false, error: { code: 'NOT_IMPLEMENTED' } });
    expect(r.unimplemented()).toEqual(['test:planned']);
  });

  it('a ConsoleError keeps its code and message; anything else is logged and answered INTERNAL, never its own code', async () => {
    const { r, log } = registry();
    r.implement(change, () => {
      throw new ConsoleError('SERVER_NOT_FOUND', 'no such server');
    });
    expect(await r.invoke('test:change', {}, { readOnly: false })).toEqual({ ok: false, error: { code: 'SERVER_NOT_FOUND', message: 'no such server' } });
    expect(log).not.toHaveBeenCalled();

    const { r: r2, log: log2 } = registry();
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    r2.implement(change, () => Promise.reject(refused));
    const answer = await r2.invoke('test:change', {}, { readOnly: false });
    expect(answer).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: expect.stringMatching(/console log/) } });
    expect(log2).toHaveBeenCalledWith(expect.objectContaining({ method: 'test:change', kind: 'handler-threw', error: refused }));
  });

  it('an output that breaks its schema is a logged INTERNAL and is never sent', async () => {
    const { r, log } = registry();
    // A handler typed against another schema, as a bug would be.
    r.implement(change, (() => ({ ok: 'yes', secret: 's3cr3t' })) as unknown as () => { ok: boolean });
    const answer = await r.invoke('test:change', {}, { readOnly: false });
    expect(answer).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(answer)).not.toContain('yes');
    expect(log).toHaveBeenCalledWith(expect.objectContaining({ kind: 'invalid-output' }));
  });

  it('a method can be implemented once, and only a method of the contract', () => {
    const { r } = registry();
    r.implement(change, () => ({ ok: true }));
    expect(() => r.implement(change, () => ({ ok: true }))).toThrow(/twice/);
    const stranger = defineInvoke('test:change', { input: z.object({}), output: z.object({ ok: z.boolean() }) });
    expect(() => r.implement(stranger, () => ({ ok: true }))).toThrow(/not a method of the console contract/);
  });
});

describe('events', () => {
  const ping = defineEvent('test:ping', z.object({ n: z.number() }));

  it('are checked where they are sent: a bad payload throws in tests, is dropped and logged in the app', () => {
    const seen: unknown[] = [];
    const strict = new EventHub({ onInvalid: 'throw' });
    strict.subscribe((e) => seen.push(e));
    strict.publish(ping, { n: 1 });
    expect(() => strict.publish(ping, { n: 'one' } as never)).toThrow(/test:ping: n/);
    const logged: string[] = [];
    const lenient = new EventHub({ onInvalid: 'log', log: (m) => logged.push(m) });
    lenient.subscribe((e) => seen.push(e));
    lenient.publish(ping, { n: 'two' } as never);
    expect(seen).toEqual([{ channel: 'test:ping', payload: { n: 1 } }]);
    expect(logged).toHaveLength(1);
  });
});
