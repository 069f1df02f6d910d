// The switch's sequence on a clock the test moves, with the drain and the destroy as recording ports: only the
// console's scope renews the lease, the sequence runs once however often it is checked, drain comes before
// destroy, a failed drain still destroys, a refused destroy says so, and nothing revives a switch that fired.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AgentError } from '../errors.js';
import type { TokenRecord, TokenScope } from '../store/tokens-repository.js';
import { armingOf } from './dead-man-switch.js';
import { SelfDestroy, type SelfDestroyPorts } from './self-destroy.js';

const logger = pino({ level: 'silent' });
const vast = { containerId: '21000042', containerApiKey: 'k' };
const token = (scope: TokenScope, tenant = 'default'): TokenRecord => ({ scope, tenant }) as TokenRecord;

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function setUp(settings: Parameters<typeof armingOf>[0], ports: Partial<SelfDestroyPorts> = {}) {
  const clock = { t: 1_000_000 };
  const calls: string[] = [];
  const full: SelfDestroyPorts = {
    drain: async (reason, graceMs) => {
      calls.push(`drain ${reason.code} ${graceMs}`);
      return { finished: 1, givenBack: 0 };
    },
    destroyInstance: async () => {
      calls.push('destroy');
      return { outcome: 'destroyed', attempts: 1 };
    },
    ...ports,
  };
  const sd = new SelfDestroy(armingOf(settings), { drainMs: 30_000, startedAtMs: clock.t }, full, logger, () => clock.t);
  return { sd, clock, calls };
}

describe('the self-destroy sequence', () => {
  it('off: says why, never fires, contact changes nothing', async () => {
    const { sd, clock, calls } = setUp({ deadmanS: 10 });
    sd.noteContact(token('all-tenants'));
    clock.t += 3_600_000;
    expect(sd.check()).toBeUndefined();
    expect(calls).toEqual([]);
    expect(sd.status()).toMatchObject({ armed: false, state: 'off', reason: expect.stringMatching(/CONTAINER_ID/), leftMs: null, limits: { leaseS: 10 } });
    expect(sd.refusal()).toBeUndefined();
  });

  it("only the console's scope (all-tenants) renews the lease; admin, submit, read tokens and no token do not", async () => {
    const { sd, clock, calls } = setUp({ ...vast, deadmanS: 10 });
    for (let i = 0; i < 5; i++) {
      clock.t += 8_000;
      sd.noteContact(token('all-tenants'));
      await sd.check();
    }
    expect(calls).toEqual([]);
    expect(sd.status()).toMatchObject({ armed: true, state: 'armed', leaseLeftMs: 10_000, leftMs: 10_000 });
    for (const other of [token('admin'), token('admin', 'globex'), token('submit'), token('read'), undefined]) {
      clock.t += 2_000;
      sd.noteContact(other);
    }
    await sd.check();
    expect(calls).toEqual(['drain SELF_DESTROYING 30000', 'destroy']);
    expect(sd.status()).toMatchObject({ state: 'destroyed', trigger: 'lease-expired', reason: expect.stringMatching(/no contact from the console for 10 s/) });
  });

  it('runs once however often it is checked; drain first, destroy after it; refuses new jobs from the start', async () => {
    const drain = deferred<{ finished: number; givenBack: number }>();
    const destroy = deferred<{ outcome: 'destroyed'; attempts: number }>();
    let drains = 0;
    let destroys = 0;
    const { sd, clock } = setUp(
      { ...vast, lifetimeCapS: 60 },
      {
        drain: () => (drains++, drain.promise),
        destroyInstance: () => (destroys++, destroy.promise),
      },
    );
    clock.t += 60_000;
    const first = sd.check();
    const second = sd.check();
    expect(first).toBeDefined();
    expect(second).toBe(first);
    expect(sd.refusal()).toMatchObject({ code: 'SELF_DESTROYING', message: expect.stringMatching(/lifetime cap of 60 s/) });
    expect(sd.status()).toMatchObject({ state: 'draining', trigger: 'lifetime-cap', leftMs: null });
    // Contact during the drain does not stop it.
    sd.noteContact(token('all-tenants'));
    await new Promise((r) => setImmediate(r));
    expect([drains, destroys]).toEqual([1, 0]);
    drain.resolve({ finished: 2, givenBack: 1 });
    await new Promise((r) => setImmediate(r));
    expect(sd.status().state).toBe('destroying');
    expect(sd.check()).toBe(first);
    destroy.resolve({ outcome: 'destroyed', attempts: 3 });
    await first;
    expect([drains, destroys]).toEqual([1, 1]);
    expect(sd.status().state).toBe('destroyed');
  });

  it('a drain that fails still destroys the instance (a running instance bills)', async () => {
    const { sd, clock, calls } = setUp({ ...vast, deadmanS: 5 }, { drain: async () => Promise.reject(new Error('disk gone')) });
    clock.t += 5_000;
    await sd.check();
    expect(calls).toEqual(['destroy']);
    expect(sd.status().state).toBe('destroyed');
  });

  it('a destroy Vast refuses ends as failed, with the reason in the status', async () => {
    const { sd, clock } = setUp({ ...vast, deadmanS: 5 }, { destroyInstance: async () => Promise.reject(new Error('CONTAINER_API_KEY may not destroy instance CONTAINER_ID (403)')) });
    clock.t += 5_000;
    await sd.check();
    expect(sd.status()).toMatchObject({ state: 'failed', reason: expect.stringMatching(/403/), trigger: 'lease-expired' });
    // Failed is final: the console, which sees it in /v1/health, destroys the instance.
    expect(sd.refusal()).toBeInstanceOf(AgentError);
  });

  it('the spend cap: rate × uptime, shown as it grows', async () => {
    const { sd, clock, calls } = setUp({ ...vast, spendCapUsd: 0.01, dphUsd: 1.2 });
    clock.t += 15_000;
    sd.noteContact(token('all-tenants'));
    await sd.check();
    expect(sd.status()).toMatchObject({ state: 'armed', spendLeftMs: 15_000, leaseLeftMs: null, limits: { spendCapUsd: 0.01, dphUsd: 1.2 } });
    expect(sd.status().spentUsd).toBeCloseTo(0.005, 10);
    clock.t += 15_000;
    await sd.check();
    expect(calls).toEqual(['drain SELF_DESTROYING 30000', 'destroy']);
    expect(sd.status()).toMatchObject({ state: 'destroyed', trigger: 'spend-cap' });
  });

  it('fires on its own timer, on the real clock', async () => {
    const calls: string[] = [];
    const sd = new SelfDestroy(
      armingOf({ ...vast, deadmanS: 1 }),
      { drainMs: 0, startedAtMs: Date.now() },
      { drain: async () => (calls.push('drain'), { finished: 0, givenBack: 0 }), destroyInstance: async () => (calls.push('destroy'), { outcome: 'destroyed', attempts: 1 }) },
      logger,
    );
    sd.start();
    await new Promise((r) => setTimeout(r, 600));
    expect(calls).toEqual([]);
    const until = Date.now() + 3_000;
    while (sd.status().state !== 'destroyed' && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual(['drain', 'destroy']);
    await sd.stop();
  });
});
