// Docker deployment against a real engine (Debian docker.io, vfs, no bridge) over a real SSH connection:
// the agent image builds from deploy-templates/Dockerfile.cpu unchanged (base image: debootstrap + host node,
// tagged node:20-bookworm-slim), travels by docker save | ssh | docker load, serves /v1/health through a real
// nginx, and a broken release is not switched in. Upgrade, logs, stats and rollback on the same stack.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareAgentBuildContext } from './agent-build-context.js';
import { activeAgent, agentLogs, agentStats, deployAgent, listAgentContainers, rollbackAgent, type AgentDeployConfig } from './agent-deployer.js';
import { buildAgentImage, transferImage } from './agent-image.js';
import { renderNginxConfig, renderNginxUpstream } from './deploy-bundle.js';
import { sshDeployTarget } from './ssh-deploy-target.js';
import { canRunDocker, dockerCliBinary, importNodeBaseImage, startTestDockerEngine, type TestDockerEngine } from '../../../test-harness/console/docker-engine.js';
import { startLoopbackSshd, sshdBinary, type LoopbackSshd } from '../../../test-harness/console/loopback-sshd.js';
import { createNginxInstance, nginxBinary, type NginxInstance } from '../../../test-harness/console/nginx-instance.js';
import { suiteTimings } from '../../../test-harness/console/suite-timings.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const ready = canRunDocker && Boolean(sshdBinary) && Boolean(nginxBinary);
const v1 = { image: 'mediafleet/agent:fleet-test-1', version: '0.9.0-test.1' };
const broken = { image: 'mediafleet/agent:fleet-test-broken', version: '0.9.0-test.2' };
const v11 = { image: 'mediafleet/agent:fleet-test-1.1', version: '0.9.0-test.3' };
const publicPort = 18480;

const title = 'agent deployment with Docker over SSH';
describe.skipIf(!ready)(ready ? title : `${title} (skipped: needs root, dockerd, sshd and nginx)`, () => {
  let engine: TestDockerEngine;
  let sshd: LoopbackSshd;
  let ssh: Client;
  let nginx: NginxInstance;
  let target: ReturnType<typeof sshDeployTarget>;
  let cfg: AgentDeployConfig;
  let work: string;
  let token: string | undefined;
  const { timings, timed } = suiteTimings();
  const healthThroughNginx = () =>
    target.httpGet(publicPort, '/v1/health', token ? { authorization: `Bearer ${token}` } : {});

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'mf-deploy-'));
    engine = await timed('engine', () => startTestDockerEngine());
    await timed('baseImage', () => importNodeBaseImage(engine.docker));
    sshd = await startLoopbackSshd();
    ssh = await sshd.connect();
    target = sshDeployTarget(ssh, { dockerSocketPath: engine.socketPath });

    nginx = createNginxInstance('');
    const upstreamPath = join(nginx.prefix, 'conf', 'upstream.conf');
    writeFileSync(upstreamPath, renderNginxUpstream(18481));
    writeFileSync(
      nginx.siteConfPath,
      renderNginxConfig({ domain: 'agent.mediafleet.test', agentVersion: v1.version, agentImage: v1.image, httpPort: publicPort, upstreamConfPath: upstreamPath, acmeWebroot: join(nginx.prefix, 'acme') }),
    );
    await nginx.start();
    const envFilePath = join(work, 'agent.env');
    // No model warm-up: the health gates wait for the HTTP side only, which keeps the suite short.
    writeFileSync(envFilePath, 'MEDIAFLEET_LOG_LEVEL=info\nMEDIAFLEET_WORKERS=1\nMEDIAFLEET_WARMUP=none\n', { mode: 0o600 });
    cfg = {
      ports: [18481, 18482],
      nginx: { upstreamPath, testCommand: nginx.commands.test, reloadCommand: nginx.commands.reload, publicPort },
      dataVolume: 'mediafleet-fleet-test-data',
      envFilePath,
      healthTimeoutMs: 240_000,
      keepPrevious: 1,
    };

    const dockerHost = `unix://${engine.socketPath}`;
    const context = prepareAgentBuildContext({
      repoRoot,
      outDir: join(work, 'context'),
      flavor: 'cpu',
      values: { domain: 'agent.mediafleet.test', agentVersion: v1.version, agentImage: v1.image },
    });
    timings.contextMB = Math.round(context.bytes / 1e6);
    await timed('build', () => buildAgentImage(dockerHost, context.dir, v1.image, { dockerCli: dockerCliBinary }));
    rmSync(context.dir, { recursive: true, force: true });
    // The broken release: the same image whose agent exits at start, as a bad build would.
    const brokenDir = join(work, 'broken');
    mkdirSync(brokenDir);
    writeFileSync(
      join(brokenDir, 'Dockerfile'),
      `FROM ${v1.image}\nENTRYPOINT ["node", "-e", "console.error('agent failed to start: simulated broken release'); process.exit(3)"]\n`,
    );
    await buildAgentImage(dockerHost, brokenDir, broken.image, { dockerCli: dockerCliBinary });
    await engine.docker.getImage(v1.image).tag({ repo: 'mediafleet/agent', tag: 'fleet-test-1.1' });
  }, 1_200_000);

  afterAll(async () => {
    for (const c of (await listAgentContainers(engine?.docker).catch(() => [])) ?? []) {
      await engine.docker.getContainer(c.id).remove({ force: true }).catch(() => {});
    }
    await engine?.docker.getVolume('mediafleet-fleet-test-data').remove().catch(() => {});
    for (const img of [broken.image, v11.image, v1.image]) await engine?.docker.getImage(img).remove({ force: true }).catch(() => {});
    ssh?.end();
    await nginx?.stop();
    await sshd?.stop();
    await engine?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
    console.log('deploy suite timings (ms, contextMB):', JSON.stringify(timings));
  }, 300_000);

  it('moves the image over SSH with docker save | docker load and reports bytes', async () => {
    const progress: number[] = [];
    const r = await timed('transfer', () =>
      transferImage(engine.docker, v1.image, target, { onProgress: (p) => p.bytes !== undefined && progress.push(p.bytes) }),
    );
    expect(r.bytes).toBeGreaterThan(100_000_000);
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.at(-1)).toBe(r.bytes);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  }, 600_000);

  it('deploys the first version health-gated and serves /v1/health through nginx', async () => {
    expect((await healthThroughNginx()).status).toBe(502); // nothing behind nginx yet
    const phases: string[] = [];
    const r = await timed('deployFirst', () => deployAgent(target, cfg, v1, { onProgress: (p) => phases.push(p.phase) }));
    token = r.mintedHealthToken;
    expect(token).toMatch(/^mf_/);
    expect(r.container.port).toBe(18481);
    expect(phases).toEqual(expect.arrayContaining(['start', 'health', 'switch', 'done']));
    const h = await healthThroughNginx();
    expect(h.status).toBe(200);
    expect(JSON.parse(h.body)).toMatchObject({ live: true, ready: true });
    // The container runs as the image's non-root user.
    const inspect = await engine.docker.getContainer(r.container.id).inspect();
    expect(inspect.Config.User).toBe('1000:1000');
    expect(inspect.Config.Env).toContain('MEDIAFLEET_WORKERS=1'); // from the server's env file, not the image
  }, 600_000);

  it('does not switch in a release whose agent exits, and the old one keeps serving', async () => {
    const before = await activeAgent(target.docker);
    const err = await timed('deployBroken', () => deployAgent({ ...target }, { ...cfg, healthToken: token }, broken).catch((e: unknown) => e));
    expect(err).toMatchObject({ code: 'DEPLOY_HEALTH_FAILED' });
    expect(String((err as Error).message)).toContain('exited (code 3)');
    expect(String((err as Error).message)).toContain('simulated broken release');
    const after = await activeAgent(target.docker);
    expect(after?.id).toBe(before?.id);
    expect((await listAgentContainers(target.docker)).map((c) => c.version)).not.toContain(broken.version);
    expect((await healthThroughNginx()).status).toBe(200);
  }, 600_000);

  it('upgrades to a new version on the other port, keeps the old one stopped, and shows logs and stats', async () => {
    const r = await timed('upgrade', () => deployAgent(target, { ...cfg, healthToken: token }, v11));
    expect(r.container.port).toBe(18482);
    expect(r.previous?.version).toBe(v1.version);
    const all = await listAgentContainers(target.docker);
    expect(all.filter((c) => c.running).map((c) => c.version)).toEqual([v11.version]);
    expect(all.find((c) => c.version === v1.version)?.running).toBe(false);
    expect((await healthThroughNginx()).status).toBe(200);
    expect(await agentLogs(target.docker, r.container.id)).toContain('agent listening');
    const stats = await agentStats(target.docker, r.container.id);
    expect(stats.memoryBytes).toBeGreaterThan(10_000_000);
    expect(stats.pids).toBeGreaterThan(0);
  }, 600_000);

  it('rolls back to the previous version', async () => {
    const r = await timed('rollback', () => rollbackAgent(target, { ...cfg, healthToken: token }));
    expect(r.container.version).toBe(v1.version);
    expect((await activeAgent(target.docker))?.version).toBe(v1.version);
    expect((await healthThroughNginx()).status).toBe(200);
  }, 600_000);
});
