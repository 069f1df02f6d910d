import { describe, expect, it } from 'vitest';
import { decideIssuance, type IssuanceAttempt } from './issuance-policy.js';

const t0 = new Date('2026-11-24T10:00:00Z');
const min = (m: number) => new Date(t0.getTime() + m * 60_000);
const fail = (at: Date): IssuanceAttempt => ({ domain: 'a.org', at, ok: false, code: 'ACME_CHALLENGE_FAILED', reason: '404' });

describe('decideIssuance', () => {
  it('allows the first attempt and any attempt after a success', () => {
    expect(decideIssuance([], t0).allowed).toBe(true);
    expect(decideIssuance([fail(min(0)), { domain: 'a.org', at: min(1), ok: true }], min(2)).allowed).toBe(true);
  });
  it('backs off exponentially after consecutive failures', () => {
    const one = decideIssuance([fail(min(0))], min(1));
    expect(one).toMatchObject({ allowed: false, retryAt: min(5) });
    expect(decideIssuance([fail(min(0))], min(5)).allowed).toBe(true);
    const two = decideIssuance([fail(min(0)), fail(min(5))], min(6));
    expect(two).toMatchObject({ allowed: false, retryAt: min(15) });
  });
  it('caps failures per hour even when the backoff has passed', () => {
    const policy = { baseBackoffMs: 1000, maxBackoffMs: 10_000, maxFailuresPerHour: 3 };
    const attempts = [fail(min(0)), fail(min(1)), fail(min(2))];
    const d = decideIssuance(attempts, min(10), policy);
    expect(d).toMatchObject({ allowed: false, retryAt: min(60) });
    expect(decideIssuance(attempts, min(61), policy).allowed).toBe(true);
  });
  it('never waits longer than the maximum backoff', () => {
    const many = Array.from({ length: 20 }, (_, i) => fail(new Date(t0.getTime() - (20 - i) * 60_000)));
    const d = decideIssuance(many, t0);
    expect(d.allowed).toBe(false);
    if (!d.allowed) expect(d.retryAt.getTime() - many[19].at.getTime()).toBe(24 * 3600_000);
  });
});
