// The Add server form's checks, in the words a person needs to fix each field.
import { describe, expect, it } from 'vitest';
import { hostProblem, portProblem, privateKeyProblem, serverFormErrors, userProblem } from './server-form.js';

describe('Add server form checks', () => {
  it('accepts IPv4, IPv6 and domain names as hosts', () => {
    for (const host of ['203.0.113.10', ' 10.0.0.1 ', '2001:db8::1', '[2001:db8::1]', 'vps.example.com', 'localhost', 'xn--bcher-kva.example', 'a.b-c.d.']) {
      expect(hostProblem(host), host).toBeNull();
    }
  });

  it('says what is wrong with a host, and where the stray part belongs', () => {
    expect(hostProblem('')).toBe("Enter the server's IP address or domain name.");
    expect(hostProblem('ssh://example.com')).toMatch(/Leave out the scheme/);
    expect(hostProblem('root@example.com')).toMatch(/user in the User field/);
    expect(hostProblem('203.0.113.10:2222')).toBe('Put the port in the SSH port field.');
    expect(hostProblem('example.com:22')).toBe('Put the port in the SSH port field.');
    expect(hostProblem('example.com:443', 'Leave out the port.')).toBe('Leave out the port.');
    expect(hostProblem('203.0.113.256')).toMatch(/0–255/);
    expect(hostProblem('10.0.1')).toMatch(/four numbers/);
    expect(hostProblem('my host')).toMatch(/no spaces/);
    expect(hostProblem('a..b')).toMatch(/two dots/);
    expect(hostProblem('vps_1.example.com')).toMatch(/no underscores/);
    expect(hostProblem('-bad.example.com')).toMatch(/letters, digits and inner hyphens/);
    expect(hostProblem(`${'a'.repeat(64)}.com`)).toMatch(/63 characters/);
  });

  it('checks the port, the user and the key in plain words', () => {
    expect([portProblem('22'), portProblem(' 2222 ')]).toEqual([null, null]);
    expect(portProblem('')).toMatch(/usually 22/);
    expect(portProblem('22a')).toMatch(/whole number/);
    expect(portProblem('70000')).toBe('A port is between 1 and 65535; SSH usually listens on 22.');
    expect(portProblem('0')).toMatch(/between 1 and 65535/);
    expect([userProblem('root'), userProblem('deploy-bot')]).toEqual([null, null]);
    expect(userProblem('')).toMatch(/root, or a user with sudo/);
    expect(userProblem('bad user')).toMatch(/letters, digits/);
    expect(privateKeyProblem('ssh-ed25519 AAAA… me@laptop')).toMatch(/public key/);
    expect(privateKeyProblem('hello')).toMatch(/starts with -----BEGIN/);
    expect(privateKeyProblem('-----BEGIN OPENSSH PRIVATE KEY-----\nabc')).toMatch(/cut short/);
    expect(privateKeyProblem('-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n')).toBeNull();
  });

  it('gives every field its problem at once, for the chosen login', () => {
    const values = { name: '', host: 'x y', port: '0', user: 'root', authKind: 'generate' as const, password: '', privateKey: '' };
    expect(Object.keys(serverFormErrors(values)).sort()).toEqual(['host', 'name', 'password', 'port']);
    expect(Object.keys(serverFormErrors({ ...values, authKind: 'key' })).sort()).toEqual(['host', 'name', 'port', 'privateKey']);
    expect(serverFormErrors({ ...values, name: 'vps', host: 'vps.example.com', port: '22', password: 'pw' })).toEqual({});
  });
});
