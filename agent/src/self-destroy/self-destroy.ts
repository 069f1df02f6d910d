// The dead-man switch of an agent on a rented Vast.ai instance, as it runs: a timer over the decisions of
// dead-man-switch.ts, console contact renewing the lease, and, once a limit is reached, one irreversible sequence:
// stop taking jobs, drain (running jobs finish or are given back within the drain bound), then destroy the
// instance. The drain and the destroy are ports (the job queue and vast-self-destroy.ts in server.ts; plain
// functions in tests), so this file holds the order of things and nothing else.
import type { z } from 'zod';
import type { SelfDestroyStatus } from '../contracts/http-v1.js';
import { AgentError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { TokenRecord } from '../store/tokens-repository.js';
import { DeadManSwitch, type SelfDestroyArming, type SelfDestroyTrigger } from './dead-man-switch.js';
import type { DestroyOutcome } from './vast-self-destroy.js';

export type SelfDestroyState = z.infer<typeof SelfDestroyStatus>['state'];

export interface DrainOutcome {
  /** Running jobs that finished within the bound. */
  finished: number;
  /** Jobs failed with SELF_DESTROYING so their clients send them elsewhere: queued ones, and running ones past the bound. */
  givenBack: number;
}

export interface SelfDestroyPorts {
  /** Refuses new jobs with `reason` from now on, gives back queued ones, lets running ones finish within `graceMs`. */
  drain(reason: AgentError, graceMs: number): Promise<DrainOutcome>;
  /** Destroys this instance; resolves once done or gone; throws when it cannot be done or `signal` aborts. */
  destroyInstance(signal: AbortSignal): Promise<DestroyOutcome>;
}

export interface SelfDestroySettings {
  drainMs: number;
  /** When this instance's uptime began (instance-uptime.ts): lifetime and spend count from it. */
  startedAtMs: number;
}

/** The console's own token is the `all-tenants` one (MEDIAFLEET_ADMIN_TOKEN): only it proves the console is there. */
export function isConsoleContact(principal: TokenRecord | undefined): boolean {
  return principal?.scope === 'all-tenants';
}

/** A monotonic clock on the epoch: a wall-clock step (NTP) must not fire the lease early or hold it off. */
export const monotonicNow = (): number => performance.timeOrigin + performance.now();

/** The longest the timer sleeps between checks, whatever the deadlines say. */
const maxCheckIntervalMs = 60_000;
/** Past the drain bound, how long the queue may take to let go of the jobs it gave back before the destroy goes on anyway. */
const drainOverrunMs = 15_000;

export class SelfDestroy {
  private state: SelfDestroyState;
  private readonly deadMan?: DeadManSwitch;
  private trigger?: SelfDestroyTrigger;
  private refusalError?: AgentError;
  private failure?: string;
  private timer?: NodeJS.Timeout;
  private firing?: Promise<void>;
  private readonly stopping = new AbortController();

  constructor(
    private readonly arming: SelfDestroyArming,
    private readonly settings: SelfDestroySettings,
    private readonly ports: SelfDestroyPorts,
    private readonly logger: Logger,
    private readonly now: () => number = monotonicNow,
  ) {
    this.state = arming.armed ? 'armed' : 'off';
    if (arming.armed) this.deadMan = new DeadManSwitch(arming.limits, settings.startedAtMs, now());
  }

  /** Says how it is set, and starts the timer when armed. */
  start(): void {
    for (const problem of this.arming.problems) this.logger.warn(`self-destroy: ${problem}`);
    if (!this.deadMan) {
      this.logger.info({ reason: this.arming.reason }, 'self-destroy: the dead-man switch is off');
      return;
    }
    const { leaseMs, lifetimeMs, spendCapUsd, dphUsd } = this.arming.limits;
    this.logger.info(
      { leaseMs, lifetimeMs, spendCapUsd, dphUsd, drainMs: this.settings.drainMs, startedAt: new Date(this.settings.startedAtMs).toISOString(), leftMs: this.deadMan.msUntilDue(this.now()) },
      'self-destroy: the dead-man switch is armed',
    );
    this.schedule();
  }

  /** A request authenticated as the console: the lease starts again (nothing changes once the switch has fired). */
  noteContact(principal: TokenRecord | undefined): void {
    if (this.state !== 'armed' || !isConsoleContact(principal)) return;
    this.deadMan!.renew(this.now());
  }

  /** Fires when a limit is reached (the timer calls this; so may a test). Returns the sequence once it runs. */
  check(): Promise<void> | undefined {
    if (this.state !== 'armed') return this.firing;
    const due = this.deadMan!.due(this.now());
    if (due) return this.fire(due);
    this.schedule();
    return undefined;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.state !== 'armed') return;
    // A renewal only moves the lease later, so waking at the earliest deadline is never late; the check then
    // sleeps again until the new one.
    const waitMs = Math.max(5, Math.min(this.deadMan!.msUntilDue(this.now()), maxCheckIntervalMs));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.check();
    }, waitMs);
    this.timer.unref();
  }

  /** The one sequence (a second call gets the first one's promise: the instance is never destroyed twice at once). */
  private fire(trigger: SelfDestroyTrigger): Promise<void> {
    this.firing ??= this.run(trigger);
    return this.firing;
  }

  private async run(trigger: SelfDestroyTrigger): Promise<void> {
    clearTimeout(this.timer);
    this.trigger = trigger;
    this.state = 'draining';
    this.refusalError = new AgentError('SELF_DESTROYING', `this rented instance is destroying itself (${trigger.message}); send the work to another agent`);
    this.logger.warn({ trigger: trigger.kind, why: trigger.message, drainMs: this.settings.drainMs }, 'self-destroy: the dead-man switch fired; taking no new jobs, letting running ones finish');
    try {
      const drained = await Promise.race([
        this.ports.drain(this.refusalError, this.settings.drainMs),
        new Promise<'overran'>((resolve) => setTimeout(() => resolve('overran'), this.settings.drainMs + drainOverrunMs).unref()),
      ]);
      if (drained === 'overran') this.logger.error({ drainMs: this.settings.drainMs }, 'self-destroy: the jobs did not let go within the drain bound; destroying anyway');
      else this.logger.info(drained, 'self-destroy: drained (finished: ran to the end; givenBack: failed with SELF_DESTROYING for the console to send elsewhere)');
    } catch (err) {
      // An instance left running bills for ever: the destroy goes on whatever the drain did.
      this.logger.error({ err }, 'self-destroy: draining failed; destroying anyway');
    }
    this.state = 'destroying';
    try {
      const outcome = await this.ports.destroyInstance(this.stopping.signal);
      this.state = 'destroyed';
      this.logger.info(outcome, 'self-destroy: done; Vast.ai stops this container');
    } catch (err) {
      this.state = 'failed';
      this.failure = this.stopping.signal.aborted ? 'the agent stopped before the instance was destroyed' : (err as Error).message;
      this.logger.error({ err: this.stopping.signal.aborted ? undefined : err, why: this.failure }, 'self-destroy: the instance was NOT destroyed; the console must destroy it');
    }
  }

  /** Set once the switch has fired: what new jobs are refused with (503 SELF_DESTROYING). */
  refusal(): AgentError | undefined {
    return this.refusalError;
  }

  status(): z.infer<typeof SelfDestroyStatus> {
    const { leaseMs, lifetimeMs, spendCapUsd, dphUsd } = this.arming.limits;
    const now = this.now();
    const view = this.deadMan?.view(now);
    const counting = this.state === 'armed';
    return {
      armed: this.arming.armed,
      state: this.state,
      ...(this.state === 'off' ? { reason: this.arming.reason } : this.state === 'failed' ? { reason: this.failure } : this.trigger ? { reason: this.trigger.message } : {}),
      ...(this.trigger ? { trigger: this.trigger.kind } : {}),
      leftMs: counting ? view!.leftMs : null,
      leaseLeftMs: counting ? view!.leaseLeftMs : null,
      lifetimeLeftMs: counting ? view!.lifetimeLeftMs : null,
      spendLeftMs: counting ? view!.spendLeftMs : null,
      spentUsd: this.deadMan ? this.deadMan.spentUsd(now) : null,
      lastContactAt: view ? new Date(view.lastContactAtMs).toISOString() : null,
      limits: {
        leaseS: leaseMs === null ? null : leaseMs / 1000,
        lifetimeCapS: lifetimeMs === null ? null : lifetimeMs / 1000,
        spendCapUsd,
        dphUsd,
        drainS: this.settings.drainMs / 1000,
      },
      problems: this.arming.problems,
    };
  }

  /**
   * The agent is closing: no more checks and no more retries. A DELETE already sent is waited for (up to `waitMs`):
   * Vast stops the container while destroying it, so the stop often comes before the answer, and the log should
   * say how it ended.
   */
  async stop(waitMs = 5_000): Promise<void> {
    clearTimeout(this.timer);
    this.stopping.abort(new Error('the agent is stopping'));
    if (!this.firing) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.firing, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }
}
