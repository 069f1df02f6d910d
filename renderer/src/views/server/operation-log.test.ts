// What a person reads from a long operation's record and events: order, progress and the reason it failed.
import { describe, expect, it } from 'vitest';
import type { OperationEvent } from '../../../../electron/core/contracts/define.js';
import type { ProvisionRun } from '../../../../electron/core/contracts/provision.js';
import { mergeOperationEvents, summariseOperation } from './operation-log.js';
import { describeCertificate, fieldErrors, formatBytes } from './server-format.js';
import { enableHttpsMethod } from '../../../../electron/core/contracts/ssl.js';

const ev = (seq: number, extra: Partial<OperationEvent> = {}): OperationEvent => ({
  operationId: 'op',
  seq,
  phase: `p${seq}`,
  progress: null,
  ...extra,
});
// Built with a type assertion so the fixture does not depend on optional run fields (e.g. the run's kind).
const run = (status: ProvisionRun['status'], stepStatuses: string[]): ProvisionRun =>
  ({
    operationId: 'op',
    serverId: '6f1c2b1e-8a47-4c1e-9d0e-3b5f0f6a1c22',
    status,
    startedAt: '2026-11-24T12:00:00Z',
    finishedAt: null,
    steps: stepStatuses.map((s, i) => ({
      stepId: `s${i}`,
      title: `Step ${i}`,
      status: s as ProvisionRun['steps'][number]['status'],
      alreadySatisfied: false,
      error: s === 'failed' ? 'exit 1' : null,
      updatedAt: '2026-11-24T12:00:00Z',
    })),
  }) as ProvisionRun;

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

describe('certificate state', () => {
  const now = new Date('2026-11-24T12:00:00Z');
  const base = { domain: 'a.example', issuer: 'Pebble', attempts: [], nextAttemptAt: null };
  it('counts days to expiry and warns when renewal is overdue', () => {
    expect(describeCertificate({ ...base, notAfter: '2027-01-23T12:00:00Z' }, now)).toMatchObject({
      daysLeft: 60,
      tone: 'ok',
    });
    expect(describeCertificate({ ...base, notAfter: '2026-12-01T12:00:00Z' }, now)).toMatchObject({
      daysLeft: 7,
      tone: 'warn',
    });
    expect(describeCertificate({ ...base, notAfter: '2026-11-20T12:00:00Z' }, now)).toMatchObject({
      tone: 'bad',
      headline: 'Certificate expired',
    });
  });
  it('a next-attempt time in the future blocks requests; one in the past does not', () => {
    expect(
      describeCertificate(
        { ...base, notAfter: null, nextAttemptAt: '2026-11-24T13:00:00Z' },
        now,
      ).retryNotBefore?.toISOString(),
    ).toBe('2026-11-24T13:00:00.000Z');
    expect(
      describeCertificate({ ...base, notAfter: null, nextAttemptAt: '2026-11-24T11:00:00Z' }, now)
        .retryNotBefore,
    ).toBeNull();
  });
});

describe('form helpers', () => {
  it('turns the contract schema into one message per field', () => {
    const errors = fieldErrors(enableHttpsMethod.input, {
      serverId: '6f1c2b1e-8a47-4c1e-9d0e-3b5f0f6a1c22',
      domain: 'x',
      email: 'nope',
    });
    expect(Object.keys(errors).sort()).toEqual(['domain', 'email']);
    expect(formatBytes(512 * 1024 ** 2)).toBe('512 MB');
    expect(formatBytes(1536)).toBe('1.5 KB');
  });
});
