// A real agent process (`agent/src/cli.ts serve`, real models) in a network namespace of its own, reached over a
// veth pair, whose link a test can cut: packets are then dropped, so connections hang instead of being refused —
// what a console sees when a VPS's network goes away. Needs root (ip netns); the caller skips otherwise.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTokenWithCli } from '../agent/agent-process.js';

const cli = fileURLToPath(new URL('../../agent/src/cli.ts', import.meta.url));

export interface PartitionedAgent {
  url: string;
  token: string;
  dataDir: string;
  /** Drops every packet on the link (both ways): calls to the agent hang. */
  cut(): void;
  heal(): void;
  stop(): Promise<void>;
}

export async function startPartitionedAgent(options: { index: number; env?: Record<string, string>; workers?: number }): Promise<PartitionedAgent> {
  const namespace = `mfpart${options.index}`;
  const hostIf = `mfph${options.index}`;
  const nsIf = `mfpn${options.index}`;
  const subnet = `10.207.${options.index}`;
  const hostSide = `${subnet}.1`;
  const address = `${subnet}.2`;
  const port = 8787;
  // A namespace left by an earlier, interrupted run goes first.
  execFileSync('sh', ['-c', `ip netns del ${namespace} 2>/dev/null; ip link del ${hostIf} 2>/dev/null; true`]);
  execFileSync('ip', ['netns', 'add', namespace]);
  execFileSync('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
  execFileSync('ip', ['link', 'set', nsIf, 'netns', namespace]);
  execFileSync('ip', ['addr', 'add', `${hostSide}/30`, 'dev', hostIf]);
  execFileSync('ip', ['link', 'set', hostIf, 'up']);
  execFileSync('ip', ['netns', 'exec', namespace, 'ip', 'addr', 'add', `${address}/30`, 'dev', nsIf]);
  execFileSync('ip', ['netns', 'exec', namespace, 'ip', 'link', 'set', nsIf, 'up']);
  execFileSync('ip', ['netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up']);
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-partitioned-agent-'));
  const token = createTokenWithCli(dataDir, 'admin', 'console');
  const args = ['netns', 'exec', namespace, process.execPath, '--import', 'tsx', cli, 'serve', '--host', '0.0.0.0', '--port', String(port), '--data', dataDir];
  if (options.workers) args.push('--workers', String(options.workers));
  const child: ChildProcess = spawn('ip', args, { env: { ...process.env, MEDIAFLEET_LOG_LEVEL: 'warn', ...options.env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://${address}:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    const ready = await fetch(`${url}/v1/health?ready=1`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
    if (ready) break;
    if (child.exitCode !== null) throw new Error(`the agent in ${namespace} exited (${child.exitCode}) before it was ready`);
    if (Date.now() > deadline) throw new Error(`the agent in ${namespace} was not ready within 180 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  // Dropping (not rejecting) what the host sends into the veth, in a table of its own: the console's packets
  // vanish and its connections hang, as across a broken network, while the agent itself keeps running.
  const table = `mf_partition_${options.index}`;
  let cut = false;
  return {
    url,
    token,
    dataDir,
    cut() {
      if (cut) return;
      cut = true;
      execFileSync('nft', ['-f', '-'], { input: `table inet ${table} {\n chain out { type filter hook output priority 0; oifname "${hostIf}" drop; }\n}\n` });
    },
    heal() {
      if (!cut) return;
      cut = false;
      execFileSync('nft', ['delete', 'table', 'inet', table]);
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
        await exited;
      }
      for (const pid of execFileSync('ip', ['netns', 'pids', namespace]).toString().split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // gone
        }
      }
      execFileSync('sh', ['-c', `nft delete table inet ${table} 2>/dev/null; ip netns del ${namespace} 2>/dev/null; ip link del ${hostIf} 2>/dev/null; true`]);
    },
  };
}
