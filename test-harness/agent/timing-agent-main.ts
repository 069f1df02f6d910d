// A stand-in agent process: the real agent (HTTP API, SQLite queue, tokens, worker pool, its own process) with the
// timing worker instead of the models, so the console's dispatcher can be measured and faulted against agents
// whose capacity is known. Prints one JSON line {url, token} once it listens.
//   MEDIAFLEET_TIMING_MS=<ms per job> node --import tsx timing-agent-main.ts <dataDir> <port> [workers]
import { loadConfig } from '../../agent/src/config.js';
import { startAgent } from '../../agent/src/http/server.js';
import { createLogger } from '../../agent/src/logger.js';

const [dataDir, port, workers] = process.argv.slice(2);
const config = loadConfig({ host: '127.0.0.1', port: Number(port), dataDir, workers: Number(workers ?? 1), logLevel: 'warn', agentId: `timing-${port}` }, process.env);
const agent = await startAgent(config, createLogger(config.logLevel), { workerUrl: new URL('./timing-worker.ts', import.meta.url), warmUp: [] });
await agent.pool.whenReady();
const token = agent.services.tokens.create({ scope: 'admin', tenant: 'console' }).token;
process.stdout.write(`${JSON.stringify({ url: agent.url, token })}\n`);
const stop = (): void => void agent.close(2000).then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
