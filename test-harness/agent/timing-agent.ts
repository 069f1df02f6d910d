// Starts stand-in agent processes with the timing worker (see timing-agent-main.ts): real processes a test can
// SIGKILL, whose per-job time is known.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './agent-process.js';

const main = fileURLToPath(new URL('./timing-agent-main.ts', import.meta.url));

export interface TimingAgent {
  url: string;
  token: string;
  pid: number;
  dataDir: string;
  child: ChildProcess;
  /** SIGKILL: the agent dies with its jobs (its SQLite file stays). */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTimingAgent(options: { jobMs: number; workers?: number; dataDir?: string; port?: number; maxQueue?: number }): Promise<TimingAgent> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mf-timing-agent-'));
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', main, dataDir, String(port), String(options.workers ?? 1)], {
    env: { ...process.env, MEDIAFLEET_TIMING_MS: String(options.jobMs), MEDIAFLEET_LOG_LEVEL: 'warn', ...(options.maxQueue ? { MEDIAFLEET_MAX_QUEUE: String(options.maxQueue) } : {}) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { url, token } = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error('the timing agent did not start within 60 s')), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n')[0];
      if (buffer.includes('\n') && line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { url: string; token: string });
      }
    });
    child.once('exit', (code) => reject(new Error(`the timing agent exited (${code}) before it listened`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url,
    token,
    pid: child.pid!,
    dataDir,
    child,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
