// The dispatcher: which agent a request goes to. An agent is a candidate when it is up, can run the request's
// analyses (from its /v1/info), is not cooling down after a 429, has room (never more of ours in flight than its
// window), has not already failed this request, and the cost policy allows it. Among candidates it picks the
// earliest expected finish: transfer time at the measured bandwidth + (what is ahead of it + 1) × its seconds per
// item of that media kind ÷ its workers. What it measures (bandwidth, seconds per item) is kept per agent.
import type { MediaKind } from '../contracts/requests.js';

export type CostClass = 'fixed' | 'per-second';

/** An agent as the dispatcher sees it, refreshed by the fleet it is given. */
export interface DispatchAgent {
  id: string;
  name: string;
  /** The built-in agent: the last fallback, always fixed-cost. */
  local: boolean;
  costClass: CostClass;
  up: boolean;
  /** Why it is not a candidate when it is down. */
  downReason: string | null;
  /** Analyses it has (null until its /v1/info has been read). */
  analyses: ReadonlySet<string> | null;
  workers: number;
  /** Jobs waiting on it that are not ours (other consoles, API clients), from its health. */
  foreignQueued: number;
  /** Its queue's limit (429 above it). */
  maxQueueDepth: number;
}

/** What the dispatcher has measured of an agent. */
export interface AgentMeasurements {
  /** Upload bytes per second, smoothed. */
  bytesPerSecond: number | null;
  /** Seconds one job of a kind took on it (queue wait excluded), smoothed. */
  secondsPerItem: Partial<Record<MediaKind, number>>;
  /** From its benchmark: seconds per image (the full image suite), when it has been benchmarked. */
  benchmarkSecondsPerImage: number | null;
}

export interface DispatchRequest {
  requestId: string;
  bytes: number;
  mediaKind: MediaKind;
  analyses: readonly string[] | null;
  pinnedAgentId: string | null;
  /** Agents this request already failed on (not for the file's own reasons): tried last, or not at all. */
  failedOn: ReadonlySet<string>;
}

export type Choice =
  | { agentId: string; agentName: string; expectedSeconds: number; decision: string }
  /** `capacityOnly`: an agent could take it, just not now (its window is full or it asked to wait). */
  | { wait: string; agentId?: undefined; capacityOnly?: boolean };

/** Until an agent is measured: what a job of each kind takes on a small CPU server (the benchmark's order of magnitude). */
export const defaultSecondsPerItem: Record<MediaKind, number> = {
  image: 1.5,
  audio: 20,
  video: 45,
  unknown: 5,
};
const defaultBytesPerSecond = { local: 200e6, remote: 5e6 };
const smoothing = 0.3;

/** Analyses a request of this kind needs when it names none: the agent must run at least one for the kind. */
const kindAnalyses: Record<MediaKind, readonly string[]> = {
  image: ['nsfw', 'faces', 'pose', 'ocr'],
  video: ['video'],
  audio: ['transcribe', 'speakers'],
  unknown: [],
};

export interface DispatcherOptions {
  /** Ours in flight per agent worker: enough to keep its workers busy while the next upload goes, no more. */
  inFlightPerWorker?: number;
  /** Whether a per-second (rented) agent may take this request; the budget rules plug in here. */
  allowCost?: (agent: DispatchAgent, request: DispatchRequest) => boolean;
  now?: () => number;
}

export class Dispatcher {
  private readonly measurements = new Map<string, AgentMeasurements>();
  private readonly inFlight = new Map<string, number>();
  private readonly coolingUntil = new Map<string, number>();
  private readonly perWorker: number;
  private readonly now: () => number;

  constructor(private readonly options: DispatcherOptions = {}) {
    this.perWorker = options.inFlightPerWorker ?? 2;
    this.now = options.now ?? (() => Date.now());
  }

  measured(agentId: string): AgentMeasurements {
    let m = this.measurements.get(agentId);
    if (!m) {
      m = { bytesPerSecond: null, secondsPerItem: {}, benchmarkSecondsPerImage: null };
      this.measurements.set(agentId, m);
    }
    return m;
  }

  /** Restores what a previous run measured. */
  restore(agentId: string, saved: Partial<AgentMeasurements>): void {
    Object.assign(this.measured(agentId), saved);
  }

  inFlightOn(agentId: string): number {
    return this.inFlight.get(agentId) ?? 0;
  }

  window(agent: DispatchAgent): number {
    return Math.max(1, Math.min(agent.maxQueueDepth, Math.max(1, agent.workers) * this.perWorker));
  }

  /** Seconds one item of this kind takes on the agent: measured, else its benchmark (images), else the default. */
  secondsPerItem(
    agentId: string,
    kind: MediaKind,
  ): { seconds: number; source: 'measured' | 'benchmark' | 'default' } {
    const m = this.measured(agentId);
    const seen = m.secondsPerItem[kind];
    if (seen !== undefined) return { seconds: seen, source: 'measured' };
    if (kind === 'image' && m.benchmarkSecondsPerImage !== null)
      return { seconds: m.benchmarkSecondsPerImage, source: 'benchmark' };
    return { seconds: defaultSecondsPerItem[kind], source: 'default' };
  }

  expectedSeconds(agent: DispatchAgent, request: Pick<DispatchRequest, 'bytes' | 'mediaKind'>): number {
    const bandwidth =
      this.measured(agent.id).bytesPerSecond ??
      (agent.local ? defaultBytesPerSecond.local : defaultBytesPerSecond.remote);
    const transfer = request.bytes / bandwidth;
    const ahead = this.inFlightOn(agent.id) + agent.foreignQueued;
    const perItem = this.secondsPerItem(agent.id, request.mediaKind).seconds;
    return transfer + ((ahead + 1) * perItem) / Math.max(1, agent.workers);
  }

  /** Why the agent cannot take the request now, or null when it can (`ignoreCapacity`: were its window free). */
  refusal(
    agent: DispatchAgent,
    request: DispatchRequest,
    options: { ignoreCapacity?: boolean } = {},
  ): string | null {
    if (!agent.up) return `${agent.name} is down${agent.downReason ? ` (${agent.downReason})` : ''}`;
    if (!agent.analyses) return `${agent.name}'s capabilities are not known yet`;
    const has = agent.analyses;
    const forKind = kindAnalyses[request.mediaKind];
    const missing = request.analyses
      ? request.analyses.filter((a) => !has.has(a))
      : forKind.length > 0 && !forKind.some((a) => has.has(a))
        ? forKind
        : [];
    if (missing.length) return `${agent.name} cannot run ${missing.join(', ')}`;
    if (agent.costClass === 'per-second' && this.options.allowCost && !this.options.allowCost(agent, request))
      return `${agent.name} costs money and the budget does not allow it`;
    if (options.ignoreCapacity) return null;
    const cooling = this.coolingUntil.get(agent.id) ?? 0;
    if (cooling > this.now())
      return `${agent.name} asked to wait ${Math.ceil((cooling - this.now()) / 1000)} s (its queue is full)`;
    if (this.inFlightOn(agent.id) >= this.window(agent))
      return `${agent.name} has ${this.inFlightOn(agent.id)} of ours in flight, its window`;
    return null;
  }

  /**
   * The agent for a request, with the reason a person reads; or why it has to wait. An agent the request already
   * failed on is used only when no other can take it (the built-in agent last of all, as the fallback of last resort).
   */
  choose(agents: readonly DispatchAgent[], request: DispatchRequest): Choice {
    if (request.pinnedAgentId) {
      const agent = agents.find((a) => a.id === request.pinnedAgentId);
      if (!agent) return { wait: 'the agent this batch is pinned to is not in the fleet' };
      const why = this.refusal(agent, request);
      if (why)
        return { wait: why, capacityOnly: this.refusal(agent, request, { ignoreCapacity: true }) === null };
      const expectedSeconds = this.expectedSeconds(agent, request);
      return {
        agentId: agent.id,
        agentName: agent.name,
        expectedSeconds,
        decision: `pinned to ${agent.name}, about ${formatSeconds(expectedSeconds)}`,
      };
    }
    const able = agents.filter((a) => this.refusal(a, request) === null);
    const fresh = able.filter((a) => !request.failedOn.has(a.id));
    const pool = fresh.length ? fresh : able;
    if (!pool.length) {
      const reasons = agents.map((a) => this.refusal(a, request)).filter(Boolean);
      const capacityOnly = agents.some(
        (a) => this.refusal({ ...a }, request, { ignoreCapacity: true }) === null,
      );
      return { wait: reasons.length ? reasons.join('; ') : 'no agent in the fleet', capacityOnly };
    }
    const ranked = pool
      .map((agent) => ({ agent, seconds: this.expectedSeconds(agent, request) }))
      // Ties go to fixed-cost agents, then to servers before the built-in agent (this computer is the fallback).
      .sort(
        (a, b) =>
          a.seconds - b.seconds ||
          costRank(a.agent) - costRank(b.agent) ||
          Number(a.agent.local) - Number(b.agent.local),
      );
    const best = ranked[0]!;
    const retried = request.failedOn.size
      ? ` (after ${request.failedOn.size} failed attempt${request.failedOn.size === 1 ? '' : 's'})`
      : '';
    return {
      agentId: best.agent.id,
      agentName: best.agent.name,
      expectedSeconds: best.seconds,
      decision: `earliest finish: ${best.agent.name}, about ${formatSeconds(best.seconds)}${retried}`,
    };
  }

  /** A request was sent to the agent (it counts against its window until it ends there). */
  took(agentId: string): void {
    this.inFlight.set(agentId, this.inFlightOn(agentId) + 1);
  }

  released(agentId: string): void {
    this.inFlight.set(agentId, Math.max(0, this.inFlightOn(agentId) - 1));
  }

  /** The agent answered 429: no new work to it until then. */
  coolDown(agentId: string, seconds: number): void {
    this.coolingUntil.set(agentId, this.now() + Math.max(1, seconds) * 1000);
  }

  observeUpload(agentId: string, bytes: number, ms: number): void {
    // Tiny files measure the round trip, not the bandwidth.
    if (bytes < 256 * 1024 || ms <= 0) return;
    const m = this.measured(agentId);
    const rate = (bytes * 1000) / ms;
    m.bytesPerSecond =
      m.bytesPerSecond === null ? rate : m.bytesPerSecond * (1 - smoothing) + rate * smoothing;
  }

  observeRun(agentId: string, kind: MediaKind, seconds: number): void {
    if (!(seconds >= 0)) return;
    const m = this.measured(agentId);
    const before = m.secondsPerItem[kind];
    m.secondsPerItem[kind] = before === undefined ? seconds : before * (1 - smoothing) + seconds * smoothing;
  }

  observeBenchmark(agentId: string, secondsPerImage: number): void {
    this.measured(agentId).benchmarkSecondsPerImage = secondsPerImage;
  }
}

const costRank = (agent: DispatchAgent): number => (agent.costClass === 'fixed' ? 0 : 1);

export function formatSeconds(seconds: number): string {
  if (seconds < 1) return 'under a second';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
