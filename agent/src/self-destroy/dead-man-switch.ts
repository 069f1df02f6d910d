// The dead-man switch's decisions as arithmetic on a clock the caller passes in (no timers, no I/O): whether a
// rented instance's switch is armed at all, and when it must destroy itself — no authenticated contact from the
// console for its lease, its lifetime cap reached, or its own spend (rate × uptime) at its cap — and how long is
// left until then. self-destroy.ts runs it on a timer; tests run it on numbers.
import type { AgentConfig } from '../config.js';

export type SelfDestroyTriggerKind = 'lease-expired' | 'lifetime-cap' | 'spend-cap';

export interface SelfDestroyTrigger {
  kind: SelfDestroyTriggerKind;
  /** When the limit was reached (ms on the switch's clock). */
  atMs: number;
  /** For the log and /v1/health, e.g. "no contact from the console for 900 s". */
  message: string;
}

/** The limits in force; null = that limit is off. */
export interface DeadManLimits {
  leaseMs: number | null;
  lifetimeMs: number | null;
  spendCapUsd: number | null;
  /** $/h; the spend cap is only kept with it. */
  dphUsd: number | null;
}

export interface SelfDestroyArming {
  armed: boolean;
  /** Why the switch is off (absent when armed). */
  reason?: string;
  limits: DeadManLimits;
  /** Settings that cannot be kept as given (said at start and in /v1/health, never silently dropped). */
  problems: string[];
}

type ArmingSettings = Pick<AgentConfig, 'deadmanS' | 'lifetimeCapS' | 'spendCapUsd' | 'dphUsd' | 'containerId' | 'containerApiKey'>;

/**
 * Armed only on a Vast.ai instance (Vast sets CONTAINER_ID and CONTAINER_API_KEY in every container) with at least
 * one limit that can be kept. A spend cap without a rate is reported, not guessed: the cap cannot be kept, the other
 * limits still are. (It is not refused at start: an agent that never starts on a rented instance keeps billing too.)
 */
export function armingOf(settings: ArmingSettings): SelfDestroyArming {
  const problems: string[] = [];
  const spendCap = settings.spendCapUsd && settings.spendCapUsd > 0 ? settings.spendCapUsd : null;
  if (spendCap !== null && !settings.dphUsd) {
    problems.push(`MEDIAFLEET_SPEND_CAP_USD is ${spendCap} but MEDIAFLEET_DPH_USD is not set: without the instance's rate the spend cap cannot be kept`);
  }
  const limits: DeadManLimits = {
    leaseMs: settings.deadmanS ? settings.deadmanS * 1000 : null,
    lifetimeMs: settings.lifetimeCapS ? settings.lifetimeCapS * 1000 : null,
    spendCapUsd: spendCap !== null && settings.dphUsd ? spendCap : null,
    dphUsd: settings.dphUsd ?? null,
  };
  if (!settings.containerId || !settings.containerApiKey) {
    return { armed: false, reason: 'not a Vast.ai instance: CONTAINER_ID and CONTAINER_API_KEY are not both set', limits, problems };
  }
  if (limits.leaseMs === null && limits.lifetimeMs === null && limits.spendCapUsd === null) {
    return { armed: false, reason: 'no limit is set (MEDIAFLEET_DEADMAN_S, MEDIAFLEET_LIFETIME_CAP_S, or MEDIAFLEET_SPEND_CAP_USD with MEDIAFLEET_DPH_USD)', limits, problems };
  }
  return { armed: true, limits, problems };
}

const msPerHour = 3_600_000;

/** What /v1/health shows of the limits: milliseconds left of each (null: that limit is off). */
export interface DeadManView {
  leftMs: number;
  leaseLeftMs: number | null;
  lifetimeLeftMs: number | null;
  spendLeftMs: number | null;
  spentUsd: number | null;
  lastContactAtMs: number;
}

export class DeadManSwitch {
  private lastContactMs: number;

  /**
   * `startedAtMs`: when the instance's uptime began (its agent's first start on it, kept across restarts), which the
   * lifetime and spend count from. The lease counts from `nowMs`: a console gets a whole lease to make first contact.
   */
  constructor(
    private readonly limits: DeadManLimits,
    private readonly startedAtMs: number,
    nowMs: number,
  ) {
    if (limits.leaseMs === null && limits.lifetimeMs === null && limits.spendCapUsd === null) throw new Error('a dead-man switch needs at least one limit');
    this.lastContactMs = nowMs;
  }

  /** Authenticated contact from the console: the lease starts again. */
  renew(nowMs: number): void {
    if (nowMs > this.lastContactMs) this.lastContactMs = nowMs;
  }

  private deadlines(): Array<{ kind: SelfDestroyTriggerKind; atMs: number }> {
    const { leaseMs, lifetimeMs, spendCapUsd, dphUsd } = this.limits;
    const out: Array<{ kind: SelfDestroyTriggerKind; atMs: number }> = [];
    if (leaseMs !== null) out.push({ kind: 'lease-expired', atMs: this.lastContactMs + leaseMs });
    if (lifetimeMs !== null) out.push({ kind: 'lifetime-cap', atMs: this.startedAtMs + lifetimeMs });
    // Spend grows linearly with uptime, so the cap is a deadline too: rate × (t - start) = cap (to the millisecond:
    // floating point would otherwise put $0.05 at $0.60/h a hair after 300 000 ms).
    if (spendCapUsd !== null && dphUsd) out.push({ kind: 'spend-cap', atMs: this.startedAtMs + Math.round((spendCapUsd / dphUsd) * msPerHour) });
    return out;
  }

  /** The limit reached at `nowMs` (the one reached first, when several are), or null. */
  due(nowMs: number): SelfDestroyTrigger | null {
    const reached = this.deadlines()
      .filter((d) => d.atMs <= nowMs)
      .sort((a, b) => a.atMs - b.atMs)[0];
    return reached ? { ...reached, message: this.describe(reached.kind, nowMs) } : null;
  }

  /** Milliseconds until the earliest limit (0 when one is reached); a renewal can only push it later. */
  msUntilDue(nowMs: number): number {
    return Math.max(0, Math.min(...this.deadlines().map((d) => d.atMs)) - nowMs);
  }

  spentUsd(nowMs: number): number | null {
    return this.limits.dphUsd ? (this.limits.dphUsd * Math.max(0, nowMs - this.startedAtMs)) / msPerHour : null;
  }

  view(nowMs: number): DeadManView {
    const left = (kind: SelfDestroyTriggerKind): number | null => {
      const d = this.deadlines().find((x) => x.kind === kind);
      return d ? Math.max(0, d.atMs - nowMs) : null;
    };
    return {
      leftMs: this.msUntilDue(nowMs),
      leaseLeftMs: left('lease-expired'),
      lifetimeLeftMs: left('lifetime-cap'),
      spendLeftMs: left('spend-cap'),
      spentUsd: this.spentUsd(nowMs),
      lastContactAtMs: this.lastContactMs,
    };
  }

  private describe(kind: SelfDestroyTriggerKind, nowMs: number): string {
    const { leaseMs, lifetimeMs, spendCapUsd, dphUsd } = this.limits;
    const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;
    if (kind === 'lease-expired') return `no contact from the console for ${seconds(nowMs - this.lastContactMs)} (lease ${seconds(leaseMs!)})`;
    if (kind === 'lifetime-cap') return `lifetime cap of ${seconds(lifetimeMs!)} reached (up ${seconds(nowMs - this.startedAtMs)})`;
    const hours = (nowMs - this.startedAtMs) / msPerHour;
    return `spend cap of $${spendCapUsd!.toFixed(2)} reached ($${dphUsd!}/h × ${hours.toFixed(3)} h = $${(dphUsd! * hours).toFixed(2)})`;
  }
}
