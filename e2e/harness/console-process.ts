// Starts the headless console (`electron/server/cli.ts`) as its own process, as a person would with
// `npm run console`, and reads the URL with the token it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface RunningConsole {
  url: string;
  origin: string;
  token: string;
  dataDir: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * `dataDir`: a data directory the test prepared (it stays: the test removes it); `env`: added to the console's
 * environment (MEDIAFLEET_VAULT_PASSPHRASE, to open a vault the test wrote).
 */
export async function startConsole(opts: { readOnly?: boolean; localAgent?: boolean; dataDir?: string; env?: Record<string, string> } = {}): Promise<RunningConsole> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'mf-console-')));
  const args = ['--import', 'tsx', join(repoRoot, 'electron/server/cli.ts'), '--port', '0', '--data', dataDir];
  if (opts.readOnly) args.push('--read-only');
  if (opts.localAgent === false) args.push('--no-local-agent');
  const child: ChildProcess = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`console did not print its URL:\n${out}`)), 60_000);
    const check = (): void => {
      const match = /(http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`console exited (${code}):\n${out}`)));
  });
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    token: parsed.hash.replace('#token=', ''),
    dataDir,
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
