// Pairing over real HTTPS: a real agent (its own SQLite file, the trivial test worker) started in pairing mode
// with a self-signed certificate, asked by a client that checks the certificate only by its fingerprint, as the
// console does. What it shows: the proof binds the secret to the certificate served, a wrong proof installs
// nothing, the token works only after pairing, pairing is possible once (410 after, also after a restart on the
// same disk, with the same certificate), and bad proofs are rate-limited.
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sleepWorkerUrl } from '../../../test-harness/agent/test-agent.js';
import { ConfigError, loadConfig } from '../config.js';
import { startAgent, type RunningAgent } from '../http/server.js';
import { createLogger } from '../logger.js';
import { AgentError } from '../errors.js';
import { Pairing, pairingCompletion, pairingProof } from './pairing.js';
import { makeSelfSignedIdentity } from './self-signed-certificate.js';

const secret = crypto.randomBytes(32).toString('base64url');
const mintToken = (): string => `mf_${crypto.randomBytes(6).toString('hex')}_${crypto.randomBytes(32).toString('base64url')}`;
const nonce = (): string => crypto.randomBytes(18).toString('base64url');
const dirs: string[] = [];
const running: RunningAgent[] = [];

afterEach(async () => {
  for (const agent of running.splice(0)) await agent.close(1000);
});
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function startPairingAgent(dataDir?: string): Promise<{ agent: RunningAgent; dataDir: string }> {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mf-pairing-'));
  if (!dataDir) dirs.push(dir);
  const config = loadConfig({ host: '127.0.0.1', port: 0, dataDir: dir, workers: 1, logLevel: 'warn' }, { MEDIAFLEET_PAIRING_SECRET: secret, MEDIAFLEET_TLS: 'self-signed' });
  const agent = await startAgent(config, createLogger('warn'), { workerUrl: sleepWorkerUrl, warmUp: [] });
  running.push(agent);
  return { agent, dataDir: dir };
}

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON read field by field in the tests
  body: any;
  /** The SHA-256 of the certificate the server presented on this connection (hex, lower case). */
  peerFingerprint: string;
}

/** One HTTPS request that trusts no CA, and reports the fingerprint of the certificate it saw. */
function request(url: string, method: string, route: string, body?: object, token?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body ? JSON.stringify(body) : undefined;
    const req = https.request(new URL(route, url), {
      method,
      rejectUnauthorized: false,
      agent: false,
      headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    req.on('response', (res) => {
      const peer = (res.socket as TLSSocket).getPeerCertificate();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null, peerFingerprint: crypto.createHash('sha256').update(peer.raw).digest('hex') });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

describe('pairing mode over HTTPS', () => {
  it('proves its certificate, refuses a wrong proof, installs the token once, and closes pairing for good', async () => {
    const { agent } = await startPairingAgent();
    expect(agent.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const token = mintToken();

    // The proof: HMAC(secret, nonce, fingerprint) of the certificate this very connection saw.
    const n = nonce();
    const proof = await request(agent.url, 'POST', '/v1/pairing/proof', { nonce: n });
    expect(proof.status).toBe(200);
    expect(proof.body.fingerprint).toBe(proof.peerFingerprint);
    expect(proof.body.proof).toBe(pairingProof(secret, n, proof.peerFingerprint));
    // Someone without the secret cannot tell this proof from any other: it does not match another secret.
    expect(proof.body.proof).not.toBe(pairingProof(crypto.randomBytes(32).toString('base64url'), n, proof.peerFingerprint));

    // No admin token before pairing: the token to be installed is refused.
    expect((await request(agent.url, 'GET', '/v1/info', undefined, token)).status).toBe(401);

    // A proof made with another secret, or for another certificate, or for another token: 401, nothing installed.
    const wrongs = [
      pairingCompletion(crypto.randomBytes(32).toString('base64url'), n, proof.peerFingerprint, token),
      pairingCompletion(secret, n, makeSelfSignedIdentity().fingerprint, token),
      pairingCompletion(secret, n, proof.peerFingerprint, mintToken()),
    ];
    for (const wrong of wrongs) {
      const refused = await request(agent.url, 'POST', '/v1/pairing/complete', { nonce: n, token, proof: wrong });
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('PAIRING_PROOF_INVALID');
    }
    expect((await request(agent.url, 'GET', '/v1/info', undefined, token)).status).toBe(401);
    // Malformed input is a 400, not a proof failure.
    expect((await request(agent.url, 'POST', '/v1/pairing/complete', { nonce: 'short', token, proof: 'x' })).body.error.code).toBe('BAD_REQUEST');

    const c = nonce();
    const done = await request(agent.url, 'POST', '/v1/pairing/complete', { nonce: c, token, proof: pairingCompletion(secret, c, proof.peerFingerprint, token) });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ paired: true, tokenId: token.slice(3, 15) });
    // The token now works, with the console's scope, and is stored hashed like every token.
    const info = await request(agent.url, 'GET', '/v1/tokens', undefined, token);
    expect(info.status).toBe(200);
    expect(info.body.tokens).toEqual([expect.objectContaining({ id: token.slice(3, 15), scope: 'all-tenants', label: 'pairing' })]);
    const stored = fs.readFileSync(path.join(agent.services.config.dataDir, 'agent.sqlite'));
    expect(stored.includes(Buffer.from(token.slice(16)))).toBe(false);
    // The secret is nowhere in what the agent's parts read.
    expect(agent.services.config.pairingSecret).toBeUndefined();

    // Pairing again, even with the right secret: 410 on both routes.
    const again = await request(agent.url, 'POST', '/v1/pairing/proof', { nonce: nonce() });
    expect(again.status).toBe(410);
    expect(again.body.error.code).toBe('PAIRING_DONE');
    const other = mintToken();
    const c2 = nonce();
    const second = await request(agent.url, 'POST', '/v1/pairing/complete', { nonce: c2, token: other, proof: pairingCompletion(secret, c2, proof.peerFingerprint, other) });
    expect(second.status).toBe(410);
    expect(second.body.error.code).toBe('PAIRING_DONE');
    expect((await request(agent.url, 'GET', '/v1/info', undefined, other)).status).toBe(401);
  }, 60_000);

  it('after a restart on the same disk: the same certificate, still paired (410), the token still works', async () => {
    const first = await startPairingAgent();
    const token = mintToken();
    const n = nonce();
    const { body, peerFingerprint } = await request(first.agent.url, 'POST', '/v1/pairing/proof', { nonce: n });
    expect(body.fingerprint).toBe(peerFingerprint);
    const c = nonce();
    expect((await request(first.agent.url, 'POST', '/v1/pairing/complete', { nonce: c, token, proof: pairingCompletion(secret, c, peerFingerprint, token) })).status).toBe(200);
    await first.agent.close(1000);
    running.splice(running.indexOf(first.agent), 1);

    const second = await startPairingAgent(first.dataDir);
    const info = await request(second.agent.url, 'GET', '/v1/info', undefined, token);
    expect(info.status).toBe(200);
    expect(info.peerFingerprint).toBe(peerFingerprint);
    expect((await request(second.agent.url, 'POST', '/v1/pairing/proof', { nonce: nonce() })).status).toBe(410);
  }, 60_000);

  it('an agent outside pairing mode has no pairing routes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-pairing-'));
    dirs.push(dir);
    const agent = await startAgent(loadConfig({ host: '127.0.0.1', port: 0, dataDir: dir, workers: 1, logLevel: 'warn' }, {}), createLogger('warn'), { workerUrl: sleepWorkerUrl, warmUp: [] });
    running.push(agent);
    expect(agent.url).toMatch(/^http:/);
    const res = await fetch(`${agent.url}/v1/pairing/proof`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ nonce: nonce() }) });
    expect(res.status).toBe(404);
  }, 60_000);
});

describe('pairing settings', () => {
  it('refuse a secret without TLS, a secret with an admin token, and a malformed secret', () => {
    const base = { MEDIAFLEET_DATA: os.tmpdir() };
    expect(() => loadConfig({}, { ...base, MEDIAFLEET_PAIRING_SECRET: secret })).toThrow(/MEDIAFLEET_PAIRING_SECRET\).*MEDIAFLEET_TLS=self-signed/);
    expect(() => loadConfig({}, { ...base, MEDIAFLEET_PAIRING_SECRET: secret, MEDIAFLEET_TLS: 'self-signed', MEDIAFLEET_ADMIN_TOKEN: mintToken() })).toThrow(/not both/);
    expect(() => loadConfig({}, { ...base, MEDIAFLEET_PAIRING_SECRET: 'x'.repeat(257), MEDIAFLEET_TLS: 'self-signed' })).toThrow(ConfigError);
    expect(() => loadConfig({}, { ...base, MEDIAFLEET_PAIRING_SECRET: 'short', MEDIAFLEET_TLS: 'self-signed' })).toThrow(/32-256/);
    expect(() => loadConfig({}, { ...base, MEDIAFLEET_TLS: 'on' })).toThrow(/off or self-signed/);
    expect(loadConfig({}, { ...base, MEDIAFLEET_PAIRING_SECRET: 'a'.repeat(256), MEDIAFLEET_TLS: 'self-signed' }).pairingSecret).toHaveLength(256);
  });
});

describe('bad proofs are rate-limited per address', () => {
  it('the sixth bad proof within a minute is refused with 429 before it is checked, even a right one; a minute later it is checked again', () => {
    let now = 1_000_000;
    const installed: string[] = [];
    const fingerprint = makeSelfSignedIdentity().fingerprint;
    const pairing = new Pairing(secret, {
      fingerprint,
      installToken: (token) => {
        installed.push(token);
        return { id: token.slice(3, 15) } as never;
      },
      alreadyPaired: () => false,
      now: () => now,
    });
    const token = mintToken();
    const n = nonce();
    const codeOf = (fn: () => unknown): string | undefined => {
      try {
        fn();
        return undefined;
      } catch (err) {
        return (err as AgentError).code;
      }
    };
    for (let i = 0; i < 5; i++) expect(codeOf(() => pairing.complete({ nonce: n, token, proof: '0'.repeat(64) }, '203.0.113.9'))).toBe('PAIRING_PROOF_INVALID');
    const right = pairingCompletion(secret, n, fingerprint, token);
    expect(codeOf(() => pairing.complete({ nonce: n, token, proof: right }, '203.0.113.9'))).toBe('PAIRING_RATE_LIMITED');
    expect(codeOf(() => pairing.proof(n, '203.0.113.9'))).toBe('PAIRING_RATE_LIMITED');
    expect(installed).toEqual([]);
    now += 61_000;
    expect(codeOf(() => pairing.complete({ nonce: n, token, proof: right }, '203.0.113.9'))).toBeUndefined();
    expect(installed).toEqual([token]);
    expect(pairing.paired).toBe(true);
  });
});
