// Fault injection for the fake Vast.ai: one-shot faults a test arms by hand, and "chaos" probabilities drawn
// from the fake's seeded RNG, so a randomized run is the same run for the same seed.
import type { SeededRandom } from './seeded-random.js';

export type FakeEndpoint = 'search' | 'create' | 'show' | 'list' | 'state' | 'destroy' | 'account' | 'charges' | 'anonymous' | 'other';

/** How a create's answer goes wrong. `performed`: the instance was created anyway (the ambiguous case). */
export type CreateFailureMode = 'timeout' | 'reset' | 500 | 502 | 503 | 504;

export type BootFailure = 'exited' | 'unknown' | 'offline' | 'oci_error' | 'stuck_loading';

export interface ChaosSettings {
  /** Per request, probability of an injected 429 (plain text or JSON). */
  rateLimit?: number;
  /** Per request, probability of an injected 5xx (never performing the request). */
  serverError?: number;
  /** Per create, probability that it is performed but its answer lost (timeout/reset/5xx). */
  createAnswerLost?: number;
  /** Per create, probability that the offer was just rented by someone else. */
  offerVanished?: number;
  /** Per create, probability of a boot failure (exited/unknown/offline/OCI error). */
  bootFailure?: number;
}

interface Armed<T> {
  endpoint?: FakeEndpoint;
  value: T;
  remaining: number;
}

export class FaultInjector {
  private readonly rateLimits: Array<Armed<null>> = [];
  private readonly serverErrors: Array<Armed<number>> = [];
  private readonly createFailures: Array<Armed<{ mode: CreateFailureMode; performed: boolean }>> = [];
  private readonly bootFailures: BootFailure[] = [];
  private stuckStarts = 0;
  chaos: ChaosSettings = {};
  /** How long a 'timeout' create holds its answer before closing the socket (ms). */
  createTimeoutHoldMs = 120_000;

  constructor(private readonly random: SeededRandom) {}

  /** The next `count` requests (to `endpoint`, or any) answer 429. */
  rateLimitStorm(count: number, endpoint?: FakeEndpoint): void {
    this.rateLimits.push({ endpoint, value: null, remaining: count });
  }

  /** The next `count` requests (to `endpoint`, or any) answer `status` without being carried out. */
  serverError(count: number, status = 503, endpoint?: FakeEndpoint): void {
    this.serverErrors.push({ endpoint, value: status, remaining: count });
  }

  /** The next create fails with `mode`; `performed` true = the instance exists anyway (an ambiguous create). */
  failNextCreate(mode: CreateFailureMode, performed: boolean, count = 1): void {
    this.createFailures.push({ endpoint: 'create', value: { mode, performed }, remaining: count });
  }

  /** The next instance created fails to boot this way. */
  failNextBoot(failure: BootFailure): void {
    this.bootFailures.push(failure);
  }

  /** The next `count` starts of a stopped instance wait for their GPU forever ("Scheduling"). */
  stickNextStart(count = 1): void {
    this.stuckStarts += count;
  }

  startSticks(): boolean {
    if (this.stuckStarts <= 0) return false;
    this.stuckStarts--;
    return true;
  }

  private take<T>(list: Array<Armed<T>>, endpoint: FakeEndpoint): T | undefined {
    const index = list.findIndex((a) => a.remaining > 0 && (a.endpoint === undefined || a.endpoint === endpoint));
    if (index < 0) return undefined;
    const armed = list[index];
    armed.remaining--;
    if (armed.remaining === 0) list.splice(index, 1);
    return armed.value;
  }

  /** Consulted for every request: an injected 429 or 5xx, or none. */
  requestFault(endpoint: FakeEndpoint): { kind: 'rate-limit' } | { kind: 'server-error'; status: number } | undefined {
    if (this.take(this.rateLimits, endpoint) !== undefined) return { kind: 'rate-limit' };
    const status = this.take(this.serverErrors, endpoint);
    if (status !== undefined) return { kind: 'server-error', status };
    if (endpoint === 'anonymous') return undefined;
    if (this.random.chance(this.chaos.rateLimit ?? 0)) return { kind: 'rate-limit' };
    if (this.random.chance(this.chaos.serverError ?? 0)) return { kind: 'server-error', status: this.random.pick([500, 502, 503, 504]) };
    return undefined;
  }

  createFault(): { mode: CreateFailureMode; performed: boolean } | undefined {
    const armed = this.take(this.createFailures, 'create');
    if (armed) return armed;
    if (this.random.chance(this.chaos.createAnswerLost ?? 0)) return { mode: this.random.pick(['timeout', 'reset', 500, 502, 503, 504] as const), performed: true };
    return undefined;
  }

  offerVanishes(): boolean {
    return this.random.chance(this.chaos.offerVanished ?? 0);
  }

  bootFailure(): BootFailure | undefined {
    const armed = this.bootFailures.shift();
    if (armed) return armed;
    if (this.random.chance(this.chaos.bootFailure ?? 0)) return this.random.pick(['exited', 'unknown', 'offline', 'oci_error'] as const);
    return undefined;
  }

  /** Body variants Vast uses for a 429, picked by the seeded RNG. */
  rateLimitBody(threshold: number): { contentType: string; body: string } {
    const variant = this.random.int(0, 3);
    if (variant === 0) return { contentType: 'application/json', body: JSON.stringify({ detail: 'API requests too frequent' }) };
    if (variant === 1) return { contentType: 'application/json', body: JSON.stringify({ success: false, error: 'rate_limit_exceeded', msg: 'API requests too frequent' }) };
    if (variant === 2) return { contentType: 'text/plain', body: `API requests too frequent endpoint threshold=${threshold}` };
    return { contentType: 'text/plain', body: 'API requests too frequent' };
  }
}
