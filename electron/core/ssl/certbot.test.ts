import { describe, expect, it } from 'vitest';
import { certbotCertonlyArgv, parseCertbotFailure, parseCertificateRequest } from './certbot.js';

// Output shapes as certbot 2.x prints them (Debian bookworm's certbot 2.1).
const challenge404 = `Saving debug log to /var/log/letsencrypt/letsencrypt.log
Requesting a certificate for agent.example.org

Certbot failed to authenticate some domains (authenticator: webroot). The Certificate Authority reported these problems:
  Domain: agent.example.org
  Type:   unauthorized
  Detail: 203.0.113.7: Invalid response from http://agent.example.org/.well-known/acme-challenge/abc: 404

Hint: The Certificate Authority failed to download the temporary challenge files created by Certbot.

Some challenges have failed.
Ask for help or search for solutions at https://community.letsencrypt.org. See the logfile /var/log/letsencrypt/letsencrypt.log or re-run Certbot with -v for more details.`;

const dnsProblem = `Certbot failed to authenticate some domains (authenticator: webroot). The Certificate Authority reported these problems:
  Domain: nowhere.example.org
  Type:   dns
  Detail: DNS problem: NXDOMAIN looking up A for nowhere.example.org - check that a DNS record exists for this domain`;

const rateLimited = `An unexpected error occurred:
Error creating new order :: too many certificates (5) already issued for this exact set of domains in the last 168 hours: agent.example.org, retry after 2026-11-25T10:00:00Z: see https://letsencrypt.org/docs/rate-limits/
Ask for help or search for solutions at https://community.letsencrypt.org.`;

const unreachable = `An unexpected error occurred:
requests.exceptions.ConnectionError: HTTPSConnectionPool(host='acme-v02.api.letsencrypt.org', port=443): Max retries exceeded with url: /directory (Caused by NewConnectionError('Failed to establish a new connection: [Errno -2] Name or service not known'))`;

describe('parseCertbotFailure', () => {
  it('names a failed HTTP-01 challenge with the CA detail', () => {
    const f = parseCertbotFailure(challenge404);
    expect(f.code).toBe('ACME_CHALLENGE_FAILED');
    expect(f.reason).toBe('203.0.113.7: Invalid response from http://agent.example.org/.well-known/acme-challenge/abc: 404');
    expect(f.retryable).toBe(false);
  });
  it('recognises DNS problems, rate limits and an unreachable CA', () => {
    expect(parseCertbotFailure(dnsProblem)).toMatchObject({ code: 'ACME_DNS_FAILED', reason: expect.stringContaining('NXDOMAIN') });
    expect(parseCertbotFailure(rateLimited)).toMatchObject({ code: 'ACME_RATE_LIMITED', reason: expect.stringContaining('too many certificates') });
    expect(parseCertbotFailure(unreachable)).toMatchObject({ code: 'ACME_SERVER_UNREACHABLE' });
  });
  it('falls back to the last error line', () => {
    expect(parseCertbotFailure('something\nError: the disk is full\n')).toMatchObject({ code: 'CERTBOT_FAILED', reason: 'Error: the disk is full' });
  });
});

describe('certbot command line', () => {
  const base = { domain: 'agent.example.org', email: 'ops@example.org', webroot: '/var/www/acme' };
  it('uses the webroot authenticator against production by default, staging on request', () => {
    const argv = certbotCertonlyArgv(parseCertificateRequest(base));
    expect(argv.slice(0, 4)).toEqual(['/usr/bin/certbot', 'certonly', '--webroot', '--webroot-path']);
    expect(argv).toContain('--keep-until-expiring');
    expect(argv[argv.indexOf('--server') + 1]).toBe('https://acme-v02.api.letsencrypt.org/directory');
    const staging = certbotCertonlyArgv(parseCertificateRequest({ ...base, staging: true }));
    expect(staging[staging.indexOf('--server') + 1]).toBe('https://acme-staging-v02.api.letsencrypt.org/directory');
  });
  it('saves the nginx reload as the deploy hook, so any renewal (also certbot.timer) gets served', () => {
    const argv = certbotCertonlyArgv(parseCertificateRequest({ ...base, deployHook: 'systemctl reload nginx || nginx -s reload' }));
    expect(argv[argv.indexOf('--deploy-hook') + 1]).toBe('systemctl reload nginx || nginx -s reload');
    expect(certbotCertonlyArgv(parseCertificateRequest(base))).not.toContain('--deploy-hook');
    expect(() => parseCertificateRequest({ ...base, deployHook: 'reload\nrm -rf /' })).toThrow(expect.objectContaining({ code: 'SSL_REQUEST_INVALID' }));
  });
  it('rejects a bad domain or e-mail with a stable code', () => {
    expect(() => parseCertificateRequest({ ...base, domain: 'localhost' })).toThrow(expect.objectContaining({ code: 'SSL_REQUEST_INVALID' }));
    expect(() => parseCertificateRequest({ ...base, domain: 'a.org --staging' })).toThrow(expect.objectContaining({ code: 'SSL_REQUEST_INVALID' }));
    expect(() => parseCertificateRequest({ ...base, email: 'not-an-email' })).toThrow(expect.objectContaining({ code: 'SSL_REQUEST_INVALID' }));
  });
});
