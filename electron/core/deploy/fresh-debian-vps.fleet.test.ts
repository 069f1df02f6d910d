// From a fresh Debian 12 server to an agent on HTTPS, through the console contract, on a VPS that boots for
// real (test-harness/console/debian-vps.ts: its own root filesystem, systemd as PID 1, NAT to Debian's
// mirror). What the other fleet suites cannot show, because their hosts share this machine's packages and
// have no init: the apt branches (Docker, nftables, nginx, certbot come from the mirror), systemd enabling
// and starting them, the agent image reaching the server by `docker save | docker load` over SSH through a
// sudoer (not in the docker group), the renewal timer renewing a certificate, and a reboot after which
// everything comes back by itself. Then the bundle's other ways to run the agent: the systemd unit without
// Docker, the compose stack with Debian's Compose, and the Vast on-start script in the agent's image.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleCore, type ConsoleCore } from '../console-core.js';
import { challtestsrvBinary, pebbleBinary, startPebble, type PebbleServer } from '../../../test-harness/console/pebble.js';
import { data, runContractOperation } from '../../../test-harness/console/contract-calls.js';
import { cleanupStaleDebianVps, debianVpsRootfsTarball, debianVpsUnavailableReason, startDebianVps, type DebianVps } from '../../../test-harness/console/debian-vps.js';
import { httpGet, httpsGet, servedCertificate, tcpReachable } from '../../../test-harness/console/net-probes.js';
import { prepareAgentBuildContext } from './agent-build-context.js';
import { buildAgentImage } from './agent-image.js';
import { renderDeployBundle } from './deploy-bundle.js';
import { healthTokenSecret } from './provision-steps.js';
import { canRunDocker, dockerCliBinary, importNodeBaseImage, startTestDockerEngine, type TestDockerEngine } from '../../../test-harness/console/docker-engine.js';
import { suiteTimings } from '../../../test-harness/console/suite-timings.js';
import { fixturesDir } from '../../../test-harness/shared-folder.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const unavailable =
  debianVpsUnavailableReason() ??
  (!canRunDocker ? 'needs root and dockerd (Debian docker.io) for the console-side engine' : null) ??
  (!pebbleBinary || !challtestsrvBinary ? 'needs Debian pebble' : null);
const VPS_INDEX = 3;
const domain = 'fresh.mediafleet.test';
const release = { image: 'mediafleet/agent:fresh-vps-1', version: '0.9.0-fresh.1' };
const AGENT_PORT = 18081;
const fixtures = fixturesDir;

describe.skipIf(unavailable)(`a fresh Debian 12 VPS with systemd, through the console contract${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let dir: string;
  let vps: DebianVps;
  let engine: TestDockerEngine;
  let pebble: PebbleServer;
  let core: ConsoleCore;
  let serverId: string;
  const { timings, timed } = suiteTimings();
  const runOperation = (method: string, input: unknown) => runContractOperation(core, method, input);
  const healthToken = async () => (await core.vault.get(healthTokenSecret(serverId)))!;
  /** What systemd says of units on the VPS, e.g. {docker: 'active'}; never throws. */
  const unitStates = (verb: 'is-active' | 'is-enabled', units: string[]) =>
    Object.fromEntries(units.map((u) => [u, vps.exec(`systemctl ${verb} ${u} 2>&1 || true`).trim()]));
  const installed = (pkgs: string[]) =>
    Object.fromEntries(pkgs.map((p) => [p, vps.exec(`dpkg-query -W -f='\${db:Status-Status}' ${p} 2>/dev/null || echo none`).trim()]));

  beforeAll(async () => {
    cleanupStaleDebianVps();
    dir = mkdtempSync(join(tmpdir(), 'mf-fresh-vps-'));
    vps = await timed('boot', () => startDebianVps({ index: VPS_INDEX }));
    // The console's own Docker engine, where the release is built; provisioning carries it to the server.
    engine = await startTestDockerEngine();
    await timed('baseImage', () => importNodeBaseImage(engine.docker));
    const context = prepareAgentBuildContext({ repoRoot, outDir: join(dir, 'context'), flavor: 'cpu', values: { domain, agentVersion: release.version, agentImage: release.image } });
    await timed('build', () => buildAgentImage(`unix://${engine.socketPath}`, context.dir, release.image, { dockerCli: dockerCliBinary }));
    rmSync(context.dir, { recursive: true, force: true });
    // Pebble listens on this machine's end of the VPS's veth and resolves every name to the VPS.
    pebble = await startPebble({ httpPort: 80, listenHost: vps.consoleSide, resolveTo: vps.address });
    core = createConsoleCore({
      storePath: join(dir, 'console.db'),
      vault: { kind: 'file', path: join(dir, 'vault.json'), passphrase: 'fresh-vps-test' },
      deploy: { localDocker: engine.docker, healthTimeoutMs: 240_000 },
      // No --no-verify-ssl: certbot does not keep that flag for renewals. The VPS trusts Pebble's endpoint
      // instead, as a real server trusts Let's Encrypt's through its CA bundle.
      ssl: { acmeServer: pebble.directoryUrl },
    });
    const endpointCa = readFileSync(pebble.endpointCaPath, 'utf8');
    vps.exec(`cat > /usr/local/share/ca-certificates/pebble-endpoint.crt <<'PEM'\n${endpointCa.trim()}\nPEM\nupdate-ca-certificates >/dev/null`);
    // The operator's agent settings (provisioning keeps an existing env file): one worker, no model warm-up,
    // so the health gate waits for the HTTP side only.
    vps.exec(`install -d -m 755 /etc/mediafleet && printf 'MEDIAFLEET_WORKERS=1\\nMEDIAFLEET_WARMUP=none\\n' > /etc/mediafleet/agent.env && chmod 600 /etc/mediafleet/agent.env`);
    // As a provider hands a server over: a sudoer with a password. The console installs its own key and
    // turns password logins off.
    serverId = (
      await core.fleet.addServer({ name: 'fresh-debian', host: vps.address, port: 22, user: vps.user, auth: { kind: 'generate', password: vps.password } })
    ).id;
    data(await core.invoke('deploy:set-settings', { serverId, settings: { domain, agentImage: release.image, agentVersion: release.version, agentPort: AGENT_PORT } }));
  }, 1_200_000);

  afterAll(async () => {
    await core?.close();
    await pebble?.stop();
    await vps?.stop();
    await engine?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log('fresh-debian-vps suite timings (ms):', JSON.stringify(timings));
  }, 300_000);

  it('provision:start installs Docker, nftables and nginx with apt, systemd runs them, and the agent answers through nginx', async () => {
    // The starting point: none of it is there.
    expect(installed(['docker.io', 'nftables', 'nginx', 'certbot'])).toEqual({ 'docker.io': 'none', nftables: 'none', nginx: 'none', certbot: 'none' });

    const first = await timed('provisionFirst', () => runOperation('provision:start', { serverId }));
    expect(first.run.status, JSON.stringify(first.events.slice(-6))).toBe('succeeded');
    expect(first.run.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['service-user', 'applied'],
      ['docker', 'applied'],
      ['firewall', 'applied'],
      ['deploy.upload-bundle', 'applied'],
      ['deploy.nginx', 'applied'],
      ['deploy.agent-image', 'applied'],
      ['deploy.start-agent', 'applied'],
      ['deploy.register-agent', 'applied'],
    ]);
    // apt really ran on the server, and the image came over SSH (docker load's own progress lines).
    const lines = first.events.map((e) => e.line ?? '').join('\n');
    expect(lines).toMatch(/Setting up docker\.io/);
    expect(lines).toMatch(/Setting up nftables/);
    expect(lines).toMatch(/Setting up nginx/);
    expect(installed(['docker.io', 'nftables', 'nginx'])).toEqual({ 'docker.io': 'installed', nftables: 'installed', nginx: 'installed' });
    expect(unitStates('is-active', ['docker', 'nginx'])).toEqual({ docker: 'active', nginx: 'active' });
    expect(unitStates('is-enabled', ['docker', 'nginx', 'nftables'])).toEqual({ docker: 'enabled', nginx: 'enabled', nftables: 'enabled' });
    expect(vps.exec('docker image ls --format "{{.Repository}}:{{.Tag}}"')).toContain(release.image);
    // The login user reached Docker through sudo; it was never put in the docker group.
    expect(vps.exec(`id -nG ${vps.user}`)).not.toMatch(/\bdocker\b/);

    // From outside: the agent through nginx on port 80; its own port and anything else dropped by the firewall.
    const health = await httpGet(`http://${vps.address}/v1/health`, { authorization: `Bearer ${await healthToken()}` });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ live: true, ready: true });
    expect(await tcpReachable(vps.address, AGENT_PORT)).toBe('filtered');
    expect(await tcpReachable(vps.address, 22)).toBe('open');

    const second = await timed('provisionSecond', () => runOperation('provision:start', { serverId }));
    expect(second.run.status).toBe('succeeded');
    expect(second.run.steps.filter((s) => !(s.status === 'satisfied' && s.alreadySatisfied))).toEqual([]);
  }, 1_200_000);

  it('ssl:enable installs certbot, serves the certificate, and the systemd timer renews it and reloads nginx', async () => {
    const rootPem = await pebble.issuingRootPem();
    const ok = await timed('sslEnable', () => runOperation('ssl:enable', { serverId, domain, email: 'ops@mediafleet.test' }));
    expect(ok.run.status, JSON.stringify(ok.events.slice(-5))).toBe('succeeded');
    expect(ok.events.map((e) => e.line ?? '').join('\n')).toMatch(/installing certbot/);
    expect(installed(['certbot'])).toEqual({ certbot: 'installed' });
    const issued = await servedCertificate(vps.address, domain, rootPem);
    expect(issued.authorized).toBe(true);
    expect(issued.san).toContain(`DNS:${domain}`);
    const overHttps = await httpsGet(vps.address, domain, '/v1/health', rootPem, { authorization: `Bearer ${await healthToken()}` });
    expect(overHttps.status).toBe(200);

    expect(unitStates('is-enabled', ['mediafleet-cert-renew.timer'])).toEqual({ 'mediafleet-cert-renew.timer': 'enabled' });
    expect(unitStates('is-active', ['mediafleet-cert-renew.timer'])).toEqual({ 'mediafleet-cert-renew.timer': 'active' });
    // certbot kept the reload as the certificate's deploy hook, so its own certbot.timer would reload too.
    expect(vps.exec(`cat /etc/letsencrypt/renewal/${domain}.conf`)).toMatch(/^renew_hook = systemctl reload nginx/m);

    // Time passing, said to certbot: treat a certificate with less than 100 years left as due. Then the unit
    // the timer starts runs once, as the timer would at 03:17.
    vps.exec(`sed -i '1i renew_before_expiry = 36500 days' /etc/letsencrypt/renewal/${domain}.conf`);
    await timed('renewUnit', async () => vps.exec('systemctl start mediafleet-cert-renew.service || true'));
    const journal = () => vps.exec('journalctl -u mediafleet-cert-renew.service --no-pager -n 40; tail -n 60 /var/log/letsencrypt/letsencrypt.log');
    expect(vps.exec('systemctl show -p Result --value mediafleet-cert-renew.service').trim(), journal()).toBe('success');
    // A new certificate is served without anyone touching nginx: the deploy hook reloaded it. `systemctl
    // reload nginx` returns once the master has the signal; its new workers take over a moment later, so a
    // connection made right away can still reach an old worker with the old certificate. Wait for the swap.
    let renewed = await servedCertificate(vps.address, domain, rootPem);
    for (const until = Date.now() + 20_000; renewed.serial === issued.serial && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 500));
      renewed = await servedCertificate(vps.address, domain, rootPem);
    }
    expect(renewed.authorized).toBe(true);
    expect(renewed.serial, journal()).not.toBe(issued.serial);
    vps.exec(`sed -i '/^renew_before_expiry = 36500 days$/d' /etc/letsencrypt/renewal/${domain}.conf`);

    // With HTTPS on, the next provisioning run renders the bundle's TLS site from the settings; nothing else.
    const again = await timed('provisionAfterTls', () => runOperation('provision:start', { serverId }));
    expect(again.run.status, JSON.stringify(again.events.slice(-5))).toBe('succeeded');
    expect(again.run.steps.filter((s) => s.status === 'applied').map((s) => s.stepId)).toEqual(['deploy.upload-bundle']);
  }, 600_000);

  it('without Docker, the agent runs under the systemd unit from deploy-templates, as the service user, and analyses an image', async () => {
    // The operator's install, done here by the test: the agent bundle (what the image holds: the agent's
    // sources and production packages) in an install dir, Node 20 beside it, the env file, the data dir.
    const native = {
      installDir: '/opt/mediafleet-agent', dataDir: '/var/lib/mediafleet-agent', envFilePath: '/etc/mediafleet/native-agent.env',
      nodePath: '/usr/local/bin/node', agentPort: 18090,
    };
    const context = prepareAgentBuildContext({ repoRoot, outDir: join(dir, 'native'), flavor: 'cpu', values: { domain, agentVersion: release.version, agentImage: release.image } });
    await timed('nativeCopy', async () => {
      execFileSync('cp', ['-a', join(context.dir, 'app'), join(vps.root, native.installDir)]);
      execFileSync('install', ['-m', '0755', process.execPath, join(vps.root, native.nodePath)]);
      execFileSync('install', ['-m', '0644', join(fixtures, 'images/messi5.jpg'), join(vps.root, 'root/messi5.jpg')]);
    });
    rmSync(context.dir, { recursive: true, force: true });
    const unit = renderDeployBundle({ domain, agentVersion: release.version, agentImage: release.image, ...native }).find((f) => f.path === 'systemd/mediafleet-agent.service')!;
    writeFileSync(join(vps.root, 'etc/systemd/system/mediafleet-agent.service'), unit.content);
    const cli = `${native.nodePath} ${native.installDir}/node_modules/tsx/dist/cli.mjs ${native.installDir}/agent/src/cli.ts`;
    vps.exec(
      `printf 'MEDIAFLEET_WORKERS=1\\nMEDIAFLEET_WARMUP=none\\n' > ${native.envFilePath} && chmod 600 ${native.envFilePath} && ` +
        `install -d -o mediafleet -g mediafleet -m 0750 ${native.dataDir}`,
    );
    const token = vps.exec(`runuser -u mediafleet -- ${cli} token create --scope admin --tenant ops --data ${native.dataDir}`).trim();
    expect(token).toMatch(/^mf_/);

    vps.exec('systemctl daemon-reload && systemctl enable --now mediafleet-agent');
    const curl = (path: string, extra = '') =>
      vps.exec(`curl -s -o /dev/stderr -w '%{http_code}' -H 'authorization: Bearer ${token}' ${extra} http://127.0.0.1:${native.agentPort}${path} 2>/root/reply.json; echo; cat /root/reply.json`);
    let reply = '';
    await timed('nativeReady', async () => {
      const until = Date.now() + 180_000;
      while (Date.now() < until && !(reply = curl('/v1/health?ready=1')).startsWith('200')) await new Promise((r) => setTimeout(r, 1000));
    });
    expect(reply, vps.exec('journalctl -u mediafleet-agent --no-pager -n 30')).toMatch(/^200/);
    const mainPid = vps.exec('systemctl show -p MainPID --value mediafleet-agent').trim();
    expect(vps.exec(`ps -o user= -p ${mainPid}`).trim()).toBe('mediafleet');

    // A real analysis under the unit's sandbox (read-only system, private /tmp, writes only to the data dir).
    reply = await timed('nativeAnalyze', async () => curl('/v1/analyze', `-F file=@/root/messi5.jpg -F analyses=faces`));
    expect(reply.split('\n')[0], reply).toBe('200');
    const result = JSON.parse(reply.slice(reply.indexOf('\n') + 1)) as { status?: string; faces?: unknown[]; result?: { faces?: unknown[] } };
    expect((result.faces ?? result.result?.faces ?? []).length, reply.slice(0, 400)).toBeGreaterThan(0);
  }, 600_000);

  it('after a reboot the firewall, Docker, nginx and the agent are back by themselves, and provisioning finds nothing to do', async () => {
    const rootPem = await pebble.issuingRootPem();
    vps.exec('nft flush ruleset');
    await timed('reboot', () => vps.reboot());
    // nftables.service loaded the rules from /etc/nftables.conf at boot (we flushed them just before).
    expect(vps.exec('nft list table inet mediafleet')).toContain('policy drop');
    expect(unitStates('is-active', ['docker', 'nginx', 'mediafleet-cert-renew.timer', 'mediafleet-agent'])).toEqual({
      docker: 'active', nginx: 'active', 'mediafleet-cert-renew.timer': 'active', 'mediafleet-agent': 'active',
    });
    // The agent container restarts with Docker (restart policy unless-stopped); models may still be loading.
    const deadline = Date.now() + 180_000;
    let last = { status: 0, body: '' };
    await timed('agentBack', async () => {
      while (Date.now() < deadline) {
        last = await httpsGet(vps.address, domain, '/v1/health', rootPem, { authorization: `Bearer ${await healthToken()}` }).catch((e: Error) => ({ status: 0, body: e.message }));
        if (last.status === 200) return;
        await new Promise((r) => setTimeout(r, 1000));
      }
    });
    expect(last.status, last.body).toBe(200);
    expect(await tcpReachable(vps.address, AGENT_PORT)).toBe('filtered');

    const again = await timed('provisionAfterReboot', () => runOperation('provision:start', { serverId }));
    expect(again.run.status, JSON.stringify(again.events.slice(-5))).toBe('succeeded');
    expect(again.run.steps.filter((s) => !(s.status === 'satisfied' && s.alreadySatisfied))).toEqual([]);
  }, 600_000);
  it('the compose stack from the bundle in cluster mode (agent, nginx, certbot, Redis) runs with Debian\'s Compose, answers through its nginx, and its jobs go through Redis', async () => {
    // The stack replaces what provisioning started: same ports (host networking).
    vps.exec(`systemctl disable --now nginx mediafleet-agent && docker ps -q --filter label=io.mediafleet.role=agent | xargs -r docker stop >/dev/null`);
    // Compose from Debian's archive (v1.29, what Debian 12 and Ubuntu 22.04 ship).
    await timed('composeInstall', async () => vps.exec('export DEBIAN_FRONTEND=noninteractive; apt-get install -y -q --no-install-recommends docker-compose >/dev/null'));
    // Stand-ins for nginx:1.27-bookworm, certbot/certbot and redis:7-bookworm (no registry here): Debian's own
    // nginx, certbot and redis-server on a Debian 12 root, built on the VPS with the network through its NAT.
    // Each offers what the stack uses of the official image: nginx reading conf.d/, certbot, redis-server on the
    // PATH with /data as its directory, and /bin/sh.
    execFileSync('cp', [debianVpsRootfsTarball, join(vps.root, 'root/debian12.tar')]);
    const standIns = {
      nginx: 'RUN apt-get update -q && apt-get install -y -q --no-install-recommends nginx && rm -f /etc/nginx/sites-enabled/default\nCMD ["nginx", "-g", "daemon off;"]',
      certbot: 'RUN apt-get update -q && apt-get install -y -q --no-install-recommends certbot\nENTRYPOINT ["certbot"]',
      redis: 'RUN apt-get update -q && apt-get install -y -q --no-install-recommends redis-server && mkdir -p /data\nWORKDIR /data\nCMD ["redis-server"]',
    };
    await timed('composeImages', async () => {
      vps.exec('docker import /root/debian12.tar mediafleet-test/debian:12 >/dev/null && rm /root/debian12.tar');
      for (const [name, steps] of Object.entries(standIns)) {
        execFileSync('mkdir', ['-p', join(vps.root, 'root', name)]);
        writeFileSync(join(vps.root, 'root', name, 'Dockerfile'), `FROM mediafleet-test/debian:12\n${steps}\n`);
        vps.exec(`docker build -q -t mediafleet-test/${name}:12 /root/${name} >/dev/null`);
      }
    });

    const adminToken = `mf_${'c0mp0se0test'}_${'A'.repeat(43)}`;
    const stackDir = '/opt/mediafleet-stack';
    const bundle = renderDeployBundle({
      domain, agentVersion: release.version, agentImage: release.image, agentPort: 18095,
      nginxImage: 'mediafleet-test/nginx:12', certbotImage: 'mediafleet-test/certbot:12',
      cluster: true, redisImage: 'mediafleet-test/redis:12', redisPort: 16379,
    });
    for (const f of bundle.filter((b) => b.path === 'compose.yaml' || b.path.startsWith('nginx/'))) {
      const target = join(vps.root, stackDir, f.path);
      execFileSync('mkdir', ['-p', dirname(target)]);
      writeFileSync(target, f.content, { mode: f.mode });
    }
    writeFileSync(join(vps.root, stackDir, 'agent.env'), `MEDIAFLEET_WORKERS=1\nMEDIAFLEET_WARMUP=none\nMEDIAFLEET_ADMIN_TOKEN=${adminToken}\n`, { mode: 0o600 });
    try {
      await timed('composeUp', async () => vps.exec(`cd ${stackDir} && docker-compose -p mediafleet up -d 2>&1`));
      const running = () => vps.exec(`docker ps --filter label=com.docker.compose.project=mediafleet --format '{{.Label "com.docker.compose.service"}}' | sort`).trim().split('\n');
      let health = { status: 0, body: '' };
      await timed('composeHealthy', async () => {
        const until = Date.now() + 180_000;
        while (Date.now() < until) {
          health = await httpGet(`http://${vps.address}/v1/health?ready=1`, { authorization: `Bearer ${adminToken}` }).catch((e: Error) => ({ status: 0, body: e.message }));
          if (health.status === 200) return;
          await new Promise((r) => setTimeout(r, 1000));
        }
      });
      expect(health.status, `${health.body}\n${vps.exec(`cd ${stackDir} && docker-compose -p mediafleet logs --tail 20 2>&1`)}`).toBe(200);
      expect(running()).toEqual(['agent', 'certbot', 'nginx', 'redis']);
      // Cluster mode: the agent found the stack's Redis, and a job sent through nginx went through the shared
      // queue (its BullMQ record is in Redis) and came back with its result.
      const clusterHealth = JSON.parse((await httpGet(`http://${vps.address}/v1/health`, { authorization: `Bearer ${adminToken}` })).body) as { cluster?: { connected: boolean; redis: string } };
      expect(clusterHealth.cluster).toMatchObject({ connected: true, redis: 'redis://127.0.0.1:16379' });
      const form = new FormData();
      form.append('analyses', 'nsfw');
      form.append('file', new Blob([readFileSync(join(fixtures, 'images/messi5.jpg'))]), 'messi5.jpg');
      const auth = { authorization: `Bearer ${adminToken}` };
      const accepted = await fetch(`http://${vps.address}/v1/jobs`, { method: 'POST', headers: auth, body: form });
      const jobId = ((await accepted.json()) as { id: string }).id;
      let job = { status: 'queued' };
      await timed('clusterJob', async () => {
        for (const until = Date.now() + 120_000; !['succeeded', 'failed'].includes(job.status) && Date.now() < until; ) {
          await new Promise((r) => setTimeout(r, 250));
          job = (await (await fetch(`http://${vps.address}/v1/jobs/${jobId}`, { headers: auth })).json()) as typeof job;
        }
      });
      expect(job.status, JSON.stringify(job)).toBe('succeeded');
      const redisKeys = vps.exec(`docker exec $(docker ps -q --filter label=com.docker.compose.service=redis) redis-cli -p 16379 --scan --pattern 'mediafleet:mediafleet:*'`);
      expect(redisKeys).toContain(`mediafleet:mediafleet:${jobId}`);
      // Redis listens on loopback only: not reachable from outside even if the firewall let it through.
      expect(await tcpReachable(vps.address, 16379)).not.toBe('open');
      // The agent itself is not reachable from outside, only through nginx.
      expect(await tcpReachable(vps.address, 18095)).toBe('filtered');
      // certbot's renewal loop ran once (nothing to renew in its empty volume) and is waiting, not restarting.
      expect(vps.exec(`docker inspect -f '{{.State.Status}} {{.RestartCount}}' $(docker ps -q --filter label=com.docker.compose.service=certbot)`).trim()).toBe('running 0');
    } finally {
      vps.exec(`cd ${stackDir} && docker-compose -p mediafleet down 2>&1 || true`);
    }
  }, 900_000);
  it('the Vast on-start script from the uploaded bundle starts the agent in its image with the admin token from the environment', async () => {
    // As Vast runs it: the image's own entrypoint replaced, the script run once, the container kept alive by
    // the platform (here `sleep`). The token arrives in the environment, never in the script. The CPU image
    // stands in for the GPU one (same /app layout); the idle, dead-man and spend-cap settings the script
    // exports are for the Vast.ai work and not read by the agent yet.
    const token = `mf_${'vastonstart0'}_${'B'.repeat(43)}`;
    const script = '/opt/mediafleet/vast/onstart.sh';
    expect(vps.exec(`stat -c %a ${script}`).trim()).toBe('755');
    vps.exec(
      `docker run -d --name vast-onstart --network host -e MEDIAFLEET_PORT=18096 -e MEDIAFLEET_WORKERS=1 -e MEDIAFLEET_WARMUP=none ` +
        `-e MEDIAFLEET_ADMIN_TOKEN=${token} -v ${script}:/onstart.sh:ro --entrypoint /bin/sh ${release.image} -c '/onstart.sh && exec sleep infinity' >/dev/null`,
    );
    try {
      let reply = '';
      await timed('vastReady', async () => {
        const until = Date.now() + 180_000;
        while (Date.now() < until) {
          // The script starts the agent with MEDIAFLEET_TLS=self-signed (a rented agent serves HTTPS with its own
          // certificate; the console pins it at pairing, see agent/src/pairing/): curl -k, as nothing here pins.
          reply = vps.exec(`curl -sk -w ' %{http_code}' -H 'authorization: Bearer ${token}' https://127.0.0.1:18096/v1/info || true`);
          if (reply.endsWith(' 200')) return;
          await new Promise((r) => setTimeout(r, 1000));
        }
      });
      expect(reply, vps.exec('docker logs --tail 20 vast-onstart 2>&1; docker exec vast-onstart tail -n 20 /data/agent.log 2>&1 || true')).toMatch(/ 200$/);
      // The agent logs to /data/agent.log (the instance's disk), and the token is nowhere in the script.
      expect(vps.exec('docker exec vast-onstart cat /data/agent.log')).toContain('agent listening');
      expect(vps.exec(`cat ${script}`)).not.toContain(token);
    } finally {
      vps.exec('docker rm -f vast-onstart >/dev/null 2>&1 || true');
    }
  }, 600_000);
});
