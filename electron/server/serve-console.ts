// `npm run console [-- --port N] [--open] [--read-only] [--data DIR]`: the headless console on 127.0.0.1, with
// the built-in agent, serving the built renderer to a browser.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { uploadedFilesOnly } from '../core/analyze/submit-path-policy.js';
import { createConsoleCore } from '../core/console-core.js';
import type { LocalAgent } from '../core/local-agent/local-agent.js';
import { appRoot, dataDirCoreOptions } from './console-data.js';
import { createConsoleServer } from './console-server.js';

export interface ServeOptions {
  port: number;
  open: boolean;
  readOnly: boolean;
  data: string;
  localAgent: boolean;
}

/** The built-in agent loads its models for a few seconds after the URL is up: say when it can take files. */
function reportLocalAgentStart(agent: LocalAgent): void {
  const started = Date.now();
  process.stdout.write('Built-in agent ("This computer"): starting…\n');
  agent.start().then(
    (endpoint) => process.stdout.write(`Built-in agent ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${endpoint.baseUrl}): drop files in Analyze\n`),
    (err: Error) => process.stderr.write(`Built-in agent did not start: ${err.message}\n`),
  );
}

export async function serveConsole(opts: ServeOptions): Promise<void> {
  const dataDir = resolve(opts.data);
  const uploadDir = join(dataDir, 'uploads');
  const { localAgentDir, ...store } = dataDirCoreOptions(dataDir);
  const core = createConsoleCore({
    ...store,
    localAgent: opts.localAgent
      ? {
          appRoot,
          dataDir: localAgentDir,
          startNow: !opts.readOnly,
          onLog: process.env.MEDIAFLEET_AGENT_LOG ? (line) => process.stderr.write(`[agent] ${line}\n`) : undefined,
        }
      : undefined,
    // A browser can only submit files it uploaded through this console, never arbitrary paths on this machine.
    allowSubmitPath: uploadedFilesOnly(uploadDir),
    // Support staff look; they never send work.
    requests: { run: !opts.readOnly },
  });

  const token = randomBytes(24).toString('base64url');
  try {
    const app = await createConsoleServer({
      core,
      token,
      readOnly: opts.readOnly,
      rendererDir: join(appRoot, 'out', 'renderer'),
      uploadDir,
    });
    await app.listen({ host: '127.0.0.1', port: opts.port });
    core.health.start();
    core.costs.start();
    // Support staff change nothing: the reconcile (which may destroy instances) runs only in an operator's console.
    if (!opts.readOnly) core.rentals.startReconcile();
    // The automatic scaler rents, so only an operator's console runs it (off until its policy is turned on).
    if (!opts.readOnly) core.autoscale.start();
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : opts.port;
    const url = `http://127.0.0.1:${port}/#token=${token}`;
    process.stdout.write(`Mediafleet console${opts.readOnly ? ' (read-only)' : ''}: ${url}\n`);
    if (core.localAgent && !opts.readOnly) reportLocalAgentStart(core.localAgent);
    if (opts.open) spawn(process.platform === 'darwin' ? 'open' : 'xdg-open', [url], { stdio: 'ignore', detached: true }).unref();
    const shutdown = async (): Promise<void> => {
      await app.close();
      await core.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown());
    process.once('SIGTERM', () => void shutdown());
  } catch (err) {
    process.stderr.write(`console: ${(err as Error).message}\n`);
    await core.close();
    process.exit(1);
  }
}
