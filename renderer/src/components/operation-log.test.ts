// What a person reads from a long operation's record and events: order, progress and the reason it failed.
import { describe, expect, it } from 'vitest';
import type { OperationEvent } from '../../../electron/core/contracts/define.js';
import type { OperationRecord } from '../../../electron/core/contracts/operations.js';
import { mergeOperationEvents, summariseOperation } from './operation-log.js';

const ev = (seq: number, extra: Partial<OperationEvent> = {}): OperationEvent => ({
  operationId: 'op',
  seq,
  phase: `p${seq}`,
  progress: null,
  ...extra,
});
const run = (status: OperationRecord['status'], stepStatuses: OperationRecord['steps'][number]['status'][]): OperationRecord => ({
  operationId: 'op',
  kind: 'provision',
  targetId: '6f1c2b1e-8a47-4c1e-9d0e-3b5f0f6a1c22',
  title: 'Provisioning',
  status,
  resumable: false,
  startedAt: '2026-11-24T12:00:00Z',
  finishedAt: null,
  progress: null,
  error: null,
  detail: {},
  steps: stepStatuses.map((s, i) => ({
    stepId: `s${i}`,
    title: `Step ${i}`,
    status: s,
    alreadySatisfied: false,
    error: s === 'failed' ? 'exit 1' : null,
    updatedAt: '2026-11-24T12:00:00Z',
  })),
});

describe('operation events', () => {
  it('merges live and recorded events once each, in seq order, and keeps the array when nothing is new', () => {
    const live = [ev(3), ev(1)];
    const merged = mergeOperationEvents(live, [ev(0), ev(1), ev(2)]);
    expect(merged.map((e) => e.seq)).toEqual([0, 1, 2, 3]);
    expect(mergeOperationEvents(merged, [ev(2)])).toBe(merged);
  });

  it('progress comes from the latest event that has one, else from finished steps', () => {
    expect(
      summariseOperation(run('running', ['applied', 'applying', 'pending', 'pending']), []).progress,
    ).toBe(0.25);
    expect(
      summariseOperation(run('running', ['applied', 'applying']), [ev(0, { progress: 0.7 }), ev(1)]).progress,
    ).toBe(0.7);
    expect(summariseOperation(undefined, []).progress).toBeNull();
    expect(summariseOperation(run('succeeded', ['applied']), []).progress).toBe(1);
  });

  it('a done event ends the operation before the run record is polled again', () => {
    const failed = summariseOperation(run('running', ['failed']), [
      ev(0, { done: true, error: { code: 'DEPLOY_UNHEALTHY', message: 'no health' } }),
    ]);
    expect(failed.state).toBe('failed');
    expect(failed.error).toEqual({ code: 'DEPLOY_UNHEALTHY', message: 'no health' });
    expect(
      summariseOperation(undefined, [ev(0, { done: true, error: { code: 'CANCELED', message: 'x' } })]).state,
    ).toBe('canceled');
    expect(summariseOperation(undefined, [ev(0, { done: true, line: 'finished' })]).state).toBe('succeeded');
  });

  it('without an error event, a failed run names its failed step; the log is the lines in order', () => {
    const s = summariseOperation(run('failed', ['applied', 'failed']), [
      ev(0, { line: 'one' }),
      ev(1, { line: 'two' }),
    ]);
    expect(s.error).toEqual({ code: 'STEP_FAILED', message: 'Step 1: exit 1' });
    expect(s.log).toBe('one\ntwo');
  });
});
