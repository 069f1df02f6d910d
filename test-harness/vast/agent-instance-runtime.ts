// Runs a REAL agent process for a fake Vast.ai instance, the way the GPU image's on-start script does it: the
// create call's `onstart` text is run by `sh` with the env Vast gives a container (the image env from the
// create, CONTAINER_ID, CONTAINER_API_KEY, VAST_CONTAINERLABEL, PUBLIC_IPADDR, VAST_TCP_PORT_<n>, GPU_COUNT),
// and it starts `node …/tsx … agent/src/cli.ts serve` in the background as on Vast.
//
// Stand-ins for what a container would give, since this runs on the host's loopback, not in Docker:
// - filesystem: `/app` in the script is this checkout, `/data` a fresh directory per instance;
// - network: the agent's own port (the script's `${MEDIAFLEET_PORT:-<port>}` default) is moved to a free
//   loopback port, and `MEDIAFLEET_HOST=0.0.0.0` binds 127.0.0.1; the published host port forwards to it.
// Images that are not the agent's (by `imagePattern`) run nothing: their ports are published but refuse.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeLoopbackPort } from '../console/free-loopback-port.js';
import { NoProcessRuntime, publishPorts, vastContainerVars, type ContainerSpec, type InstanceRuntime, type RunningContainer } from './instance-runtime.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface AgentInstanceRuntimeOptions {
  /** Which images are the agent's GPU image. */
  imagePattern?: RegExp;
  /** Where each instance's /data and log go (a temp dir by default); removed on stop unless keepData. */
  root?: string;
  keepData?: boolean;
  /**
   * Settings the test adds to the container env (a real image would bake them in or the console would pass
   * them), e.g. MEDIAFLEET_WORKERS=1 on a 2-core machine. Labelled as the test's own in each test.
   */
  extraEnv?: Record<string, string>;
  /** Grace between SIGTERM and SIGKILL on stop. */
  stopGraceMs?: number;
  /**
   * Puts something between the published host port and the agent (a test's TLS relay or man in the middle):
   * given the agent's loopback port, answers the port the host port forwards to instead.
   */
  interpose?: (instance: { instanceId: number; agentPort: number }) => Promise<number>;
}

function mapContainerPaths(script: string, dataDir: string): string {
  return script
    .replace(/(^|[\s="'(])\/app(?=[/\s"';)]|$)/gm, `$1${repoRoot}`)
    .replace(/(^|[\s="'(>])\/data(?=[/\s"';)]|$)/gm, `$1${dataDir}`)
    .replace(/MEDIAFLEET_HOST=0\.0\.0\.0/g, 'MEDIAFLEET_HOST=127.0.0.1');
}

/** The processes of a group that still run (zombies not counted: the agent is reparented when sh exits). */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command name (which may hold spaces): state, ppid, pgrp, ...
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') members.push(Number(entry));
  }
  return members;
}

function groupAlive(pgid: number): boolean {
  return groupMembers(pgid).length > 0;
}

export class AgentInstanceRuntime implements InstanceRuntime {
  private readonly fallback = new NoProcessRuntime();
  private readonly imagePattern: RegExp;

  constructor(private readonly options: AgentInstanceRuntimeOptions = {}) {
    this.imagePattern = options.imagePattern ?? /mediafleet/i;
  }

  async start(spec: ContainerSpec): Promise<RunningContainer> {
    if (!this.imagePattern.test(spec.image) || !spec.onstart) return this.fallback.start(spec);
    const instanceDir = fs.mkdtempSync(path.join(this.options.root ?? os.tmpdir(), `fake-vast-${spec.instanceId}-`));
    const dataDir = path.join(instanceDir, 'data');
    const logPath = path.join(instanceDir, 'onstart.log');
    const forwarders = await publishPorts(spec.containerPorts);

    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: instanceDir,
      ...spec.env,
      ...vastContainerVars(spec, forwarders),
      ...this.options.extraEnv,
    };
    // The agent's port inside the "container" (the script's default), moved to a free loopback port.
    const agentPort = /MEDIAFLEET_PORT:-(\d+)/.exec(spec.onstart)?.[1] ?? spec.env.MEDIAFLEET_PORT;
    if (agentPort) {
      const inner = await freeLoopbackPort();
      env.MEDIAFLEET_PORT = String(inner);
      forwarders.get(`${agentPort}/tcp`)?.setTarget(this.options.interpose ? await this.options.interpose({ instanceId: spec.instanceId, agentPort: inner }) : inner);
    }

    const log = fs.openSync(logPath, 'a');
    const child = spawn('sh', ['-c', mapContainerPaths(spec.onstart, dataDir)], { env, cwd: instanceDir, detached: true, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const pgid = child.pid!;
    const scriptCode = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => resolve(code));
    });
    const logTail = (): string => fs.readFileSync(logPath, 'utf8').slice(-600).trim();
    if (scriptCode !== 0) {
      await Promise.all([...forwarders.values()].map((f) => f.close()));
      if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
      const tail = logTail();
      if (!this.options.keepData) fs.rmSync(instanceDir, { recursive: true, force: true });
      throw new Error(`onstart exited with ${scriptCode}: ${tail}`);
    }

    let stopped = false;
    let paused = false;
    const exitListeners: Array<(reason: string) => void> = [];
    const monitor = setInterval(() => {
      if (stopped || paused || groupAlive(pgid)) return;
      clearInterval(monitor);
      stopped = true;
      void Promise.all([...forwarders.values()].map((f) => f.close()));
      const agentLog = path.join(dataDir, 'agent.log');
      const tail = fs.existsSync(agentLog) ? fs.readFileSync(agentLog, 'utf8').slice(-400).trim() : logTail();
      if (!this.options.keepData) fs.rmSync(instanceDir, { recursive: true, force: true });
      for (const listener of exitListeners) listener(`container exited: ${tail}`);
    }, 250);
    monitor.unref();

    return {
      hostPorts: Object.fromEntries([...forwarders].map(([k, f]) => [k, f.hostPort])),
      alive: () => !stopped && groupAlive(pgid),
      processIds: () => groupMembers(pgid),
      onExit: (listener) => exitListeners.push(listener),
      pause: () => {
        paused = true;
        forwarders.forEach((f) => f.pause());
        if (groupAlive(pgid)) process.kill(-pgid, 'SIGSTOP');
      },
      resume: () => {
        paused = false;
        if (groupAlive(pgid)) process.kill(-pgid, 'SIGCONT');
        forwarders.forEach((f) => f.resume());
      },
      stop: async () => {
        stopped = true;
        clearInterval(monitor);
        if (groupAlive(pgid)) {
          process.kill(-pgid, 'SIGCONT');
          process.kill(-pgid, 'SIGTERM');
          const until = Date.now() + (this.options.stopGraceMs ?? 5000);
          while (groupAlive(pgid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
          if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
          while (groupAlive(pgid)) await new Promise((r) => setTimeout(r, 20));
        }
        await Promise.all([...forwarders.values()].map((f) => f.close()));
        if (!this.options.keepData) fs.rmSync(instanceDir, { recursive: true, force: true });
      },
    };
  }
}
