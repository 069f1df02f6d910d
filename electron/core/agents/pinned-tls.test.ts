// Pinned TLS against a real HTTPS server on loopback with a self-signed certificate: the agent client and the health
// probe's GET reach it when the pin matches, and when it does not they fail with AGENT_CERT_MISMATCH before a byte
// of the request (and so the token) reaches the server; a pinned agent over plain HTTP is refused the same way.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSelfSignedIdentity } from '#agent/pairing/self-signed-certificate.js';
import { httpGetText } from '../fleet/health/agent-probe.js';
import { AgentHttpClient } from './agent-http-client.js';
import { CertificateMismatchError, normalizeFingerprint } from './pinned-tls.js';

const identity = makeSelfSignedIdentity();
const other = makeSelfSignedIdentity();
const token = `mf_${'a'.repeat(12)}_${'B'.repeat(43)}`;
let server: https.Server;
let baseUrl: string;
const seen: string[] = [];

beforeAll(async () => {
  server = https.createServer({ key: identity.key, cert: identity.cert }, (req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'ok' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('pinned TLS', () => {
  it('the agent client: the pinned certificate passes, another one is AGENT_CERT_MISMATCH with nothing sent', async () => {
    seen.length = 0;
    // The stand-in server is no agent (its answer is off the contract), but the request reached it, token and all.
    const pinned = new AgentHttpClient({ baseUrl, token, tlsFingerprint: identity.fingerprint });
    await expect(pinned.info()).rejects.toMatchObject({ code: 'AGENT_BAD_RESPONSE' });
    expect(seen).toEqual([`GET /v1/info Bearer ${token}`]);
    seen.length = 0;
    const wrong = new AgentHttpClient({ baseUrl, token, tlsFingerprint: other.fingerprint });
    await expect(wrong.info()).rejects.toMatchObject({ code: 'AGENT_CERT_MISMATCH', presented: identity.fingerprint, expected: other.fingerprint });
    expect(seen).toEqual([]);
    // Colons and upper case are the same pin (as browsers and openssl print it).
    const colons = identity.fingerprint.toUpperCase().replace(/(..)(?!$)/g, '$1:');
    expect(normalizeFingerprint(colons)).toBe(identity.fingerprint);
    expect(() => normalizeFingerprint('abc')).toThrow(/64 hex digits/);
  });

  it('a pinned agent over plain HTTP is a mismatch (no certificate at all), never a silent downgrade', () => {
    expect(() => new AgentHttpClient({ baseUrl: baseUrl.replace('https:', 'http:'), token, tlsFingerprint: identity.fingerprint })).toThrow(CertificateMismatchError);
  });

  it("the health probe's GET: the same check on its own kept-alive pool", async () => {
    seen.length = 0;
    expect((await httpGetText(`${baseUrl}/v1/health`, { authorization: `Bearer ${token}` }, 3_000, identity.fingerprint)).status).toBe(200);
    expect((await httpGetText(`${baseUrl}/v1/health`, { authorization: `Bearer ${token}` }, 3_000, identity.fingerprint)).status).toBe(200);
    expect(seen).toHaveLength(2);
    seen.length = 0;
    await expect(httpGetText(`${baseUrl}/v1/health`, { authorization: `Bearer ${token}` }, 3_000, other.fingerprint)).rejects.toBeInstanceOf(CertificateMismatchError);
    await expect(httpGetText(`${baseUrl.replace('https:', 'http:')}/v1/health`, {}, 3_000, other.fingerprint)).rejects.toBeInstanceOf(CertificateMismatchError);
    expect(seen).toEqual([]);
  });
});
