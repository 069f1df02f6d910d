// `npm run vast:fake -- --port P [--seed S] [--api-key K]`: the fake Vast.ai on its own (a TEST HELPER), so
// any Vast client can be pointed at it, e.g. the official CLI: VAST_URL=<printed url> vastai --api-key <key> ...
import { Command, InvalidArgumentError } from 'commander';
import { AgentInstanceRuntime } from './agent-instance-runtime.js';
import { startFakeVast } from './fake-vast.js';
import { NoProcessRuntime } from './instance-runtime.js';

function number(name: string, min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min) throw new InvalidArgumentError(`${name} must be a number ≥ ${min}`);
    return n;
  };
}

const program = new Command('vast-fake')
  .description('A local fake of the Vast.ai REST API (test helper)')
  .option('--port <port>', 'port on 127.0.0.1 (0 = any free one)', number('port', 0), 0)
  .option('--seed <seed>', 'seed of the offers and injected faults', number('seed', 0), 1)
  .option('--api-key <key>', 'the account API key (default: a random one, printed)')
  .option('--credit <usd>', 'account credit in USD', number('credit', 0), 25)
  .option('--machines <n>', 'machines on the market', number('machines', 1), 40)
  .option('--rate-limit-scale <x>', 'multiply the per-endpoint minimum intervals (0 = no limiter)', number('rate-limit-scale', 0), 1)
  .option('--provisioning-s <s>', 'seconds a new instance shows status null', number('provisioning-s', 0), 10)
  .option('--loading-s <s>', 'seconds it then shows "loading"', number('loading-s', 0), 60)
  .option('--no-agent', 'run nothing in instances (ports published but refusing); default: the real agent for mediafleet images')
  .action(async (opts: { port: number; seed: number; apiKey?: string; credit: number; machines: number; rateLimitScale: number; provisioningS: number; loadingS: number; agent: boolean }) => {
    const fake = await startFakeVast({
      port: opts.port,
      seed: opts.seed,
      apiKey: opts.apiKey,
      credit: opts.credit,
      machines: opts.machines,
      rateLimitScale: opts.rateLimitScale,
      boot: { provisioningMs: opts.provisioningS * 1000, loadingMs: opts.loadingS * 1000 },
      runtime: opts.agent ? new AgentInstanceRuntime() : new NoProcessRuntime(),
    });
    process.stdout.write(`fake Vast.ai listening\nVAST_URL=${fake.url}\nVAST_API_KEY=${fake.apiKey}\n`);
    const shutdown = (): void => {
      void fake.close().then(() => process.exit(0));
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });

await program.parseAsync();
