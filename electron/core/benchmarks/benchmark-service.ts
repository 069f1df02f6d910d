// Runs the agent's benchmark as a console operation: progress is the agent's own count of finished images (it
// streams them); from an older agent that answers only at the end, an estimate from the last comparable run on
// that agent. Cancelling closes the connection, which makes the agent cancel the run's jobs; a timeout bounds
// it. Finished runs go to the console store.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { BenchReport, type BenchAgent, type BenchOptions, type BenchmarkOperation, type BenchmarkRun } from '../contracts/benchmarks.js';
import { ConsoleError, type OperationEvent } from '../contracts/define.js';
import type { BenchmarkRepository } from './benchmark-repository.js';

/** What a benchmark needs from one agent; AgentHttpClient is the real one. */
export interface BenchPort {
  runBench(options: { rounds: number; analyses?: readonly string[] }, signal?: AbortSignal, onProgress?: (done: number, total: number) => void): Promise<unknown>;
}

export interface BenchAgents {
  resolve(agentId: string): Promise<{ agent: BenchAgent; client: BenchPort }>;
}

export interface BenchmarkServiceOptions {
  agents: BenchAgents;
  runs: BenchmarkRepository;
  /** The console's audit log: who ran a benchmark on which agent (it loads that agent for a while). */
  audit?: { record(action: string, targetId: string | null, detail?: Record<string, unknown>): void };
  now?: () => Date;
}

interface Running {
  op: Omit<BenchmarkOperation, 'elapsedMs' | 'progress' | 'imagesDone' | 'imagesTotal'>;
  abort: AbortController;
  /** Why the run was aborted: the user, or the timeout. */
  stopReason: 'canceled' | 'timeout' | null;
  seq: number;
  /** The agent's own count of finished images, when it reports one. */
  reported: { done: number; total: number } | null;
}

/** The latest operations stay queryable for this session; older ones are only in the history. */
const keptOperations = 50;

export class BenchmarkService {
  /** 'operation' events ({ operationId, seq, phase, progress }) for a transport that forwards them. */
  readonly events = new EventEmitter();
  private readonly operations = new Map<string, Running>();
  private readonly now: () => Date;

  constructor(private readonly options: BenchmarkServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async start(agentId: string, options: BenchOptions, timeoutMs: number): Promise<BenchmarkOperation> {
    for (const running of this.operations.values()) {
      if (running.op.agentId === agentId && running.op.state === 'running') {
        // Two runs on one agent would share its workers and report each other's load as their speed.
        throw new ConsoleError('BENCH_RUNNING', `a benchmark is already running on ${running.op.agentName}; wait for it or cancel it`);
      }
    }
    const { agent, client } = await this.options.agents.resolve(agentId);
    const normalised = { rounds: options.rounds, analyses: options.analyses ? [...options.analyses].sort() : null };
    const previous = this.options.runs.lastComparable(agent.id, normalised);
    const running: Running = {
      abort: new AbortController(),
      stopReason: null,
      reported: null,
      seq: 0,
      op: {
        operationId: randomUUID(),
        agentId: agent.id,
        agentName: agent.name,
        state: 'running',
        startedAt: this.now().toISOString(),
        finishedAt: null,
        expectedMs: previous ? Date.parse(previous.finishedAt) - Date.parse(previous.startedAt) : null,
        timeoutMs,
        runId: null,
        error: null,
      },
    };
    this.operations.set(running.op.operationId, running);
    this.forgetOld();
    this.options.audit?.record('benchmark.started', agent.id, { agentName: agent.name, ...normalised });
    this.emit(running, 'running');
    void this.run(running, client, normalised);
    return this.view(running);
  }

  status(operationId: string): BenchmarkOperation {
    return this.view(this.get(operationId));
  }

  list(): BenchmarkOperation[] {
    return [...this.operations.values()].map((r) => this.view(r)).reverse();
  }

  cancel(operationId: string): boolean {
    const running = this.get(operationId);
    if (running.op.state !== 'running') return false;
    running.stopReason = 'canceled';
    running.abort.abort();
    this.finish(running, 'canceled', null);
    return true;
  }

  history(filter: { agentId?: string; limit: number }): BenchmarkRun[] {
    return this.options.runs.list(filter);
  }

  /** The console is closing: stop waiting for every agent. */
  close(): void {
    for (const running of this.operations.values()) {
      if (running.op.state === 'running') {
        running.stopReason = 'canceled';
        running.abort.abort();
      }
    }
  }

  private async run(running: Running, client: BenchPort, options: BenchmarkRun['options']): Promise<void> {
    const timer = setTimeout(() => {
      running.stopReason = 'timeout';
      running.abort.abort();
    }, running.op.timeoutMs);
    try {
      const answer = await client.runBench({ rounds: options.rounds, analyses: options.analyses ?? undefined }, running.abort.signal, (done, total) => {
        if (running.op.state !== 'running') return;
        running.reported = { done, total };
        this.emit(running, 'running');
      });
      const parsed = BenchReport.safeParse(answer);
      if (!parsed.success) {
        throw new ConsoleError('AGENT_BAD_RESPONSE', `the agent's benchmark answer is not what this console expects: ${parsed.error.issues[0]?.message}`);
      }
      if (running.op.state !== 'running') return;
      const run: BenchmarkRun = {
        id: randomUUID(),
        agentId: running.op.agentId,
        agentName: running.op.agentName,
        startedAt: running.op.startedAt,
        finishedAt: this.now().toISOString(),
        options,
        report: parsed.data,
      };
      this.options.runs.insert(run);
      running.op.runId = run.id;
      this.finish(running, 'succeeded', null);
    } catch (err) {
      if (running.op.state !== 'running') return;
      if (running.stopReason === 'timeout') {
        this.finish(running, 'failed', {
          code: 'BENCH_TIMEOUT',
          message: `no answer from ${running.op.agentName} within ${Math.round(running.op.timeoutMs / 1000)} s; try fewer rounds or analyses`,
        });
      } else if (running.stopReason === 'canceled') {
        this.finish(running, 'canceled', null);
      } else {
        const code = err instanceof ConsoleError ? err.code : 'BENCH_FAILED';
        this.finish(running, 'failed', { code, message: (err as Error).message });
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private finish(running: Running, state: BenchmarkOperation['state'], error: BenchmarkOperation['error']): void {
    running.op.state = state;
    running.op.finishedAt = this.now().toISOString();
    running.op.error = error;
    this.emit(running, state, error ?? undefined);
  }

  private view(running: Running): BenchmarkOperation {
    const end = running.op.finishedAt ? Date.parse(running.op.finishedAt) : this.now().getTime();
    const elapsedMs = Math.max(0, end - Date.parse(running.op.startedAt));
    let progress: number | null = null;
    if (running.op.state === 'succeeded') progress = 1;
    // Neither the agent's count nor an estimate claims to be done: the agent's report is what ends the run.
    else if (running.op.state === 'running' && running.reported && running.reported.total > 0) progress = Math.min(0.99, running.reported.done / running.reported.total);
    else if (running.op.state === 'running' && running.op.expectedMs) progress = Math.min(0.95, elapsedMs / running.op.expectedMs);
    return { ...running.op, elapsedMs, progress, imagesDone: running.reported?.done ?? null, imagesTotal: running.reported?.total ?? null };
  }

  private emit(running: Running, phase: string, error?: { code: string; message: string }): void {
    const event: OperationEvent = {
      operationId: running.op.operationId,
      seq: ++running.seq,
      phase,
      progress: this.view(running).progress,
      done: phase !== 'running',
      error,
    };
    this.events.emit('operation', event);
  }

  private forgetOld(): void {
    const finished = [...this.operations.values()].filter((r) => r.op.state !== 'running');
    for (const r of finished.slice(0, Math.max(0, this.operations.size - keptOperations))) this.operations.delete(r.op.operationId);
  }

  private get(operationId: string): Running {
    const running = this.operations.get(operationId);
    if (!running) throw new ConsoleError('NOT_FOUND', `no benchmark operation ${operationId} in this console session`);
    return running;
  }
}
