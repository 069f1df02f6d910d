// The live fleet as the dispatcher needs it: every agent the console can talk to (This computer and the
// registered ones), whether it is up (the health monitor's latest sample; the built-in agent's own state), what
// it can run and how many workers it has (its /v1/info, read once and again every few minutes), and what is
// queued on it that is not ours (its health).
import type { AgentHttpClient } from '../agents/agent-http-client.js';
import type { AgentSummary } from '../contracts/agents.js';
import type { HealthState } from '../contracts/health.js';
import type { CostClass, DispatchAgent } from './dispatcher.js';

export interface FleetSources {
  /** This computer (when the console runs it) and every registered agent. */
  agents(): AgentSummary[];
  resolve(agentId: string): Promise<{ client: Pick<AgentHttpClient, 'info' | 'health'> }>;
  /** The health monitor's latest sample of a registered agent (none yet for a new one). */
  health(agentId: string): HealthState | undefined;
  /** The built-in agent's process state. */
  localState(): { state: string; message: string | null } | null;
  /** Fixed-cost (This computer, servers) or per-second (rented GPUs). */
  costClass(agentId: string): CostClass;
}

interface Facts {
  analyses: Set<string>;
  workers: number;
  maxQueueDepth: number;
  readAt: number;
}

/** How long what an agent said of itself is believed before it is asked again. */
const factsTtlMs = 5 * 60_000;
/**
 * After a failed read, the next one waits this long. Without it, an agent whose read fails at once (no token in
 * the vault, a refusal) would be asked again on every scheduling pass, and each failure wakes the scheduler:
 * a loop of microtasks that never lets a timer or a socket run.
 */
const failedReadRetryMs = 5_000;

export class FleetAgents {
  private readonly facts = new Map<string, Facts>();
  private readonly reading = new Map<string, Promise<void>>();
  private readonly failedReadAt = new Map<string, number>();
  /** Agents the runner found unreachable, until the health monitor (or a successful call) says otherwise. */
  private readonly unreachable = new Map<string, { reason: string; atMs: number }>();

  constructor(
    private readonly sources: FleetSources,
    private readonly onChange: () => void,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** The fleet now; agents whose facts are unknown or stale are asked in the background (onChange when known). */
  snapshot(): DispatchAgent[] {
    return this.sources.agents().map((agent) => {
      const facts = this.facts.get(agent.id);
      const failedAt = this.failedReadAt.get(agent.id);
      const due = !facts || this.now() - facts.readAt > factsTtlMs;
      if (due && (failedAt === undefined || this.now() - failedAt >= failedReadRetryMs)) this.readFacts(agent.id);
      const { up, reason, foreignQueued } = this.liveness(agent);
      return {
        id: agent.id,
        name: agent.name,
        local: agent.kind === 'local',
        costClass: agent.kind === 'local' ? 'fixed' : this.sources.costClass(agent.id),
        up,
        downReason: reason,
        analyses: facts?.analyses ?? null,
        workers: facts?.workers ?? 1,
        foreignQueued,
        maxQueueDepth: facts?.maxQueueDepth ?? 1000,
      };
    });
  }

  /** The runner could not reach an agent: not a candidate until it answers again. */
  markUnreachable(agentId: string, reason: string): void {
    this.unreachable.set(agentId, { reason, atMs: this.now() });
    this.onChange();
  }

  markReachable(agentId: string): void {
    if (this.unreachable.delete(agentId)) this.onChange();
  }

  private liveness(agent: AgentSummary): { up: boolean; reason: string | null; foreignQueued: number } {
    const seenDown = this.unreachable.get(agent.id);
    if (agent.kind === 'local') {
      const state = this.sources.localState();
      // Starting counts as up: its first request waits for it, which is what a user dropping a file expects.
      const ok =
        state !== null &&
        (state.state === 'running' || state.state === 'starting' || state.state === 'stopped');
      if (!ok)
        return {
          up: false,
          reason: state?.message ?? 'this console runs without the built-in agent',
          foreignQueued: 0,
        };
      return seenDown
        ? { up: false, reason: seenDown.reason, foreignQueued: 0 }
        : { up: true, reason: null, foreignQueued: 0 };
    }
    const sample = this.sources.health(agent.id);
    // A sample newer than our own failure wins: the agent is back.
    if (seenDown && (!sample || Date.parse(sample.checkedAt) <= seenDown.atMs || !sample.up))
      return { up: false, reason: seenDown.reason, foreignQueued: 0 };
    if (seenDown) this.unreachable.delete(agent.id);
    if (sample && !sample.up) return { up: false, reason: sample.reason, foreignQueued: 0 };
    return { up: true, reason: null, foreignQueued: 0 };
  }

  private readFacts(agentId: string): void {
    if (this.reading.has(agentId)) return;
    const read = (async () => {
      // Always after a macrotask: a read that fails at once must not run inside the scheduling pass that asked.
      await new Promise((resolve) => setImmediate(resolve));
      try {
        const { client } = await this.sources.resolve(agentId);
        const info = await client.info(AbortSignal.timeout(10_000));
        this.facts.set(agentId, {
          analyses: new Set(info.analyses),
          workers: info.workers,
          maxQueueDepth: info.limits.maxQueueDepth,
          readAt: this.now(),
        });
        this.failedReadAt.delete(agentId);
        this.markReachable(agentId);
      } catch (err) {
        this.failedReadAt.set(agentId, this.now());
        const code = (err as { code?: string }).code;
        if (code === 'AGENT_UNREACHABLE' || code === 'CANCELED')
          this.markUnreachable(agentId, (err as Error).message);
      } finally {
        this.reading.delete(agentId);
        this.onChange();
      }
    })();
    this.reading.set(agentId, read);
  }
}
