// Runs `mediafleet-agent serve` as a child process on a free loopback port, for the benchmark and the crash
// test: a separate process is what a real deployment runs, and the only way to SIGKILL it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cliPath = fileURLToPath(new URL('../../agent/src/cli.ts', import.meta.url));
const nodeArgs = cliPath.endsWith('.ts') ? ['--import', 'tsx', cliPath] : [cliPath];
/** The agent with the trivial test worker instead of the models (see sleep-agent-main.ts). */
export const sleepAgentMain = fileURLToPath(new URL('./sleep-agent-main.ts', import.meta.url));

export interface AgentProcess {
  child: ChildProcess;
  url: string;
  pid: number;
  /** Peak resident memory of the process so far (Linux VmHWM), in MB. */
  peakRssMb(): number;
  /** CPU time used so far (user + system, Linux), by the main thread (the HTTP side) and by all its other threads. */
  cpuMs(): { mainThread: number; otherThreads: number };
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `token create` through the real CLI; returns the printed token. */
export function createTokenWithCli(dataDir: string, scope: 'admin' | 'submit' | 'read', tenant: string): string {
  const out = spawnSync(process.execPath, [...nodeArgs, 'token', 'create', '--scope', scope, '--tenant', tenant, '--data', dataDir], {
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`token create failed (${out.status}): ${out.stderr}`);
  return out.stdout.trim();
}

export async function startAgentProcess(options: {
  dataDir: string;
  workers?: number;
  env?: Record<string, string>;
  /** Wait until the workers have loaded their models (`/v1/health?ready=1`). */
  token: string;
  readyTimeoutMs?: number;
  stderrFile?: string;
  /** Another entry than the CLI taking the same `serve` arguments (sleepAgentMain). */
  main?: string;
}): Promise<AgentProcess> {
  const port = await freePort();
  const entry = options.main ? ['--import', 'tsx', options.main] : nodeArgs;
  const args = [...entry, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data', options.dataDir];
  if (options.workers) args.push('--workers', String(options.workers));
  const stderr = options.stderrFile ? fs.openSync(options.stderrFile, 'a') : 'ignore';
  const child = spawn(process.execPath, args, {
    env: { ...process.env, MEDIAFLEET_LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'ignore', stderr],
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const until = Date.now() + (options.readyTimeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`agent exited (${child.exitCode ?? child.signalCode}) while starting`);
    try {
      const res = await fetch(`${url}/v1/health?ready=1`, { headers: { authorization: `Bearer ${options.token}` } });
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error('agent did not become ready in time');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    pid: child.pid!,
    peakRssMb: () => {
      const status = fs.readFileSync(path.join('/proc', String(child.pid), 'status'), 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return Math.round(kb / 1024);
    },
    cpuMs: () => threadCpuMs(child.pid!),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

let clockTicksPerSecond: number | undefined;

/** Per-thread CPU from /proc/<pid>/task/<tid>/stat (utime and stime, fields 14 and 15, in clock ticks). */
export function threadCpuMs(pid: number): { mainThread: number; otherThreads: number } {
  clockTicksPerSecond ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  let mainThread = 0;
  let otherThreads = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = ((Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond) * 1000;
    if (tid === String(pid)) mainThread += ms;
    else otherThreads += ms;
  }
  return { mainThread, otherThreads };
}
