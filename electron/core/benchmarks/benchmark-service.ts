// Runs the agent's benchmark as an operation of kind 'benchmark': progress is the agent's own count of finished
// images (it streams them); from an older agent that answers only at the end, an estimate from the last
// comparable run on that agent. Cancelling closes the connection, which makes the agent cancel the run's jobs; a
// timeout bounds it. One benchmark per agent at a time (two would report each other's load as their speed).
// Finished runs go to the console store.
import { randomUUID } from 'node:crypto';
import type { AgentSummary } from '../contracts/agents.js';
import { BenchReport, type BenchOptions, type BenchmarkRun } from '../contracts/benchmarks.js';
import { ConsoleError } from '../contracts/define.js';
import type { OperationEngine } from '../operations/operation-engine.js';
import type { BenchmarkRepository } from './benchmark-repository.js';

/** What a benchmark needs from one agent; AgentHttpClient is the real one. */
export interface BenchPort {
  runBench(options: { rounds: number; analyses?: readonly string[] }, signal?: AbortSignal, onProgress?: (done: number, total: number) => void): Promise<unknown>;
}

export interface BenchAgents {
  resolve(agentId: string): Promise<{ agent: AgentSummary; client: BenchPort }>;
}

export interface BenchmarkServiceOptions {
  agents: BenchAgents;
  runs: BenchmarkRepository;
  operations: OperationEngine;
  now?: () => Date;
  /** How often an estimated progress is reported for an agent that does not stream its own count. */
  estimateEveryMs?: number;
}

export class BenchmarkService {
  private readonly now: () => Date;

  constructor(private readonly options: BenchmarkServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async start(agentId: string, options: BenchOptions, timeoutMs: number): Promise<{ operationId: string }> {
    const { agent, client } = await this.options.agents.resolve(agentId);
    const normalised = { rounds: options.rounds, analyses: options.analyses ? [...options.analyses].sort() : null };
    const previous = this.options.runs.lastComparable(agent.id, normalised);
    const expectedMs = previous ? Date.parse(previous.finishedAt) - Date.parse(previous.startedAt) : null;
    const startedAt = this.now().toISOString();
    return this.options.operations.start({
      kind: 'benchmark',
      title: `Benchmark on ${agent.name}`,
      targetId: agent.id,
      lockKey: `agent:${agent.id}:benchmark`,
      lockedError: () => new ConsoleError('BENCH_RUNNING', `a benchmark is already running on ${agent.name}; wait for it or cancel it`),
      options: normalised,
      detail: { agentId: agent.id, agentName: agent.name, expectedMs, timeoutMs, runId: null, imagesDone: null, imagesTotal: null },
      auditDetail: { agentName: agent.name, ...normalised },
      failureCode: 'BENCH_FAILED',
      open: async (tools) => {
        tools.log(
          expectedMs
            ? `The last comparable run on ${agent.name} took ${Math.round(expectedMs / 1000)} s; until the agent counts images, progress is estimated from it.`
            : `First run of this kind on ${agent.name}: progress shows as the agent reports finished images.`,
        );
        return { context: tools };
      },
      steps: [
        {
          id: 'bench.run',
          title: `Run ${normalised.rounds} round${normalised.rounds === 1 ? '' : 's'} of ${normalised.analyses?.join(', ') ?? 'every image analysis'}`,
          apply: async (tools) => {
            const abort = new AbortController();
            let timedOut = false;
            const stop = (): void => abort.abort();
            tools.signal.addEventListener('abort', stop, { once: true });
            const timer = setTimeout(() => {
              timedOut = true;
              abort.abort();
            }, timeoutMs);
            let reported = false;
            // Neither the agent's count nor an estimate claims to be done: the agent's report is what ends the run.
            const estimate = expectedMs
              ? setInterval(() => {
                  if (!reported) tools.progress(Math.min(0.95, (Date.now() - Date.parse(startedAt)) / expectedMs));
                }, this.options.estimateEveryMs ?? 1000)
              : null;
            try {
              const answer = await client.runBench({ rounds: normalised.rounds, analyses: normalised.analyses ?? undefined }, abort.signal, (done, total) => {
                reported = true;
                tools.setDetail({ imagesDone: done, imagesTotal: total });
                tools.progress(total > 0 ? Math.min(0.99, done / total) : 0, `${done} of ${total} images`);
              });
              const parsed = BenchReport.safeParse(answer);
              if (!parsed.success) {
                throw new ConsoleError('AGENT_BAD_RESPONSE', `the agent's benchmark answer is not what this console expects: ${parsed.error.issues[0]?.message}`);
              }
              const run: BenchmarkRun = {
                id: randomUUID(),
                agentId: agent.id,
                agentName: agent.name,
                startedAt,
                finishedAt: this.now().toISOString(),
                options: normalised,
                report: parsed.data,
              };
              this.options.runs.insert(run);
              tools.setDetail({ runId: run.id });
              tools.log(`${Math.round(parsed.data.images_per_hour)} images/hour, suite p50 ${Math.round(parsed.data.suite_p50_ms)} ms`);
            } catch (err) {
              if (timedOut) {
                throw new ConsoleError('BENCH_TIMEOUT', `no answer from ${agent.name} within ${Math.round(timeoutMs / 1000)} s; try fewer rounds or analyses`);
              }
              throw err;
            } finally {
              clearTimeout(timer);
              if (estimate) clearInterval(estimate);
              tools.signal.removeEventListener('abort', stop);
            }
          },
        },
      ],
    });
  }

  history(filter: { agentId?: string; limit: number }): BenchmarkRun[] {
    return this.options.runs.list(filter);
  }
}
