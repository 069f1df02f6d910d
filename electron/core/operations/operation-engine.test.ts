// The operation engine on a real SQLite file: steps check → apply → verify, persisted events with seq, one
// cancel path, locks that refuse a second operation and recover a dead holder's, operations a crashed console
// left running shown as interrupted, and resume under the same id.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/audit-log.js';
import { ConsoleError, type OperationEvent } from '../contracts/define.js';
import { openConsoleStore, type ConsoleDb } from '../store/console-store.js';
import type { OperationSpec, OperationTools } from './operation.js';
import { OperationEngine } from './operation-engine.js';

let dir = '';
const opened: { db: ConsoleDb; engine: OperationEngine }[] = [];
afterEach(async () => {
  for (const { db, engine } of opened.splice(0)) {
    await engine.shutdown();
    db.close();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

function open(): { db: ConsoleDb; engine: OperationEngine; audit: AuditLog; events: OperationEvent[] } {
  if (!dir) dir = mkdtempSync(join(tmpdir(), 'mf-ops-'));
  const db = openConsoleStore(join(dir, 'console.db'));
  const audit = new AuditLog(db);
  const engine = new OperationEngine({ db, audit });
  const events: OperationEvent[] = [];
  engine.events.on('operation', (e) => events.push(e));
  opened.push({ db, engine });
  return { db, engine, audit, events };
}

/** A plan over a plain in-memory "machine": each step sets a key; check looks at it. */
function plan(
  state: Map<string, boolean>,
  ids: string[],
  extra: Partial<OperationSpec<OperationTools>> = {},
): OperationSpec<OperationTools> {
  return {
    kind: 'provision',
    title: 'Test plan',
    targetId: 'target-1',
    lockKey: 'target:1',
    options: { ids },
    steps: ids.map((id) => ({
      id,
      title: `Step ${id}`,
      check: async () => ({ satisfied: state.get(id) === true }),
      apply: async (tools) => {
        tools.progress(0.5, `half of ${id}`);
        state.set(id, true);
      },
    })),
    open: async (tools) => ({ context: tools }),
    ...extra,
  };
}

describe('operation engine', () => {
  it('runs the steps in order, skips what is already done, and records numbered events that end with done', async () => {
    const { engine, events, audit } = open();
    const state = new Map([['b', true]]);
    const { operationId } = engine.start(plan(state, ['a', 'b', 'c']));
    expect(engine.status(operationId).status).toBe('running');
    expect(await engine.settled(operationId)).toBe('succeeded');
    const record = engine.status(operationId);
    expect(record.steps.map((s) => [s.stepId, s.status, s.alreadySatisfied])).toEqual([
      ['a', 'applied', false],
      ['b', 'satisfied', true],
      ['c', 'applied', false],
    ]);
    expect(record).toMatchObject({
      kind: 'provision',
      targetId: 'target-1',
      progress: 1,
      error: null,
      resumable: false,
    });
    const mine = events.filter((e) => e.operationId === operationId);
    expect(mine.map((e) => e.seq)).toEqual(mine.map((_, i) => i));
    expect(mine.at(-1)).toMatchObject({ phase: 'done', done: true, progress: 1 });
    expect(engine.eventsSince(operationId)).toEqual(mine);
    // Progress never goes back.
    const progress = mine.map((e) => e.progress ?? 0);
    expect(progress).toEqual([...progress].sort((x, y) => x - y));
    expect(
      audit
        .list({ targetId: 'target-1' })
        .map((e) => e.action)
        .sort(),
    ).toEqual(['provision.started', 'provision.succeeded']);
  });

  it('one operation per lock key at a time; the lock is free again when it ends, however it ends', async () => {
    const { engine } = open();
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slow = plan(new Map(), ['a'], { steps: [{ id: 'a', title: 'wait', apply: () => gate }] });
    const first = engine.start(slow);
    expect(() => engine.start(plan(new Map(), ['x']))).toThrow(
      expect.objectContaining({ code: 'OPERATION_LOCKED' }),
    );
    expect(() =>
      engine.start(plan(new Map(), ['x'], { lockedError: () => new ConsoleError('BUSY', 'busy') })),
    ).toThrow(expect.objectContaining({ code: 'BUSY' }));
    // Another key is not held up.
    const other = engine.start(plan(new Map(), ['y'], { lockKey: 'target:2' }));
    expect(await engine.settled(other.operationId)).toBe('succeeded');
    release();
    expect(await engine.settled(first.operationId)).toBe('succeeded');
    const failing = engine.start(
      plan(new Map(), ['z'], {
        steps: [{ id: 'z', title: 'boom', apply: () => Promise.reject(new Error('disk on fire')) }],
      }),
    );
    expect(await engine.settled(failing.operationId)).toBe('failed');
    expect(engine.status(failing.operationId).error).toEqual({
      code: 'OPERATION_FAILED',
      message: 'disk on fire',
    });
    const next = engine.start(plan(new Map(), ['w']));
    expect(await engine.settled(next.operationId)).toBe('succeeded');
  });

  it('cancel aborts the signal; the step is canceled, later steps stay pending, and resume finishes the plan', async () => {
    const { engine } = open();
    const state = new Map<string, boolean>();
    const spec = plan(state, ['a', 'b', 'c']);
    const waiting: OperationSpec<OperationTools> = {
      ...spec,
      steps: [
        spec.steps[0]!,
        {
          id: 'b',
          title: 'Step b',
          check: async () => ({ satisfied: state.get('b') === true }),
          apply: (tools) =>
            new Promise<void>((resolve, reject) => {
              if (state.get('b-once')) {
                state.set('b', true);
                return resolve();
              }
              state.set('b-once', true);
              tools.signal.addEventListener('abort', () => reject(new ConsoleError('CANCELED', 'stopped')));
            }),
        },
        spec.steps[2]!,
      ],
    };
    engine.allowResume('provision', () => waiting);
    const { operationId } = engine.start(waiting);
    await new Promise((r) => setTimeout(r, 50));
    expect(engine.cancel(operationId)).toBe(true);
    expect(await engine.settled(operationId)).toBe('canceled');
    expect(engine.cancel(operationId)).toBe(false);
    const canceled = engine.status(operationId);
    expect(canceled.steps.map((s) => s.status)).toEqual(['applied', 'canceled', 'pending']);
    expect(canceled).toMatchObject({ status: 'canceled', resumable: true, error: { code: 'CANCELED' } });
    engine.resume(operationId);
    expect(await engine.settled(operationId)).toBe('succeeded');
    expect(engine.status(operationId).steps.map((s) => s.status)).toEqual([
      'satisfied',
      'applied',
      'applied',
    ]);
    // One sequence across both runs.
    const all = engine.eventsSince(operationId);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i));
    expect(() => engine.resume(operationId)).toThrow(expect.objectContaining({ code: 'ALREADY_DONE' }));
  });

  it('a kind without resume says so; an unknown id is OPERATION_NOT_FOUND', async () => {
    const { engine } = open();
    const { operationId } = engine.start({
      ...plan(new Map(), ['a']),
      kind: 'benchmark',
      steps: [{ id: 'a', title: 'x', apply: () => Promise.reject(new Error('no')) }],
    });
    await engine.settled(operationId);
    expect(engine.status(operationId).resumable).toBe(false);
    expect(() => engine.resume(operationId)).toThrow(expect.objectContaining({ code: 'NOT_RESUMABLE' }));
    expect(() => engine.resume('nope')).toThrow(expect.objectContaining({ code: 'OPERATION_NOT_FOUND' }));
    expect(() => engine.status('nope')).toThrow(expect.objectContaining({ code: 'OPERATION_NOT_FOUND' }));
  });

  it('a console that stopped mid-operation: the next one shows it interrupted, frees its lock, and can resume it', async () => {
    const first = open();
    const state = new Map<string, boolean>();
    const stuck = plan(state, ['a', 'b'], {
      steps: [
        {
          id: 'a',
          title: 'a',
          check: async () => ({ satisfied: state.get('a') === true }),
          apply: async () => void state.set('a', true),
        },
        // Never finishes in the first console (it "dies" in this step); gives up only when that engine shuts down.
        {
          id: 'b',
          title: 'b',
          apply: (tools) =>
            new Promise<void>((_, reject) =>
              tools.signal.addEventListener('abort', () => reject(new Error('gone'))),
            ),
        },
      ],
    });
    const { operationId } = first.engine.start(stuck);
    await new Promise((r) => setTimeout(r, 50));
    // The first console "dies": its operation and lock now belong to an engine that no longer exists (as after a
    // SIGKILL; the real SIGKILL is tested with provision-cli in provision.fleet.test.ts).
    first.db
      .prepare("UPDATE operations SET owner_id = 'a-dead-engine' WHERE operation_id = ?")
      .run(operationId);
    first.db
      .prepare("UPDATE operation_locks SET owner_id = 'a-dead-engine' WHERE operation_id = ?")
      .run(operationId);

    const second = open();
    second.engine.allowResume('provision', () => plan(state, ['a', 'b']));
    expect(second.engine.recoverInterrupted()).toEqual([operationId]);
    expect(second.engine.status(operationId)).toMatchObject({
      status: 'interrupted',
      resumable: true,
      error: { code: 'INTERRUPTED' },
    });
    expect(second.engine.eventsSince(operationId).at(-1)).toMatchObject({ phase: 'interrupted', done: true });
    expect(second.db.prepare('SELECT COUNT(*) AS n FROM operation_locks').get()).toEqual({ n: 0 });
    second.engine.resume(operationId);
    expect(await second.engine.settled(operationId)).toBe('succeeded');
    expect(second.engine.status(operationId).steps.map((s) => s.status)).toEqual(['satisfied', 'applied']);
  });

  it('a lock held by a process that died is taken over, and said so in the audit log', async () => {
    const { engine, db, audit } = open();
    const child = spawn('true');
    await new Promise((r) => child.once('exit', r));
    db.prepare('INSERT INTO operation_locks VALUES (?, ?, ?, ?, ?, ?)').run(
      'target:1',
      'dead-op',
      child.pid,
      hostname(),
      'other',
      'then',
    );
    const { operationId } = engine.start(plan(new Map(), ['a']));
    expect(await engine.settled(operationId)).toBe('succeeded');
    expect(
      audit.list({ targetId: 'target-1' }).find((e) => e.action === 'operation.lock-recovered')?.detail,
    ).toMatchObject({ deadOperation: 'dead-op', deadPid: child.pid });
    // A live holder (this test's own sleep process) still refuses.
    const holder = spawn('sleep', ['30']);
    try {
      db.prepare('INSERT OR REPLACE INTO operation_locks VALUES (?, ?, ?, ?, ?, ?)').run(
        'target:1',
        'live-op',
        holder.pid,
        hostname(),
        'other',
        'now',
      );
      expect(() => engine.start(plan(new Map(), ['b']))).toThrow(
        expect.objectContaining({ code: 'OPERATION_LOCKED' }),
      );
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('detail set at the start and while running is part of the record; lists filter by target, kind and status', async () => {
    const { engine } = open();
    const { operationId } = engine.start({
      ...plan(new Map(), ['a']),
      kind: 'benchmark',
      detail: { agentName: 'vps-1', imagesDone: null },
      steps: [{ id: 'a', title: 'count', apply: async (tools) => tools.setDetail({ imagesDone: 3 }) }],
    });
    expect(engine.status(operationId).detail).toEqual({ agentName: 'vps-1', imagesDone: null });
    await engine.settled(operationId);
    expect(engine.status(operationId).detail).toEqual({ agentName: 'vps-1', imagesDone: 3 });
    expect(engine.list({ kinds: ['benchmark'] }).map((o) => o.operationId)).toEqual([operationId]);
    expect(engine.list({ kinds: ['deploy'] })).toEqual([]);
    expect(engine.list({ targetId: 'target-1', status: 'succeeded' })).toHaveLength(1);
    expect(engine.list({ status: 'running' })).toEqual([]);
  });

  it('an operation whose context cannot be opened fails with that error and releases its lock', async () => {
    const { engine } = open();
    const { operationId } = engine.start({
      ...plan(new Map(), ['a']),
      open: () => Promise.reject(new ConsoleError('SSH_CONNECT_FAILED', 'no route to host')),
    });
    expect(await engine.settled(operationId)).toBe('failed');
    expect(engine.eventsSince(operationId).at(-1)).toMatchObject({
      phase: 'failed',
      done: true,
      error: { code: 'SSH_CONNECT_FAILED' },
    });
    expect(engine.status(operationId).steps[0]!.status).toBe('pending');
    const next = engine.start(plan(new Map(), ['b']));
    expect(await engine.settled(next.operationId)).toBe('succeeded');
  });
});
