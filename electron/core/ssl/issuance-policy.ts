// When another certificate request may go to the CA. Failed attempts back off exponentially and are capped
// per hour (Let's Encrypt allows 5 failed validations per hostname per hour; going over locks the domain out
// for an hour), so neither a user clicking "retry" nor a renewal loop can storm the CA.
export interface IssuanceAttempt {
  domain: string;
  at: Date;
  ok: boolean;
  code?: string;
  reason?: string;
}

export interface IssuancePolicy {
  /** Wait after the first failure; doubles with each consecutive failure. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  maxFailuresPerHour: number;
}

export const defaultIssuancePolicy: IssuancePolicy = {
  baseBackoffMs: 5 * 60_000,
  maxBackoffMs: 24 * 3600_000,
  maxFailuresPerHour: 3,
};

export type IssuanceDecision = { allowed: true } | { allowed: false; retryAt: Date; reason: string };

export function decideIssuance(attempts: readonly IssuanceAttempt[], now: Date, policy: IssuancePolicy = defaultIssuancePolicy): IssuanceDecision {
  const sorted = [...attempts].sort((a, b) => a.at.getTime() - b.at.getTime());
  let consecutiveFailures = 0;
  for (let i = sorted.length - 1; i >= 0 && !sorted[i].ok; i--) consecutiveFailures++;
  if (consecutiveFailures === 0) return { allowed: true };
  const last = sorted[sorted.length - 1];
  const backoff = Math.min(policy.maxBackoffMs, policy.baseBackoffMs * 2 ** (consecutiveFailures - 1));
  let retryAt = new Date(last.at.getTime() + backoff);
  const hourAgo = now.getTime() - 3600_000;
  const recentFailures = sorted.filter((a) => !a.ok && a.at.getTime() > hourAgo);
  if (recentFailures.length >= policy.maxFailuresPerHour) {
    const hourCapEnds = new Date(recentFailures[recentFailures.length - policy.maxFailuresPerHour].at.getTime() + 3600_000);
    if (hourCapEnds > retryAt) retryAt = hourCapEnds;
  }
  if (retryAt <= now) return { allowed: true };
  return {
    allowed: false,
    retryAt,
    reason: `${consecutiveFailures} failed attempt(s) in a row (last: ${last.reason ?? last.code ?? 'unknown'}); next try allowed at ${retryAt.toISOString()}`,
  };
}

/** Where attempts are remembered; the console's store implements it, tests use the in-memory one. */
export interface IssuanceAttemptLog {
  list(domain: string): Promise<IssuanceAttempt[]>;
  record(attempt: IssuanceAttempt): Promise<void>;
}

export function inMemoryAttemptLog(): IssuanceAttemptLog {
  const all: IssuanceAttempt[] = [];
  return {
    list: async (domain) => all.filter((a) => a.domain === domain),
    record: async (a) => void all.push(a),
  };
}
