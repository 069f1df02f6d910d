// A real agent process for crash tests whose worker is the trivial test worker (sleep-worker.ts, a STAND-IN for
// the models: jobs sleep on command), so a test can SIGKILL it many times in seconds. Everything else is the
// agent's own start-up, queue, SQLite and HTTP code. Arguments as `serve`: --host --port --data --workers.
import { parseArgs } from 'node:util';
import { loadConfig } from '../../agent/src/config.js';
import { startAgent } from '../../agent/src/http/server.js';
import { createLogger } from '../../agent/src/logger.js';
import { sleepWorkerUrl } from './test-agent.js';

const { values } = parseArgs({
  options: { host: { type: 'string' }, port: { type: 'string' }, data: { type: 'string' }, workers: { type: 'string' } },
  allowPositionals: true,
});
const config = loadConfig({ host: values.host, port: values.port, dataDir: values.data, workers: values.workers });
const agent = await startAgent(config, createLogger(config.logLevel), { workerUrl: sleepWorkerUrl });
process.once('SIGTERM', () => void agent.close().then(() => process.exit(0)));
