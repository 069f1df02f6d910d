// `npm run console -- [--port N] [--open] [--read-only] [--data DIR]`: the headless console on 127.0.0.1.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { ConsoleError } from '../core/contracts/define.js';
import { createConsoleServer } from './console-server.js';
import { createConsoleRuntime } from './console-runtime.js';

const appRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port number 0-65535');
  return port;
}

const program = new Command()
  .name('console')
  .description('Serve the Mediafleet console to a browser on this computer (127.0.0.1 only).')
  .option('--port <port>', 'port to listen on (0 = any free port)', parsePort, 0)
  .option('--open', 'open the console in the default browser', false)
  .option('--read-only', 'support mode: health, spend, benchmarks and audit only; no changes, no secrets', false)
  .option('--data <dir>', 'where the console keeps its data', process.env.MEDIAFLEET_DATA ?? join(homedir(), '.mediafleet'))
  .option('--no-local-agent', 'do not start the built-in "This computer" agent')
  .parse();

/**
 * The vault passphrase comes from MEDIAFLEET_VAULT_PASSPHRASE; without it, a random one is kept in a 0600 file
 * in the data directory, which only protects secrets as well as that directory does (said at start).
 */
function vaultPassphrase(dir: string): string {
  if (process.env.MEDIAFLEET_VAULT_PASSPHRASE) return process.env.MEDIAFLEET_VAULT_PASSPHRASE;
  const file = join(dir, 'vault.key');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  process.stderr.write(`console: vault key kept in ${file}; set MEDIAFLEET_VAULT_PASSPHRASE to keep it elsewhere\n`);
  return readFileSync(file, 'utf8').trim();
}

const opts = program.opts<{ port: number; open: boolean; readOnly: boolean; data: string; localAgent: boolean }>();
const dataDir = resolve(opts.data);
const uploadDir = join(dataDir, 'uploads');
const runtime = createConsoleRuntime({
  appRoot,
  dataDir,
  vault: { kind: 'file', path: join(dataDir, 'vault.bin'), passphrase: vaultPassphrase(dataDir) },
  startLocalAgent: opts.localAgent && !opts.readOnly,
  onLog: process.env.MEDIAFLEET_AGENT_LOG ? (line) => process.stderr.write(`[agent] ${line}\n`) : undefined,
});
// A browser can only submit files it uploaded through this console, never arbitrary paths on this machine.
const submit = runtime.handlers['analyze:submit'];
runtime.handlers['analyze:submit'] = async (input: { path: string }) => {
  if (!resolve(input.path).startsWith(uploadDir + sep)) {
    throw new ConsoleError('PATH_NOT_ALLOWED', 'the headless console analyses only files uploaded to it; drop the file in the Analyze view');
  }
  return submit(input);
};

const token = randomBytes(24).toString('base64url');
try {
  const app = await createConsoleServer({
    methods: runtime.methods,
    handlers: runtime.handlers,
    events: runtime.events,
    delegate: runtime.delegate,
    token,
    readOnly: opts.readOnly,
    rendererDir: join(appRoot, 'out', 'renderer'),
    uploadDir,
  });
  await app.listen({ host: '127.0.0.1', port: opts.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const url = `http://127.0.0.1:${port}/#token=${token}`;
  process.stdout.write(`Mediafleet console${opts.readOnly ? ' (read-only)' : ''}: ${url}\n`);
  if (opts.open) spawn(process.platform === 'darwin' ? 'open' : 'xdg-open', [url], { stdio: 'ignore', detached: true }).unref();
  const shutdown = async (): Promise<void> => {
    await app.close();
    await runtime.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
} catch (err) {
  process.stderr.write(`console: ${(err as Error).message}\n`);
  await runtime.close();
  process.exit(1);
}
