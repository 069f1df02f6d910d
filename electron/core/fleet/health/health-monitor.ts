// Polls every agent (HTTP) and every server (SSH) on an interval, records samples and history, and opens
// or resolves alerts. Probing is I/O only; the per-round cost on the console is parsing and one SQLite
// transaction (see bench/bench-health-poll.ts for the measured numbers).
import { EventEmitter } from 'node:events';
import type { HealthState } from '../../contracts/health.js';
import type { AuditLog } from '../../audit/audit-log.js';
import { ConsoleError } from '../../contracts/define.js';
import { secretNames, type SecretVault } from '../../secrets/secret-vault.js';
import type { ConsoleDb } from '../../store/console-store.js';
import type { AgentRecord } from '../agents-repository.js';
import type { ServerRecord } from '../servers-repository.js';
import { closeSshConnection, type SshConnection } from '../ssh/ssh-connection.js';
import { probeAgent, ratePerMinute, type HttpGet } from './agent-probe.js';
import { decideAlerts } from './alert-rules.js';
import { HealthRepository, sampleToState, type HealthSample } from './health-repository.js';
import { probeServer } from './server-probe.js';

/** An agent to poll: a registered one's token is in the vault; the built-in agent brings its own. */
export type HealthAgentTarget = Pick<AgentRecord, 'id' | 'name' | 'baseUrl'> & { token?: string; tlsFingerprint?: string | null };

export interface HealthTargets {
  agents(): HealthAgentTarget[];
  servers(): ServerRecord[];
  /** Authenticated SSH connection to a server (host key pinned). */
  connect(serverId: string): Promise<SshConnection>;
}

export interface HealthMonitorOptions {
  db: ConsoleDb;
  vault: SecretVault;
  targets: HealthTargets;
  audit?: AuditLog;
  now?: () => number;
  intervalMs?: number;
  timeoutMs?: number;
  /** Probes in flight at once; bounds sockets and memory with a large fleet. */
  concurrency?: number;
  /** /v1/info rarely changes: fetch it every N rounds. */
  infoEveryRounds?: number;
  /** HTTP GET used for agents (default: node:http with keep-alive). */
  get?: HttpGet;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export class HealthMonitor {
  readonly events = new EventEmitter<{ sample: [HealthState]; alert: [{ kind: string; targetId: string; open: boolean; message: string }] }>();
  readonly repo: HealthRepository;
  private readonly latest = new Map<string, HealthSample>();
  private readonly failures = new Map<string, number>();
  private readonly counters = new Map<string, { finished: { value: number | null; atMs: number }; failed: { value: number | null; atMs: number } }>();
  private readonly connections = new Map<string, SshConnection>();
  private timer: NodeJS.Timeout | null = null;
  private round = 0;
  private polling: Promise<void> | null = null;
  private readonly now: () => number;

  constructor(private readonly options: HealthMonitorOptions) {
    this.repo = new HealthRepository(options.db);
    this.now = options.now ?? Date.now;
    for (const s of this.repo.latest()) this.latest.set(`${s.kind}:${s.targetId}`, s);
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      if (!this.polling) this.polling = this.pollOnce().finally(() => (this.polling = null));
    };
    tick();
    this.timer = setInterval(tick, this.options.intervalMs ?? 5000);
  }

  /** Polls now (unless a round is under way), e.g. for a baseline of an agent just added, before work reaches it. */
  pollSoon(): void {
    if (this.timer && !this.polling) this.polling = this.pollOnce().finally(() => (this.polling = null));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.polling;
    for (const c of this.connections.values()) closeSshConnection(c);
    this.connections.clear();
  }

  async pollOnce(): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? 3000;
    const withInfo = this.round++ % (this.options.infoEveryRounds ?? 12) === 0;
    const agents = this.options.targets.agents();
    const servers = this.options.targets.servers();
    const agentSamples = await mapLimit(agents, this.options.concurrency ?? 32, (a) => this.sampleAgent(a, timeoutMs, withInfo));
    const serverSamples = await mapLimit(servers, Math.min(8, this.options.concurrency ?? 32), (s) => this.sampleServer(s, timeoutMs));
    const samples = [...agentSamples, ...serverSamples];
    this.options.db.transaction(() => {
      this.repo.recordAll(samples);
      for (const [i, s] of samples.entries()) {
        const name = i < agents.length ? agents[i]!.name : servers[i - agents.length]!.name;
        this.applyAlerts(s, name);
      }
    })();
    if (this.round % 60 === 0) this.repo.prune(this.now());
    for (const s of samples) this.events.emit('sample', sampleToState(s));
  }

  private async sampleAgent(agent: HealthAgentTarget, timeoutMs: number, withInfo: boolean): Promise<HealthSample> {
    const key = `agent:${agent.id}`;
    const token = agent.token ?? (await this.options.vault.get(secretNames.agentAdminToken(agent.id)));
    const r = await probeAgent({ id: agent.id, baseUrl: agent.baseUrl, token, tlsFingerprint: agent.tlsFingerprint }, { timeoutMs, get: this.options.get, withInfo });
    const atMs = this.now();
    const prev = this.counters.get(key);
    const sample: HealthSample = {
      kind: 'agent',
      targetId: agent.id,
      atMs,
      up: r.up,
      reason: r.reason,
      latencyMs: r.latencyMs,
      queueDepth: r.queueDepth,
      jobsPerMinute: ratePerMinute(prev?.finished, r.finishedTotal, atMs),
      errorsPerMinute: ratePerMinute(prev?.failed, r.failedTotal, atMs),
      version: r.version ?? (r.up ? (this.latest.get(key)?.version ?? null) : null),
      load1: null,
      memoryUsedRatio: null,
      diskUsedRatio: null,
    };
    // A round whose /metrics read failed keeps the last reading, so the next rate spans both intervals instead of
    // being lost (under load a 3 s read can time out while jobs finish).
    if (r.up && r.finishedTotal !== null && r.failedTotal !== null) {
      this.counters.set(key, { finished: { value: r.finishedTotal, atMs }, failed: { value: r.failedTotal, atMs } });
    }
    return sample;
  }

  private async sampleServer(server: ServerRecord, timeoutMs: number): Promise<HealthSample> {
    const started = performance.now();
    const base = { kind: 'server' as const, targetId: server.id, queueDepth: null, jobsPerMinute: null, errorsPerMinute: null, version: null };
    try {
      let conn = this.connections.get(server.id);
      if (!conn) {
        conn = await this.options.targets.connect(server.id);
        conn.client.once('close', () => this.connections.delete(server.id));
        this.connections.set(server.id, conn);
      }
      const facts = await probeServer(conn, timeoutMs);
      return { ...base, atMs: this.now(), up: true, reason: null, latencyMs: performance.now() - started, ...facts };
    } catch (err) {
      const c = this.connections.get(server.id);
      if (c) closeSshConnection(c);
      this.connections.delete(server.id);
      const reason = err instanceof ConsoleError ? `${err.code}: ${err.message}` : (err as Error).message;
      return { ...base, atMs: this.now(), up: false, reason, latencyMs: null, load1: null, memoryUsedRatio: null, diskUsedRatio: null };
    }
  }

  private applyAlerts(sample: HealthSample, name: string): void {
    const key = `${sample.kind}:${sample.targetId}`;
    const failures = sample.up ? 0 : (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    this.latest.set(key, sample);
    for (const d of decideAlerts(sample, failures, name)) {
      const changed = d.open ? this.repo.openAlert(d.kind, sample.targetId, d.message, sample.atMs) : this.repo.resolveAlert(d.kind, sample.targetId, sample.atMs);
      if (!changed) continue;
      this.options.audit?.record(d.open ? 'alert.opened' : 'alert.resolved', sample.targetId, { kind: d.kind, message: d.message }, 'health-monitor');
      this.events.emit('alert', { kind: d.kind, targetId: sample.targetId, open: d.open, message: d.message });
    }
  }

  snapshot(): HealthState[] {
    return [...this.latest.values()].map(sampleToState);
  }

  /** The latest sample of one target, if it has been polled. */
  latestOf(kind: 'server' | 'agent', targetId: string): HealthState | undefined {
    const sample = this.latest.get(`${kind}:${targetId}`);
    return sample ? sampleToState(sample) : undefined;
  }

  history(kind: 'server' | 'agent', targetId: string, sinceMinutes: number) {
    return this.repo.history(kind, targetId, this.now() - sinceMinutes * 60_000);
  }

  fleetTimeline(sinceMinutes: number) {
    return this.repo.fleetTimeline(this.now() - sinceMinutes * 60_000);
  }
}
