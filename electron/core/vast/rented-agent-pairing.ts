// The console's side of pairing with a rented agent (agent/src/pairing/README.md): ask for the proof over TLS,
// check it against the fingerprint of the certificate on THAT connection, and only then, over a connection
// pinned to that certificate, hand over the admin token. The pairing secret itself never leaves the console.
import { createHash, randomBytes } from 'node:crypto';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { pairingCompletion, pairingProof, sameHex } from '#agent/pairing/pairing-proofs.js';
import { ConsoleError } from '../contracts/define.js';
import { CertificateMismatchError, pinnedHttpsAgent } from '../agents/pinned-tls.js';

/** The outcome of one pairing try; only `paired` and `not-yet` leave the instance worth keeping. */
export type PairingOutcome =
  | { kind: 'paired'; fingerprint: string }
  /** The agent does not answer (yet), or answers something passing (a 5xx, a rate limit): ask again later. */
  | { kind: 'not-yet'; message: string }
  /** The agent is already paired (410): with this console before a crash, or with someone else. */
  | { kind: 'already-paired'; message: string }
  /** It answered, but not as the holder of the secret for the certificate it presented: never trust it. */
  | { kind: 'refused'; code: string; message: string };

interface Answer {
  status: number;
  body: unknown;
  peerFingerprint: string | null;
}

const nonce = (): string => randomBytes(24).toString('base64url');

function postJson(url: URL, body: object, options: { agent: https.Agent | false; signal: AbortSignal }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = https.request(url, {
      method: 'POST',
      // The proof request has nothing to check the certificate against yet; the pinned one does (its agent).
      rejectUnauthorized: false,
      agent: options.agent,
      signal: options.signal,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    });
    req.on('response', (res) => {
      const raw = (res.socket as TLSSocket).getPeerCertificate?.()?.raw;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        // An agent's pairing answers are a few hundred bytes; anything far larger is not an agent.
        if (chunks.reduce((n, x) => n + x.length, 0) > 64 * 1024) req.destroy(new Error('answer too large'));
      });
      res.on('end', () => {
        let parsed: unknown = null;
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          /* not JSON: judged by its status below */
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, peerFingerprint: raw?.length ? createHash('sha256').update(raw).digest('hex') : null });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const errorCodeOf = (body: unknown): string | undefined => (body as { error?: { code?: unknown } } | null)?.error?.code as string | undefined;

/**
 * Pairs with the agent at `baseUrl` (https) that was started with `secret`, installing `token`. Never throws for
 * what the agent answers (the caller decides: retry, destroy); throws CANCELED when `signal` aborts.
 */
export async function pairRentedAgent(input: {
  baseUrl: string;
  secret: string;
  token: string;
  signal: AbortSignal;
  timeoutMs: number;
  /** Told the fingerprint once the proof matched, before the token is sent (the caller keeps it: a crash then still knows it). */
  onVerified?: (fingerprint: string) => void;
}): Promise<PairingOutcome> {
  const { secret, token } = input;
  const signal = (): AbortSignal => AbortSignal.any([input.signal, AbortSignal.timeout(input.timeoutMs)]);
  const call = async (path: string, body: object, agent: https.Agent | false): Promise<Answer | PairingOutcome> => {
    try {
      return await postJson(new URL(path, input.baseUrl), body, { agent, signal: signal() });
    } catch (err) {
      if (input.signal.aborted) throw new ConsoleError('CANCELED', 'Renting canceled.');
      if (err instanceof CertificateMismatchError) {
        return { kind: 'refused', code: 'AGENT_CERT_MISMATCH', message: `between the proof and the token, the agent presented another certificate (${err.presented ?? 'none'}); the token was not sent` };
      }
      return { kind: 'not-yet', message: `no answer on ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
    }
  };

  // 1. The proof, on a fresh connection (agent: false), checked against the certificate that connection saw.
  const proofNonce = nonce();
  const proof = await call('/v1/pairing/proof', { nonce: proofNonce }, false);
  if ('kind' in proof) return proof;
  if (proof.status === 410) return { kind: 'already-paired', message: 'the agent says it is already paired (410 PAIRING_DONE)' };
  if (proof.status !== 200) return { kind: 'not-yet', message: `POST /v1/pairing/proof answered HTTP ${proof.status}${errorCodeOf(proof.body) ? ` ${errorCodeOf(proof.body)}` : ''}` };
  const fingerprint = proof.peerFingerprint;
  const answered = (proof.body as { proof?: unknown } | null)?.proof;
  if (!fingerprint || typeof answered !== 'string' || !sameHex(answered, pairingProof(secret, proofNonce, fingerprint))) {
    return {
      kind: 'refused',
      code: 'VAST_PAIRING_FAILED',
      message: `the certificate it presented (SHA-256 ${fingerprint ?? 'none'}) is not the one its pairing proof is for: something other than the agent answered (a man in the middle?)`,
    };
  }

  input.onVerified?.(fingerprint);

  // 2. The token, over a connection pinned to that certificate: a certificate swapped in between sends nothing.
  const pinned = pinnedHttpsAgent(fingerprint);
  try {
    const completeNonce = nonce();
    const done = await call('/v1/pairing/complete', { nonce: completeNonce, token, proof: pairingCompletion(secret, completeNonce, fingerprint, token) }, pinned);
    if ('kind' in done) return done;
    if (done.status === 200) return { kind: 'paired', fingerprint };
    const code = errorCodeOf(done.body);
    if (done.status === 410) return { kind: 'already-paired', message: 'the agent was paired by someone else between the proof and the token (410 PAIRING_DONE)' };
    if (done.status === 401) return { kind: 'refused', code: 'VAST_PAIRING_FAILED', message: `the agent refused this console's pairing proof (${code ?? 'HTTP 401'})` };
    return { kind: 'not-yet', message: `POST /v1/pairing/complete answered HTTP ${done.status}${code ? ` ${code}` : ''}` };
  } finally {
    pinned.destroy();
  }
}

/** A fresh one-time pairing secret (256 bits, URL-safe: it travels in the instance env, ≤ 256 characters). */
export function mintPairingSecret(): string {
  return randomBytes(32).toString('base64url');
}
