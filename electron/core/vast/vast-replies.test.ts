// Vast's reply quirks, parsed: whitespace in public_ipaddr, HostPort as a string, absent/null ports, extra
// fields, and error bodies of every shape mapped to stable codes.
import { describe, expect, it } from 'vitest';
import { bootStateOf } from './vast-boot-state.js';
import { vastErrorFromResponse } from './vast-errors.js';
import { hostPortOf, RawInstance, toInstance } from './vast-schemas.js';

describe('instance replies', () => {
  it('trims public_ipaddr, reads HostPort strings and ignores fields it does not use', () => {
    const instance = toInstance(
      RawInstance.parse({
        id: 7,
        actual_status: 'running',
        public_ipaddr: ' 203.0.113.9\n',
        ports: { '8787/tcp': [{ HostIp: '0.0.0.0', HostPort: '33526' }], '22/tcp': null },
        extra_env: [['TZ', 'UTC']],
        some_new_field: { nested: true },
      }),
    );
    expect(instance.publicIp).toBe('203.0.113.9');
    expect(hostPortOf(instance, 8787)).toBe(33526);
    expect(hostPortOf(instance, 22)).toBeNull();
    expect(instance.extraEnv).toEqual({ TZ: 'UTC' });
  });

  it('has no ports while the instance is not running', () => {
    const instance = toInstance(RawInstance.parse({ id: 8, actual_status: 'loading', ports: null, public_ipaddr: null }));
    expect(instance.ports).toEqual({});
    expect(instance.publicIp).toBeNull();
    expect(bootStateOf(instance)).toEqual({ kind: 'pending', why: 'loading' });
  });

  it.each([
    [{ actual_status: 'exited' }, 'fatal'],
    [{ actual_status: 'unknown' }, 'fatal'],
    [{ actual_status: 'offline' }, 'fatal'],
    [{ actual_status: 'created', status_msg: 'Error response from daemon: OCI runtime create failed: runc' }, 'fatal'],
    [{ actual_status: 'created' }, 'pending'],
    [{ actual_status: null }, 'pending'],
    [{ actual_status: 'running' }, 'ready'],
  ])('boot state of %j is %s', (fields, kind) => {
    expect(bootStateOf(toInstance(RawInstance.parse({ id: 1, ...fields }))).kind).toBe(kind);
  });
});

describe('error replies', () => {
  it.each([
    [401, { success: false, error: 'auth_error', msg: 'Invalid user key' }, '', 'VAST_AUTH_FAILED'],
    [403, { error: 'forbidden', message: 'key lacks permission' }, '', 'VAST_FORBIDDEN'],
    [404, { success: false, error: 'no_such_ask', msg: 'Instance type by id 5 is not available.' }, '', 'VAST_OFFER_GONE'],
    [410, { error: 'no_such_ask' }, '', 'VAST_OFFER_GONE'],
    [410, { error: 'deprecated_endpoint', msg: 'use v1' }, '', 'VAST_ENDPOINT_GONE'],
    [400, { success: false, error: 'missing_billing', msg: 'add a card' }, '', 'VAST_NO_CREDIT'],
    [400, { error: 'label_too_long' }, '', 'VAST_LABEL_TOO_LONG'],
    [400, { success: false, error: 'invalid_args', msg: 'disk too small' }, '', 'VAST_BAD_REQUEST'],
    [429, undefined, 'API requests too frequent endpoint threshold=4.5', 'VAST_RATE_LIMITED'],
    [429, { detail: 'API requests too frequent' }, '', 'VAST_RATE_LIMITED'],
    [502, undefined, '<html><body><h1>502 Bad Gateway</h1></body></html>', 'VAST_UNAVAILABLE'],
  ])('HTTP %i %j %s → %s', (status, body, text, code) => {
    const error = vastErrorFromResponse('renting offer 5', status, body, text || JSON.stringify(body));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(/renting offer 5/);
  });

  it('quotes what Vast said, from msg, message, detail or plain text', () => {
    expect(vastErrorFromResponse('x', 400, { msg: 'from msg' }, '').message).toContain('from msg');
    expect(vastErrorFromResponse('x', 400, { message: 'from message' }, '').message).toContain('from message');
    expect(vastErrorFromResponse('x', 429, undefined, 'plain words').message).toContain('plain words');
    expect(vastErrorFromResponse('x', 502, undefined, '<h1>502 Bad Gateway</h1>').message).toContain('502 Bad Gateway');
  });
});
