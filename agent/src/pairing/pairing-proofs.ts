// The two pairing messages (see README.md), shared by the agent and the console so both compute the same bytes.
// Plain node:crypto, nothing of the agent's runtime: the console imports this file as it is.
import crypto from 'node:crypto';

export function pairingProof(secret: string, nonce: string, fingerprint: string): string {
  return crypto.createHmac('sha256', secret).update(`mediafleet-pairing-proof\n${nonce}\n${fingerprint}`).digest('hex');
}

export function pairingCompletion(secret: string, nonce: string, fingerprint: string, token: string): string {
  const tokenHash = crypto.createHash('sha256').update(token).digest('hex');
  return crypto.createHmac('sha256', secret).update(`mediafleet-pairing-complete\n${nonce}\n${fingerprint}\n${tokenHash}`).digest('hex');
}

/** Constant-time equality of two proofs (hex strings). */
export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
