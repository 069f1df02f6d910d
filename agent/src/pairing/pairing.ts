// Pairing: how a rented agent, which boots with no admin token, gets the console's token without the token ever
// crossing the internet in plain text or sitting in the instance's env (which Vast.ai lists), and how the console
// learns to trust the agent's self-signed certificate. Both sides share a one-time secret
// (MEDIAFLEET_PAIRING_SECRET, in the env: Vast shows it, but it is worth nothing once pairing is done).
//
// 1. proof: the console sends a nonce; the agent answers HMAC(secret, "proof" | nonce | its certificate's
//    fingerprint). Only someone who knows the secret can compute it, so the console, which compares it with the
//    fingerprint of the certificate on ITS connection, knows that certificate is the agent's (a man in the middle
//    shows another certificate, and cannot make the proof for it), and pins it.
// 2. complete (over the pinned connection): the console sends its own nonce, the admin token, and
//    HMAC(secret, "complete" | nonce | fingerprint | sha256(token)): it knows the secret without sending it. The
//    agent stores the token (hashed, as every token) and forgets the secret; both routes then answer 410.
// The two messages start with different words, so the proof route can never be used to make a complete proof.
import { AgentError } from '../errors.js';
import type { TokenRecord } from '../store/tokens-repository.js';
import { pairingCompletion, pairingProof, sameHex } from './pairing-proofs.js';

export { pairingCompletion, pairingProof };

/** The label of the token pairing installed: its presence in the tokens table is what "paired" means. */
export const pairedTokenLabel = 'pairing';

export interface PairingDeps {
  /** This agent's certificate fingerprint (hex SHA-256 of its DER). */
  fingerprint: string;
  /** Installs the token (hashed) with the all-tenants scope. */
  installToken(token: string): TokenRecord;
  /** Whether a token from an earlier pairing exists (the agent restarted on the same disk). */
  alreadyPaired(): boolean;
  now?: () => number;
  /** Bad proofs one address may send per minute before 429 (default 5). */
  maxFailuresPerMinute?: number;
}

export class Pairing {
  private secret: string | null;
  private readonly failures = new Map<string, number[]>();
  private readonly now: () => number;

  constructor(
    secret: string,
    private readonly deps: PairingDeps,
  ) {
    // After a restart on the same disk the env still holds the secret, but the pairing it served is done.
    this.secret = deps.alreadyPaired() ? null : secret;
    this.now = deps.now ?? Date.now;
  }

  get paired(): boolean {
    return this.secret === null;
  }

  get fingerprint(): string {
    return this.deps.fingerprint;
  }

  proof(nonce: string, address: string): { proof: string; fingerprint: string } {
    const secret = this.open(address);
    return { proof: pairingProof(secret, nonce, this.deps.fingerprint), fingerprint: this.deps.fingerprint };
  }

  complete(input: { nonce: string; token: string; proof: string }, address: string): TokenRecord {
    const secret = this.open(address);
    if (!sameHex(input.proof, pairingCompletion(secret, input.nonce, this.deps.fingerprint, input.token))) {
      this.noteFailure(address);
      throw new AgentError('PAIRING_PROOF_INVALID', 'the pairing proof does not match: it was not made with this agent\'s pairing secret for this certificate and token');
    }
    const record = this.deps.installToken(input.token);
    // Forgotten: from now on nobody, not even the holder of the secret, can pair this agent again.
    this.secret = null;
    this.failures.clear();
    return record;
  }

  /** The secret, if pairing is still open and this address has not sent too many bad proofs. */
  private open(address: string): string {
    if (this.secret === null) throw new AgentError('PAIRING_DONE', 'this agent is already paired with its console; pairing again is not possible');
    const recent = this.recentFailures(address);
    const max = this.deps.maxFailuresPerMinute ?? 5;
    if (recent.length >= max) {
      throw new AgentError('PAIRING_RATE_LIMITED', `more than ${max} bad pairing proofs a minute from this address; retry later`, { retryAfterSec: Math.max(1, Math.ceil((recent[0]! + 60_000 - this.now()) / 1000)) });
    }
    return this.secret;
  }

  private recentFailures(address: string): number[] {
    const since = this.now() - 60_000;
    const kept = (this.failures.get(address) ?? []).filter((at) => at > since);
    if (kept.length) this.failures.set(address, kept);
    else this.failures.delete(address);
    return kept;
  }

  private noteFailure(address: string): void {
    // Bounded memory under failures from many addresses: past a few thousand, the stale ones are dropped.
    if (this.failures.size > 4096) for (const known of [...this.failures.keys()]) this.recentFailures(known);
    this.failures.set(address, [...this.recentFailures(address), this.now()]);
  }
}
