// Binds the Benchmarks contract to the benchmark service and the agent directory; registered in the console core.
import type { z } from 'zod';
import type {
  benchmarkHistory,
  benchmarkStatus,
  cancelBenchmark,
  listBenchAgents,
  listBenchmarkOperations,
  startBenchmark,
} from '../contracts/benchmarks.js';
import type { InvokeDef, OutputOf } from '../contracts/define.js';
import type { AgentDirectory } from './agent-directory.js';
import type { BenchmarkService } from './benchmark-service.js';

type ParsedInput<D> = D extends InvokeDef<infer I, z.ZodType> ? z.output<I> : never;
type Handler<D> = (input: ParsedInput<D>) => Promise<OutputOf<D>>;

export function createBenchmarkHandlers(benchmarks: BenchmarkService, directory: AgentDirectory) {
  return {
    'benchmarks:agents': (async () => directory.list()) as Handler<typeof listBenchAgents>,
    'benchmarks:start': (async (i) => benchmarks.start(i.agentId, i.options, i.timeoutMs)) as Handler<typeof startBenchmark>,
    'benchmarks:status': (async (i) => benchmarks.status(i.operationId)) as Handler<typeof benchmarkStatus>,
    'benchmarks:operations': (async () => benchmarks.list()) as Handler<typeof listBenchmarkOperations>,
    'benchmarks:cancel': (async (i) => ({ canceled: benchmarks.cancel(i.operationId) })) as Handler<typeof cancelBenchmark>,
    'benchmarks:history': (async (i) => benchmarks.history(i)) as Handler<typeof benchmarkHistory>,
  };
}
