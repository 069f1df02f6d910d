// Health-gated deployment of the agent container on one server (blue/green on two loopback ports):
// start the new container beside the old one, wait until it answers /v1/health?ready=1, point nginx's
// upstream at it (nginx -t, reload), check through nginx, then stop the old one (kept, stopped, for
// rollback). A new version that never becomes healthy is removed and the old one keeps serving.
// All server access goes through `DeployTarget`, so this module is plain logic over small ports.
import type Docker from 'dockerode';
import { ConsoleError } from '../contracts/define.js';
import { renderNginxUpstream } from './deploy-bundle.js';
import type { OperationOptions } from './agent-image.js';

export interface HttpAnswer {
  status: number;
  body: string;
}

/** The server as the deployer sees it; `electron/core/deploy/ssh-deploy-target.ts` implements it over SSH. */
export interface DeployTarget {
  docker: Docker;
  /** Runs a shell command on the server (as a user allowed to write nginx's upstream and reload it). */
  exec(command: string, opts?: { stdin?: string; signal?: AbortSignal }): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** GET http://127.0.0.1:<port><path> as seen from the server. */
  httpGet(port: number, path: string, headers?: Record<string, string>): Promise<HttpAnswer>;
}

export interface NginxSwitch {
  /** The upstream file nginx includes (see deploy-templates/nginx/upstream.conf). */
  upstreamPath: string;
  testCommand: string;
  reloadCommand: string;
  /** Where nginx serves the agent from the server's point of view (checked after the switch). */
  publicPort: number;
}

export interface AgentDeployConfig {
  /** Two loopback ports the agent alternates between (blue/green). */
  ports: [number, number];
  nginx: NginxSwitch;
  /** Docker volume (or absolute host dir) mounted at /data, shared by every version. */
  dataVolume: string;
  /** Env file on the server (mode 0600) with the agent's secrets; read at deploy time, never baked in. */
  envFilePath?: string;
  /** A read-scoped agent token for /v1/health; minted in the new container when absent. */
  healthToken?: string;
  healthTimeoutMs?: number;
  /** Stopped older versions kept for rollback. */
  keepPrevious?: number;
}

export const agentLabels = {
  role: 'io.mediafleet.role',
  version: 'io.mediafleet.version',
  port: 'io.mediafleet.port',
  deployedAt: 'io.mediafleet.deployed-at',
} as const;

export interface AgentContainer {
  id: string;
  name: string;
  image: string;
  version: string;
  port: number;
  deployedAt: string;
  running: boolean;
  state: string;
}

export interface DeployResult {
  container: AgentContainer;
  previous?: AgentContainer;
  /** Set when the deploy minted a health token (store it in the vault). */
  mintedHealthToken?: string;
  durationMs: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    // The listener goes when the timer fires: a long health wait would otherwise pile one up per poll.
    const onAbort = () => (clearTimeout(t), reject(new ConsoleError('CANCELED', 'deploy canceled')));
    const t = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new ConsoleError('CANCELED', 'deploy canceled');
}

export async function listAgentContainers(docker: Docker): Promise<AgentContainer[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${agentLabels.role}=agent`] } });
  return list
    .map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      image: c.Image,
      version: c.Labels[agentLabels.version] ?? '?',
      port: Number(c.Labels[agentLabels.port]),
      deployedAt: c.Labels[agentLabels.deployedAt] ?? '',
      running: c.State === 'running',
      state: c.State,
    }))
    .sort((a, b) => b.deployedAt.localeCompare(a.deployedAt));
}

/** The container nginx points at: the newest running agent. */
export async function activeAgent(docker: Docker): Promise<AgentContainer | undefined> {
  return (await listAgentContainers(docker)).find((c) => c.running);
}

function parseEnvFile(content: string): string[] {
  return content
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && /^[A-Za-z_][A-Za-z0-9_]*=/.test(l));
}

async function readServerEnv(target: DeployTarget, path: string | undefined): Promise<string[]> {
  if (!path) return [];
  const r = await target.exec(`cat -- '${path.replace(/'/g, `'\\''`)}'`);
  if (r.code !== 0) throw new ConsoleError('DEPLOY_ENV_MISSING', `cannot read the agent env file ${path} on the server: ${r.stderr.trim()}`);
  return parseEnvFile(r.stdout);
}

/** Demultiplexes Docker's log stream (8-byte frame headers) when the container has no TTY. */
export function demuxDockerLog(buf: Buffer): string {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2 || buf[i] === 0) && buf[i + 1] === 0) {
    const size = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return i === 0 ? buf.toString('utf8') : Buffer.concat(out).toString('utf8');
}

export async function agentLogs(docker: Docker, containerId: string, tail = 200): Promise<string> {
  const raw = (await docker.getContainer(containerId).logs({ stdout: true, stderr: true, tail, follow: false })) as unknown as Buffer;
  return demuxDockerLog(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
}

export interface AgentStats {
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  pids: number;
}

export async function agentStats(docker: Docker, containerId: string): Promise<AgentStats> {
  const s = (await docker.getContainer(containerId).stats({ stream: false })) as unknown as {
    cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number; online_cpus?: number };
    precpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number };
    memory_stats: { usage?: number; limit?: number };
    pids_stats?: { current?: number };
  };
  const cpuDelta = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
  const sysDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
  const cpus = s.cpu_stats.online_cpus ?? 1;
  return {
    cpuPercent: sysDelta > 0 && cpuDelta >= 0 ? (cpuDelta / sysDelta) * cpus * 100 : 0,
    memoryBytes: s.memory_stats.usage ?? 0,
    memoryLimitBytes: s.memory_stats.limit ?? 0,
    pids: s.pids_stats?.current ?? 0,
  };
}

const cliInContainer = ['node', '/app/node_modules/tsx/dist/cli.mjs', '/app/agent/src/cli.ts'];

/** Runs the agent CLI inside a running agent container (e.g. `token create`), returning stdout. */
export async function execAgentCli(docker: Docker, containerId: string, args: string[]): Promise<string> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: [...cliInContainer, ...args], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const output = demuxDockerLog(Buffer.concat(chunks));
  const info = await exec.inspect();
  if (info.ExitCode !== 0) throw new ConsoleError('AGENT_CLI_FAILED', `agent ${args.slice(0, 2).join(' ')} failed (exit ${info.ExitCode}): ${output.slice(-500)}`);
  return output;
}

/** Mints an agent token in a running container (the agent prints it alone on stdout). */
export async function mintAgentToken(docker: Docker, containerId: string, scope: 'all-tenants' | 'admin' | 'submit' | 'read', tenant: string, label: string): Promise<string> {
  // Two streams are merged by the demuxer; the token is the line that looks like one.
  const out = await execAgentCli(docker, containerId, ['token', 'create', '--scope', scope, '--tenant', tenant, '--label', label]);
  const token = out.split('\n').map((l) => l.trim()).find((l) => /^mf_\S+$/.test(l));
  if (!token) throw new ConsoleError('AGENT_CLI_FAILED', 'the agent did not print a token');
  return token;
}

interface GateOptions extends OperationOptions {
  healthToken?: string;
  timeoutMs: number;
}

/** Waits until the container answers /v1/health?ready=1 with 200, or fails early when it exits. */
async function waitForHealthy(target: DeployTarget, c: { id: string; port: number }, opts: GateOptions): Promise<{ mintedHealthToken?: string }> {
  const deadline = Date.now() + opts.timeoutMs;
  let token = opts.healthToken;
  let minted: string | undefined;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    checkAborted(opts.signal);
    const info = await target.docker.getContainer(c.id).inspect();
    const state = info.State;
    // With a restart policy a crashing agent shows as Restarting (or Running again between crashes).
    if (!state.Running || state.Restarting || info.RestartCount > 0) {
      // Stop the restart loop and let the current run end, so the exit code is the crash's, not a restart's.
      const handle = target.docker.getContainer(c.id);
      await handle.update({ RestartPolicy: { Name: 'no' } }).catch(() => {});
      const waited = (await Promise.race([handle.wait().catch(() => undefined), sleep(20_000).then(() => undefined)])) as { StatusCode?: number } | undefined;
      const exitCode = waited?.StatusCode ?? state.ExitCode;
      const logs = await agentLogs(target.docker, c.id, 30).catch(() => '');
      throw new ConsoleError('DEPLOY_HEALTH_FAILED', `the new agent exited (code ${exitCode}) before it became healthy.\n${logs.trim().slice(-1500)}`);
    }
    try {
      const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      const r = await target.httpGet(c.port, '/v1/health?ready=1', headers);
      if (r.status === 200) return { mintedHealthToken: minted };
      if (r.status === 401 && !token) {
        // First deploy on this data volume: the agent serves but we hold no token for it yet.
        minted = token = await mintAgentToken(target.docker, c.id, 'read', 'mediafleet-console', 'console health checks');
        opts.onProgress?.({ phase: 'health', progress: null, line: 'minted a read token for health checks' });
        continue;
      }
      last = `HTTP ${r.status} ${r.body.slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    opts.onProgress?.({ phase: 'health', progress: null, line: `waiting for /v1/health on :${c.port} (${last})` });
    await sleep(1000, opts.signal);
  }
  throw new ConsoleError('DEPLOY_HEALTH_FAILED', `the new agent did not become healthy within ${Math.round(opts.timeoutMs / 1000)} s (${last})`);
}

/** Points nginx at `port`; on a failed config test the previous upstream is put back. */
async function switchUpstream(target: DeployTarget, nginx: NginxSwitch, port: number): Promise<void> {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const previous = await target.exec(`cat ${q(nginx.upstreamPath)} 2>/dev/null || true`);
  const write = await target.exec(`cat > ${q(nginx.upstreamPath + '.new')} && mv ${q(nginx.upstreamPath + '.new')} ${q(nginx.upstreamPath)}`, {
    stdin: renderNginxUpstream(port),
  });
  if (write.code !== 0) throw new ConsoleError('NGINX_SWITCH_FAILED', `cannot write ${nginx.upstreamPath}: ${write.stderr.trim()}`);
  const test = await target.exec(nginx.testCommand);
  if (test.code !== 0) {
    await target.exec(`cat > ${q(nginx.upstreamPath)}`, { stdin: previous.stdout });
    throw new ConsoleError('NGINX_CONFIG_INVALID', `nginx -t refused the new upstream: ${test.stderr.trim().slice(-800)}`);
  }
  const reload = await target.exec(nginx.reloadCommand);
  if (reload.code !== 0) throw new ConsoleError('NGINX_SWITCH_FAILED', `nginx reload failed: ${reload.stderr.trim()}`);
}

async function verifyThroughNginx(target: DeployTarget, nginx: NginxSwitch, token: string | undefined, signal?: AbortSignal): Promise<void> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  let last = '';
  // A reload hands over to new workers asynchronously; allow a few seconds.
  for (let i = 0; i < 10; i++) {
    const r = await target.httpGet(nginx.publicPort, '/v1/health', headers).catch((e: Error) => ({ status: 0, body: e.message }));
    if (r.status === 200) return;
    last = `HTTP ${r.status} ${r.body.slice(0, 200)}`;
    await sleep(500, signal);
  }
  throw new ConsoleError('NGINX_SWITCH_FAILED', `nginx does not serve the agent after the switch (${last})`);
}

async function removeContainer(docker: Docker, id: string): Promise<void> {
  await docker.getContainer(id).remove({ force: true, v: false }).catch(() => {});
}

/** Moves traffic to a started, healthy container and stops the others; shared by deploy and rollback. */
async function promote(target: DeployTarget, cfg: AgentDeployConfig, next: AgentContainer, token: string | undefined, opts: OperationOptions): Promise<AgentContainer | undefined> {
  const before = (await listAgentContainers(target.docker)).filter((c) => c.running && c.id !== next.id);
  opts.onProgress?.({ phase: 'switch', progress: 0.8, line: `pointing nginx at :${next.port}` });
  await switchUpstream(target, cfg.nginx, next.port);
  await verifyThroughNginx(target, cfg.nginx, token, opts.signal);
  for (const old of before) {
    opts.onProgress?.({ phase: 'switch', progress: 0.9, line: `stopping ${old.name} (${old.version})` });
    await target.docker.getContainer(old.id).stop({ t: 20 }).catch(() => {});
  }
  // Keep a bounded number of stopped versions for rollback (vfs makes each one a full copy).
  const stopped = (await listAgentContainers(target.docker)).filter((c) => !c.running && c.id !== next.id);
  for (const extra of stopped.slice(cfg.keepPrevious ?? 1)) await removeContainer(target.docker, extra.id);
  return before[0];
}

export async function deployAgent(
  target: DeployTarget,
  cfg: AgentDeployConfig,
  release: { image: string; version: string },
  opts: OperationOptions = {},
): Promise<DeployResult> {
  const started = Date.now();
  checkAborted(opts.signal);
  const docker = target.docker;
  await docker.getImage(release.image).inspect().catch(() => {
    throw new ConsoleError('IMAGE_NOT_FOUND', `image ${release.image} is not on the server; transfer or pull it first`);
  });
  const current = await activeAgent(docker);
  const port = current?.port === cfg.ports[0] ? cfg.ports[1] : cfg.ports[0];
  // A leftover container on the port we need (a crashed earlier attempt) would block the new one.
  for (const c of await listAgentContainers(docker)) if (c.port === port && c.id !== current?.id) await removeContainer(docker, c.id);

  const env = await readServerEnv(target, cfg.envFilePath);
  const deployedAt = new Date().toISOString();
  const name = `mediafleet-agent-${release.version.replace(/[^A-Za-z0-9_.-]/g, '_')}-${port}`;
  opts.onProgress?.({ phase: 'start', progress: 0.1, line: `starting ${name} on 127.0.0.1:${port}` });
  const bind = cfg.dataVolume.startsWith('/') ? `${cfg.dataVolume}:/data` : `${cfg.dataVolume}:/data`;
  const container = await docker.createContainer({
    name,
    Image: release.image,
    Env: [...env, 'MEDIAFLEET_HOST=127.0.0.1', `MEDIAFLEET_PORT=${port}`],
    Labels: { [agentLabels.role]: 'agent', [agentLabels.version]: release.version, [agentLabels.port]: String(port), [agentLabels.deployedAt]: deployedAt },
    HostConfig: { NetworkMode: 'host', Binds: [bind], RestartPolicy: { Name: 'unless-stopped' } },
  });
  const next: AgentContainer = { id: container.id, name, image: release.image, version: release.version, port, deployedAt, running: true, state: 'created' };
  try {
    await container.start();
    opts.onProgress?.({ phase: 'health', progress: 0.3, line: 'waiting for the new agent to become healthy' });
    const gate = await waitForHealthy(target, next, { ...opts, healthToken: cfg.healthToken, timeoutMs: cfg.healthTimeoutMs ?? 180_000 });
    const token = cfg.healthToken ?? gate.mintedHealthToken;
    const previous = await promote(target, cfg, next, token, opts);
    opts.onProgress?.({ phase: 'done', progress: 1, line: `${release.version} serves on :${port}` });
    return { container: next, previous, mintedHealthToken: gate.mintedHealthToken, durationMs: Date.now() - started };
  } catch (err) {
    // The old version keeps serving: nginx still points at it unless the switch itself completed.
    const active = await activeAgent(docker);
    if (!active || active.id === next.id || (await upstreamPort(target, cfg.nginx)) !== next.port) {
      opts.onProgress?.({ phase: 'rollback', progress: null, line: `removing the failed ${name}` });
      await removeContainer(docker, next.id);
    }
    throw err;
  }
}

async function upstreamPort(target: DeployTarget, nginx: NginxSwitch): Promise<number | undefined> {
  const r = await target.exec(`cat '${nginx.upstreamPath}' 2>/dev/null || true`);
  const m = /server 127\.0\.0\.1:(\d+)/.exec(r.stdout);
  return m ? Number(m[1]) : undefined;
}

/** Starts the newest stopped version again, health-gated, and moves traffic back to it. */
export async function rollbackAgent(target: DeployTarget, cfg: AgentDeployConfig, opts: OperationOptions = {}): Promise<DeployResult> {
  const started = Date.now();
  const all = await listAgentContainers(target.docker);
  const previous = all.find((c) => !c.running);
  if (!previous) throw new ConsoleError('NOTHING_TO_ROLL_BACK', 'no earlier agent version is kept on this server');
  opts.onProgress?.({ phase: 'start', progress: 0.1, line: `starting ${previous.name} (${previous.version})` });
  await target.docker.getContainer(previous.id).start();
  try {
    const gate = await waitForHealthy(target, previous, { ...opts, healthToken: cfg.healthToken, timeoutMs: cfg.healthTimeoutMs ?? 180_000 });
    const replaced = await promote(target, cfg, { ...previous, running: true }, cfg.healthToken ?? gate.mintedHealthToken, opts);
    return { container: { ...previous, running: true, state: 'running' }, previous: replaced, durationMs: Date.now() - started };
  } catch (err) {
    await target.docker.getContainer(previous.id).stop({ t: 5 }).catch(() => {});
    throw err;
  }
}

/** Restarts the serving container and waits until it is healthy again. */
export async function restartAgent(target: DeployTarget, cfg: AgentDeployConfig, opts: OperationOptions = {}): Promise<AgentContainer> {
  const active = await activeAgent(target.docker);
  if (!active) throw new ConsoleError('AGENT_NOT_RUNNING', 'no agent container is running on this server');
  await target.docker.getContainer(active.id).restart({ t: 20 });
  await waitForHealthy(target, active, { ...opts, healthToken: cfg.healthToken, timeoutMs: cfg.healthTimeoutMs ?? 180_000 });
  return active;
}
