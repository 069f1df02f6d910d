// Runs the REAL agent (its HTTP API, SQLite queue, tokens, worker pool and dead-man switch) for a fake Vast.ai
// instance, inside the test's own process instead of as a child process: the randomized fault runs of
// `npm run test:vast` rent dozens of instances, and a tsx child costs seconds of CPU each on a 2-core machine.
//
// Stand-ins, besides those of AgentInstanceRuntime (no container, loopback instead of a public address):
// - the on-start script is not run by `sh`: its `export MEDIAFLEET_…=…` lines are read and given to the agent as
//   its environment, with the env Vast gives a container (the create's env, CONTAINER_ID, CONTAINER_API_KEY, …);
//   the script's last line, which starts the agent, is what this runtime does itself;
// - the agent's worker is the sleep worker (test-harness/agent/sleep-worker.ts): a job takes what its file says
//   ("sleep 800"), so a run controls how long a GPU is busy. The models are not what these runs test.
// lose (pause) drops the published port and stops nothing else: an in-process agent cannot be frozen, so its
// dead-man switch keeps counting, as a real agent on a host that lost its network would.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../agent/src/config.js';
import { startAgent, type RunningAgent } from '../../agent/src/http/server.js';
import { createLogger } from '../../agent/src/logger.js';
import { sleepWorkerUrl } from '../agent/test-agent.js';
import { freeLoopbackPort } from '../console/free-loopback-port.js';
import { NoProcessRuntime, publishPorts, vastContainerVars, type ContainerSpec, type InstanceRuntime, type RunningContainer } from './instance-runtime.js';

/** The `export NAME="value"` lines of an on-start script (placeholders already rendered). */
export function scriptExports(script: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of script.matchAll(/^\s*export\s+([A-Z_][A-Z0-9_]*)=("([^"]*)"|(\S*))\s*$/gm)) {
    const value = m[3] ?? m[4] ?? '';
    // `${MEDIAFLEET_PORT:-8787}`: the runtime picks the port itself.
    if (!value.includes('$')) out[m[1]] = value;
  }
  return out;
}

export interface InProcessAgentRuntimeOptions {
  imagePattern?: RegExp;
  /** Settings the test adds (e.g. a short drain); labelled as the test's own where used. */
  extraEnv?: Record<string, string>;
}

export class InProcessAgentRuntime implements InstanceRuntime {
  private readonly fallback = new NoProcessRuntime();
  /** Every agent started, so a test can read what ran there after the instance is gone. */
  readonly started: Array<{ instanceId: number; agent: RunningAgent }> = [];

  constructor(private readonly options: InProcessAgentRuntimeOptions = {}) {}

  async start(spec: ContainerSpec): Promise<RunningContainer> {
    if (!(this.options.imagePattern ?? /mediafleet/i).test(spec.image) || !spec.onstart) return this.fallback.start(spec);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `fake-vast-inproc-${spec.instanceId}-`));
    const forwarders = await publishPorts(spec.containerPorts);
    const agentPort = /MEDIAFLEET_PORT:-(\d+)/.exec(spec.onstart)?.[1] ?? '8787';
    const inner = await freeLoopbackPort();
    const env: Record<string, string> = {
      ...spec.env,
      ...scriptExports(spec.onstart),
      ...vastContainerVars(spec, forwarders),
      ...this.options.extraEnv,
    };
    let agent: RunningAgent;
    try {
      const config = loadConfig({ host: '127.0.0.1', port: inner, dataDir, workers: 1, logLevel: 'error' }, env);
      agent = await startAgent(config, createLogger('error'), { workerUrl: sleepWorkerUrl, warmUp: [] });
      await agent.pool.whenReady();
    } catch (err) {
      await Promise.all([...forwarders.values()].map((f) => f.close()));
      fs.rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
    this.started.push({ instanceId: spec.instanceId, agent });
    forwarders.get(`${agentPort}/tcp`)?.setTarget(inner);
    let stopped = false;
    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      await Promise.all([...forwarders.values()].map((f) => f.close()));
      await agent.close(1000).catch(() => undefined);
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
    return {
      hostPorts: Object.fromEntries([...forwarders].map(([k, f]) => [k, f.hostPort])),
      alive: () => !stopped,
      processIds: () => [],
      onExit: () => {},
      pause: () => forwarders.forEach((f) => f.pause()),
      resume: () => forwarders.forEach((f) => f.resume()),
      stop,
    };
  }
}
