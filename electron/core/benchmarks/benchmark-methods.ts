// The benchmarks contract: start a run (an operation) and read the history of finished runs.
import { benchmarkHistory, startBenchmark } from '../contracts/benchmarks.js';
import type { MethodRegistry } from '../registry/method-registry.js';
import type { BenchmarkService } from './benchmark-service.js';

export function registerBenchmarkMethods(registry: MethodRegistry, deps: { benchmarks: BenchmarkService }): void {
  const { benchmarks } = deps;
  registry.implement(startBenchmark, ({ agentId, options, timeoutMs }) => benchmarks.start(agentId, options, timeoutMs));
  registry.implement(benchmarkHistory, (filter) => benchmarks.history(filter));
}
