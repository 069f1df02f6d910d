// What a person reads of a server's certificate and of a form's refused fields.
import { describe, expect, it } from 'vitest';
import { enableHttpsMethod } from '../../../../electron/core/contracts/ssl.js';
import { describeCertificate, fieldErrors, formatBytes } from './server-format.js';

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
