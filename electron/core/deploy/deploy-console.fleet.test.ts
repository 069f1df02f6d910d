// Deploy and HTTPS through the console contract against a simulated VPS (real sshd in its own network and
// mount namespaces, test-harness/console/simulated-vps.ts) that runs its own Docker engine (dockerd inside
// the VPS's namespaces, so containers on the host network listen on the VPS's loopback) and the VPS's own
// Debian nginx. `provision:start` runs the whole plan twice: the first run creates the service user, installs
// the firewall, uploads the bundle, starts nginx and the agent, and registers it; the second changes nothing.
// Then deploy:containers/logs/stats/agent/rollback through the contract, a deploy that pulls from a private
// registry (Debian docker-registry, htpasswd auth) with credentials from the vault, and ssl:enable against
// Pebble, whose validation reaches the VPS's nginx on port 80 through the VPS's firewall.
//
// What is not exercised: the image transfer step (the agent image is built in the VPS's engine, which is also
// the console's "local" engine here, so the step finds it present; electron/core/deploy/agent-deploy.fleet.test.ts
// covers docker save | docker load over SSH), and apt installs (packages are shared with this machine).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateLoginKeyPair } from '../fleet/ssh/login-key.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleCore, type ConsoleCore } from '../console-core.js';
import { secretNames } from '../secrets/secret-vault.js';
import { challtestsrvBinary, pebbleBinary, startPebble, type PebbleServer } from '../../../test-harness/console/pebble.js';
import { harnessUnavailableReason, startSimulatedVps, type SimulatedVps } from '../../../test-harness/console/simulated-vps.js';
import { prepareAgentBuildContext } from './agent-build-context.js';
import { buildAgentImage } from './agent-image.js';
import { healthTokenSecret } from './provision-steps.js';
import { canRunDocker, dockerCliBinary, importNodeBaseImage, type TestDockerEngine } from '../../../test-harness/console/docker-engine.js';
import { startDockerEngineInVps } from '../../../test-harness/console/docker-in-vps.js';
import { registryBinary, startDockerRegistry, type DockerRegistry } from '../../../test-harness/console/docker-registry.js';
import { freeLoopbackPort } from '../../../test-harness/console/free-loopback-port.js';
import { data, runContractOperation } from '../../../test-harness/console/contract-calls.js';
import { httpGet as get, httpsGet as httpsGetFrom, servedCertificate as servedCertificateOf } from '../../../test-harness/console/net-probes.js';
import { nginxBinary } from '../../../test-harness/console/nginx-instance.js';
import { suiteTimings } from '../../../test-harness/console/suite-timings.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const unavailable =
  harnessUnavailableReason() ??
  (!canRunDocker ? 'needs root and dockerd (Debian docker.io)' : null) ??
  (!nginxBinary ? 'needs Debian nginx' : null) ??
  (!pebbleBinary || !challtestsrvBinary ? 'needs Debian pebble' : null) ??
  (!registryBinary ? 'needs Debian docker-registry' : null);
const VPS_INDEX = 7;
const domain = 'agent.mediafleet.test';
const v1 = { image: 'mediafleet/agent:console-test-1', version: '0.9.0-console.1' };
const v2 = { image: 'mediafleet/agent:console-test-2', version: '0.9.0-console.2' };
const registryUser = { username: 'deployer', password: 'registry-test-pw-5c1e' };


const httpsGet = (host: string, path: string, ca: string, headers: Record<string, string> = {}) => httpsGetFrom(host, domain, path, ca, headers);
const servedCertificate = (host: string, ca: string) => servedCertificateOf(host, domain, ca);

describe.skipIf(unavailable)(`deploy and HTTPS through the console contract${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let dir: string;
  let vps: SimulatedVps;
  let engine: TestDockerEngine;
  let pebble: PebbleServer;
  let registry: DockerRegistry;
  let core: ConsoleCore;
  let serverId: string;
  const { timings, timed } = suiteTimings();
  const openCore = () =>
    createConsoleCore({
      storePath: join(dir, 'console.db'),
      vault: { kind: 'file', path: join(dir, 'vault.json'), passphrase: 'deploy-console-test' },
      deploy: { localDocker: engine.docker, healthTimeoutMs: 240_000 },
      ssl: { acmeServer: pebble.directoryUrl, noVerifySsl: true },
    });

  const runOperation = (method: string, input: unknown) => runContractOperation(core, method, input);


  const healthToken = async () => (await core.vault.get(healthTokenSecret(serverId)))!;
  const healthFromOutside = async () => get(`http://${vps.address}/v1/health`, { authorization: `Bearer ${await healthToken()}` });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mf-deploy-console-'));
    vps = await startSimulatedVps({ index: VPS_INDEX });
    // Pebble and the registry listen on the console side of the VPS's veth.
    const consoleSide = vps.address.replace(/\d+$/, (n) => String(Number(n) - 1));
    registry = await startDockerRegistry({ host: consoleSide, port: await freeLoopbackPort(), ...registryUser });
    engine = await timed('engine', () => startDockerEngineInVps(vps, { insecureRegistries: [registry.address] }));
    await timed('baseImage', () => importNodeBaseImage(engine.docker));
    const context = prepareAgentBuildContext({ repoRoot, outDir: join(dir, 'context'), flavor: 'cpu', values: { domain, agentVersion: v1.version, agentImage: v1.image } });
    await timed('build', () => buildAgentImage(`unix://${engine.socketPath}`, context.dir, v1.image, { dockerCli: dockerCliBinary }));
    rmSync(context.dir, { recursive: true, force: true });
    // The "next release": the same build under another tag and version, enough for upgrade and rollback.
    await engine.docker.getImage(v1.image).tag({ repo: 'mediafleet/agent', tag: 'console-test-2' });

    // Pebble resolves every name to the VPS.
    pebble = await startPebble({ httpPort: 80, listenHost: consoleSide, resolveTo: vps.address });

    const keys = generateLoginKeyPair('test');
    vps.exec(`install -d -m 700 /root/.ssh && echo '${keys.public}' > /root/.ssh/authorized_keys`);
    // The operator's agent settings on the server (provisioning keeps an existing env file): one worker, no
    // model warm-up, so each health gate waits for the HTTP side only and the suite stays short.
    vps.exec(`install -d -m 755 /etc/mediafleet && printf 'MEDIAFLEET_WORKERS=1\nMEDIAFLEET_WARMUP=none\n' > /etc/mediafleet/agent.env && chmod 600 /etc/mediafleet/agent.env`);
    core = openCore();
    serverId = (await core.fleet.addServer({ name: 'deploy-vps', host: vps.address, port: 22, user: 'root', auth: { kind: 'key', privateKey: keys.private } })).id;
    data(
      await core.invoke('deploy:set-settings', {
        serverId,
        settings: { domain, agentImage: v1.image, agentVersion: v1.version, agentPort: 18081, acmeWebroot: '/srv/mediafleet/acme' },
      }),
    );
  }, 1_200_000);

  afterAll(async () => {
    await core?.close();
    await pebble?.stop();
    await engine?.stop();
    await registry?.stop();
    // nginx started by provisioning runs inside the VPS; its master dies with the namespace's processes.
    try {
      vps?.exec('[ -s /run/nginx.pid ] && kill $(cat /run/nginx.pid) || true');
    } catch {
      /* already gone */
    }
    await vps?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log('deploy-console suite timings (ms):', JSON.stringify(timings));
  }, 300_000);

  it('provision:start deploys and registers an agent answering /v1/health; the second run changes nothing', async () => {
    const first = await timed('provisionFirst', () => runOperation('provision:start', { serverId }));
    expect(first.run.status, JSON.stringify(first.events.slice(-6))).toBe('succeeded');
    expect(first.run.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['service-user', 'applied'],
      ['docker', 'applied'],
      ['firewall', 'applied'],
      ['deploy.upload-bundle', 'applied'],
      ['deploy.nginx', 'applied'],
      // Built in this VPS's engine by the test (see the header): found on the server.
      ['deploy.agent-image', 'satisfied'],
      ['deploy.start-agent', 'applied'],
      ['deploy.register-agent', 'applied'],
    ]);
    expect(first.last).toMatchObject({ phase: 'done', done: true, progress: 1 });

    // The agent answers through the VPS's nginx on port 80, from outside, through its firewall.
    const health = await healthFromOutside();
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ live: true, ready: true });
    // The registered agent's admin token is in the vault only and is accepted by the agent.
    const [agent] = core.agents.forServer(serverId);
    expect(agent?.baseUrl).toBe(`http://${domain}`);
    const adminToken = (await core.vault.get(secretNames.agentAdminToken(agent!.id)))!;
    expect(adminToken).toMatch(/^mf_/);
    expect((await get(`http://${vps.address}/v1/info`, { authorization: `Bearer ${adminToken}` })).status).toBe(200);
    expect(JSON.stringify(core.audit.list({ targetId: serverId }))).not.toContain(adminToken);
    // The bundle is on the server, rendered with this server's values.
    expect(vps.exec('grep -c "server_name agent.mediafleet.test" /etc/nginx/conf.d/mediafleet.conf').trim()).toBe('1');
    expect(vps.exec('stat -c %a /etc/mediafleet/agent.env').trim()).toBe('600');

    const containersBefore = data<{ containers: { id: string }[] }>(await core.invoke('deploy:containers', { serverId })).containers;
    const second = await timed('provisionSecond', () => runOperation('provision:start', { serverId }));
    expect(second.run.status).toBe('succeeded');
    expect(second.run.steps.filter((s) => !(s.status === 'satisfied' && s.alreadySatisfied))).toEqual([]);
    const containersAfter = data<{ containers: { id: string }[] }>(await core.invoke('deploy:containers', { serverId })).containers;
    expect(containersAfter.map((c) => c.id)).toEqual(containersBefore.map((c) => c.id));
    expect(core.agents.forServer(serverId)).toHaveLength(1);
  }, 900_000);

  it('deploy:containers, deploy:logs and deploy:stats read the serving agent through the contract', async () => {
    const { containers } = data<{ containers: { id: string; version: string; running: boolean; port: number }[] }>(
      await core.invoke('deploy:containers', { serverId }),
    );
    expect(containers).toHaveLength(1);
    expect(containers[0]).toMatchObject({ version: v1.version, running: true, port: 18081 });
    const { text } = data<{ text: string }>(await core.invoke('deploy:logs', { serverId, tail: 50 }));
    expect(text).toContain('agent listening');
    const stats = data<{ memoryBytes: number; pids: number }>(await core.invoke('deploy:stats', { serverId }));
    expect(stats.memoryBytes).toBeGreaterThan(10_000_000);
    expect(stats.pids).toBeGreaterThan(0);
    expect(await core.invoke('deploy:logs', { serverId, containerId: 'no-such-container' })).toMatchObject({ ok: false, error: { code: 'CONTAINER_NOT_FOUND' } });
  }, 120_000);

  it('a login user who may sudo but is not in the docker group reaches Docker through sudo (docker system dial-stdio)', async () => {
    expect(vps.exec(`id -nG ${vps.user}`)).not.toMatch(/\bdocker\b/);
    const sudoerId = (
      await core.fleet.addServer({ name: 'deploy-vps-sudoer', host: vps.address, port: 22, user: vps.user, auth: { kind: 'generate', password: vps.password, disablePasswordLogin: false } })
    ).id;
    try {
      const { settings } = data<{ settings: Record<string, unknown> }>(await core.invoke('deploy:get-settings', { serverId }));
      data(await core.invoke('deploy:set-settings', { serverId: sudoerId, settings }));
      const asRoot = data<{ containers: { id: string }[] }>(await core.invoke('deploy:containers', { serverId })).containers;
      const asSudoer = data<{ containers: { id: string }[] }>(await core.invoke('deploy:containers', { serverId: sudoerId })).containers;
      expect(asSudoer.map((c) => c.id)).toEqual(asRoot.map((c) => c.id));
      expect(data<{ text: string }>(await core.invoke('deploy:logs', { serverId: sudoerId, tail: 20 })).text).toContain('agent listening');
    } finally {
      await core.fleet.removeServer(sudoerId);
    }
  }, 120_000);

  it('deploy:agent upgrades health-gated, deploy:rollback goes back; settings follow what runs', async () => {
    const up = await timed('upgrade', () => runOperation('deploy:agent', { serverId, ...v2 }));
    expect(up.run.status, JSON.stringify(up.events.slice(-5))).toBe('succeeded');
    expect(up.run.kind).toBe('deploy');
    // Progress moves inside the one step (start, health, switch), never backwards, and ends at 1.
    const progress = up.events.map((e) => e.progress ?? 0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.filter((p) => p > 0 && p < 1).length).toBeGreaterThan(1);
    expect(up.last).toMatchObject({ phase: 'done', progress: 1 });
    let { containers } = data<{ containers: { version: string; running: boolean; port: number }[] }>(await core.invoke('deploy:containers', { serverId }));
    expect(containers.filter((c) => c.running).map((c) => [c.version, c.port])).toEqual([[v2.version, 18082]]);
    expect(containers.find((c) => c.version === v1.version)?.running).toBe(false);
    expect((await healthFromOutside()).status).toBe(200);
    expect(data<{ settings: { agentVersion: string } }>(await core.invoke('deploy:get-settings', { serverId })).settings.agentVersion).toBe(v2.version);

    const back = await timed('rollback', () => runOperation('deploy:rollback', { serverId }));
    expect(back.run.status, JSON.stringify(back.events.slice(-5))).toBe('succeeded');
    ({ containers } = data<{ containers: { version: string; running: boolean; port: number }[] }>(await core.invoke('deploy:containers', { serverId })));
    expect(containers.filter((c) => c.running).map((c) => c.version)).toEqual([v1.version]);
    expect((await healthFromOutside()).status).toBe(200);
    expect(data<{ settings: { agentVersion: string } }>(await core.invoke('deploy:get-settings', { serverId })).settings.agentVersion).toBe(v1.version);
    const actions = core.audit.list({ targetId: serverId }).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['deploy.started', 'deploy.succeeded', 'rollback.started', 'rollback.succeeded']));
  }, 900_000);

  it('deploy:agent from a private registry: the server pulls with credentials kept in the vault', async () => {
    const v3 = { image: `${registry.address}/mediafleet/agent:console-test-3`, version: '0.9.0-console.3' };
    // Publish the build to the registry, then drop the name on the server so the deploy has to pull it.
    const [repo, tag] = [v3.image.slice(0, v3.image.lastIndexOf(':')), 'console-test-3'];
    await engine.docker.getImage(v1.image).tag({ repo, tag });
    const auth = { ...registryUser, serveraddress: registry.address };
    await timed('push', async () => {
      const stream = await engine.docker.getImage(v3.image).push({ authconfig: auth });
      await new Promise<void>((res, rej) =>
        engine.docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => (err ? rej(err) : out.find((m) => m.error) ? rej(new Error(out.find((m) => m.error)!.error)) : res())),
      );
    });
    await engine.docker.getImage(v3.image).remove();

    const missing = await runOperation('deploy:agent', { serverId, ...v3, source: { kind: 'registry', credentialName: 'nowhere' } });
    expect(missing.last.error?.code).toBe('REGISTRY_CREDENTIAL_MISSING');

    data(await core.invoke('deploy:set-registry-credentials', { name: 'test-registry', ...auth }));
    const pulled = await timed('registryDeploy', () => runOperation('deploy:agent', { serverId, ...v3, source: { kind: 'registry', credentialName: 'test-registry' } }));
    expect(pulled.run.status, JSON.stringify(pulled.events.slice(-5))).toBe('succeeded');
    expect(pulled.events.some((e) => /Pulling|Pull complete|Already exists|Downloaded newer image/i.test(e.line ?? ''))).toBe(true);
    const { containers } = data<{ containers: { image: string; version: string; running: boolean }[] }>(await core.invoke('deploy:containers', { serverId }));
    expect(containers.filter((c) => c.running).map((c) => [c.image, c.version])).toEqual([[v3.image, v3.version]]);
    expect((await healthFromOutside()).status).toBe(200);
    core.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(JSON.stringify(core.operations.eventsSince(pulled.operationId))).not.toContain(registryUser.password);
    expect(JSON.stringify(core.audit.list({ limit: 1000 }))).not.toContain(registryUser.password);
  }, 600_000);

  it('ssl:enable issues a certificate from Pebble; a failing challenge keeps it, says why in ssl:status, and holds back retries across a restart', async () => {
    const rootPem = await pebble.issuingRootPem();
    const ok = await timed('sslIssue', () => runOperation('ssl:enable', { serverId, domain, email: 'ops@mediafleet.test' }));
    expect(ok.run.status, JSON.stringify(ok.events.slice(-5))).toBe('succeeded');
    const served = await servedCertificate(vps.address, rootPem);
    expect(served.authorized).toBe(true);
    expect(served.san).toContain(`DNS:${domain}`);
    const status = data<{ notAfter: string | null; issuer: string | null; attempts: { ok: boolean }[]; nextAttemptAt: string | null }>(
      await core.invoke('ssl:status', { serverId }),
    );
    expect(status.issuer).toMatch(/Pebble/i);
    expect(new Date(status.notAfter!).getTime()).toBeGreaterThan(Date.now() + 7 * 86400_000);
    expect(status.attempts.map((a) => a.ok)).toEqual([true]);
    expect(status.nextAttemptAt).toBeNull();
    // The console now reaches the agent over https (nginx redirects plain HTTP), with the same admin token.
    const [agent] = core.agents.forServer(serverId);
    expect(agent?.baseUrl).toBe(`https://${domain}`);
    const adminToken = (await core.vault.get(secretNames.agentAdminToken(agent!.id)))!;
    const info = await httpsGet(vps.address, '/v1/info', rootPem, { authorization: `Bearer ${adminToken}` });
    expect(info.status, info.body).toBe(200);
    expect(core.audit.list({ limit: 1000 }).some((e) => e.action === 'agent.url-changed')).toBe(true);
    // Plain HTTP now redirects to HTTPS (also /v1/health from outside), and the renewal is scheduled (cron:
    // the VPS runs no systemd).
    expect((await get(`http://${vps.address}/v1/health`)).status).toBe(301);
    expect(vps.exec('cat /etc/cron.d/mediafleet-cert-renew')).toContain('certbot renew --webroot');

    // With HTTPS on, provisioning again renders the TLS site from the settings and keeps the running agent
    // (its health check through nginx still works from the server itself), and a restart is health-gated.
    const containersBefore = data<{ containers: { id: string; running: boolean }[] }>(await core.invoke('deploy:containers', { serverId })).containers;
    const again = await timed('provisionAfterTls', () => runOperation('provision:start', { serverId }));
    expect(again.run.status, JSON.stringify(again.events.slice(-5))).toBe('succeeded');
    expect(again.run.steps.filter((s) => s.status === 'applied').map((s) => s.stepId)).toEqual(['deploy.upload-bundle']);
    expect(data<{ containers: { id: string; running: boolean }[] }>(await core.invoke('deploy:containers', { serverId })).containers).toEqual(containersBefore);
    const restarted = await timed('restart', () => runOperation('deploy:restart', { serverId }));
    expect(restarted.run.status, JSON.stringify(restarted.events.slice(-5))).toBe('succeeded');
    expect((await servedCertificate(vps.address, rootPem)).authorized).toBe(true);

    // nginx's workers can no longer read the webroot: the CA gets 403 for the challenge file.
    vps.exec('chmod 0700 /srv/mediafleet/acme');
    try {
      const failed = await timed('sslFail', () => runOperation('ssl:enable', { serverId, domain, email: 'ops@mediafleet.test', forceRenewal: true }));
      expect(failed.run.status).toBe('failed');
      expect(failed.last.error?.code).toBe('ACME_CHALLENGE_FAILED');
      expect(failed.last.error?.message).toContain('stays in use');
    } finally {
      vps.exec('chmod 0755 /srv/mediafleet/acme');
    }
    expect((await servedCertificate(vps.address, rootPem)).serial).toBe(served.serial);

    const after = data<{ attempts: { ok: boolean; code?: string; reason?: string }[]; nextAttemptAt: string | null }>(await core.invoke('ssl:status', { serverId }));
    expect(after.attempts.map((a) => a.ok)).toEqual([true, false]);
    expect(after.attempts[1]).toMatchObject({ code: 'ACME_CHALLENGE_FAILED' });
    // nginx's try_files turns the unreadable file into a 404, which is what the CA reports.
    expect(after.attempts[1]!.reason).toMatch(/returned 404/);
    expect(new Date(after.nextAttemptAt!).getTime()).toBeGreaterThan(Date.now());

    // A restarted console remembers: same status, and the CA is not asked again before nextAttemptAt.
    await core.close();
    core = openCore();
    expect(data(await core.invoke('ssl:status', { serverId }))).toEqual(after);
    expect(await core.invoke('ssl:enable', { serverId, domain, email: 'ops@mediafleet.test', forceRenewal: true })).toMatchObject({
      ok: false,
      error: { code: 'CERT_RETRY_LATER' },
    });
  }, 600_000);
});
