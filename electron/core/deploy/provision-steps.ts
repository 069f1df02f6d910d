// The deploy feature's provisioning steps (see provision/provision-step.ts): upload the rendered bundle,
// bring the agent image onto the server, start the agent health-gated behind nginx, and register it with a
// fresh admin token. Each step checks the server first, so a second run changes nothing.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { ConsoleError } from '../contracts/define.js';
import { quoteArg } from '../fleet/ssh/shell-quote.js';
import type { ProvisionStep, StepContext } from '../provision/provision-step.js';
import { activeAgent, deployAgent, mintAgentToken, type AgentDeployConfig } from './agent-deployer.js';
import { pullImage, transferImage } from './agent-image.js';
import { parseDeployValues, renderDeployBundle, type DeployValues, type DeployValuesInput } from './deploy-bundle.js';
import { sshDeployTarget } from './ssh-deploy-target.js';
import { aptInstallScript } from '../provision/apt-install.js';

/** Where the server keeps nginx and Docker (DeploySettings minus the bundle values). */
export interface ServerLayout {
  nginxSiteConfPath: string;
  nginxTestCommand: string;
  nginxReloadCommand: string;
  dockerSocketPath: string;
}

export const defaultServerLayout: ServerLayout = {
  nginxSiteConfPath: '/etc/nginx/conf.d/mediafleet.conf',
  nginxTestCommand: 'nginx -t',
  nginxReloadCommand: 'systemctl reload nginx || nginx -s reload',
  dockerSocketPath: '/var/run/docker.sock',
};

/** The URL the console reaches the agent at: nginx on the domain, https once the site is on TLS. */
export function agentBaseUrl(values: Pick<DeployValues, 'domain' | 'tls' | 'httpPort' | 'httpsPort'>): string {
  const port = values.tls ? values.httpsPort : values.httpPort;
  const defaultPort = values.tls ? 443 : 80;
  return `${values.tls ? 'https' : 'http'}://${values.domain}${port === defaultPort ? '' : `:${port}`}`;
}

export interface DeployStepsConfig {
  values: DeployValuesInput;
  layout?: ServerLayout;
  healthTimeoutMs?: number;
  /** The console's own Docker engine holding the built image (save | load path)... */
  localDocker?: Docker;
  /** ...or a registry the server pulls from. */
  registryAuth?: { username: string; password: string; serveraddress: string };
  bundleDir?: string;
  /** Blue/green loopback ports for the agent. */
  ports?: [number, number];
}

export const healthTokenSecret = (serverId: string) => `agent:health-token:${serverId}`;

/** The deployer's configuration for a server, from its deploy values and layout. */
export function agentDeployConfig(
  values: DeployValuesInput,
  layout: ServerLayout = defaultServerLayout,
  extra: { ports?: [number, number]; healthTimeoutMs?: number } = {},
): AgentDeployConfig {
  const v = parseDeployValues(values);
  return {
    ports: extra.ports ?? [v.agentPort, v.agentPort + 1],
    dataVolume: 'mediafleet-agent-data',
    envFilePath: v.envFilePath,
    healthTimeoutMs: extra.healthTimeoutMs,
    nginx: { upstreamPath: v.upstreamConfPath, testCommand: layout.nginxTestCommand, reloadCommand: layout.nginxReloadCommand, publicPort: v.httpPort },
  };
}

function deployConfig(cfg: DeployStepsConfig): AgentDeployConfig & { bundleDir: string } {
  const v = parseDeployValues(cfg.values);
  return { ...agentDeployConfig(cfg.values, cfg.layout, cfg), bundleDir: cfg.bundleDir ?? v.installDir };
}

/** The server as the deployer sees it, over the step's SSH connection. */
export function stepDeployTarget(ctx: StepContext, layout: ServerLayout = defaultServerLayout) {
  return sshDeployTarget(ctx.conn.client, { sudo: ctx.conn.target.user === 'root' ? '' : 'sudo -n', dockerSocketPath: layout.dockerSocketPath });
}

function bundleDigest(cfg: DeployStepsConfig): string {
  const h = createHash('sha256');
  for (const f of renderDeployBundle(cfg.values)) h.update(`${f.path}\0${f.mode}\0${f.content}\0`);
  return h.digest('hex');
}

export function deployProvisionSteps(cfg: DeployStepsConfig): ProvisionStep[] {
  const values = parseDeployValues(cfg.values);
  const d = deployConfig(cfg);
  const release = { image: values.agentImage, version: values.agentVersion };
  const layout = cfg.layout ?? defaultServerLayout;
  const target = (ctx: StepContext) => stepDeployTarget(ctx, layout);
  const q = quoteArg;
  // Debian's nginx.conf names its pid file; a running master is what "nginx is up" means here.
  const nginxRunning = `pidf=$(sed -n 's/^[[:space:]]*pid[[:space:]]\\{1,\\}\\([^;]*\\);.*/\\1/p' /etc/nginx/nginx.conf 2>/dev/null | head -n1); ` +
    '[ -n "$pidf" ] && [ -s "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null';

  const uploadBundle: ProvisionStep = {
    id: 'deploy.upload-bundle',
    title: 'Upload the deploy bundle (compose, nginx, systemd, Dockerfiles)',
    async check(ctx) {
      const r = await ctx.runAsRoot(`cat ${d.bundleDir}/.bundle-sha256 2>/dev/null || true`, { quiet: true });
      const want = bundleDigest(cfg);
      return { satisfied: r.stdout.trim() === want, detail: r.stdout.trim() ? 'bundle differs' : 'no bundle yet' };
    },
    async apply(ctx) {
      for (const f of renderDeployBundle(cfg.values)) {
        const path = `${d.bundleDir}/${f.path}`;
        await ctx.runAsRoot(`mkdir -p "$(dirname '${path}')"`, { check: true, quiet: true });
        await ctx.writeFileAsRoot(path, f.content, f.mode.toString(8).padStart(4, '0'));
      }
      // nginx: the site and the upstream the deployer rewrites; the env file exists (0600) but holds no
      // secret the console must know: tokens live in the agent's own database.
      await ctx.runAsRoot(
        [
          `mkdir -p "$(dirname '${values.upstreamConfPath}')" '${values.acmeWebroot}' "$(dirname '${values.envFilePath}')" "$(dirname ${q(layout.nginxSiteConfPath)})"`,
          `[ -f '${values.upstreamConfPath}' ] || cp '${d.bundleDir}/nginx/upstream.conf' '${values.upstreamConfPath}'`,
          `cp '${d.bundleDir}/nginx/mediafleet.conf' ${q(layout.nginxSiteConfPath)}`,
          `[ -f '${values.envFilePath}' ] || install -m 0600 /dev/null '${values.envFilePath}'`,
        ].join(' && '),
        { check: true },
      );
      // A running nginx picks up the new site now (a refused config fails the step with nginx's words).
      await ctx.runAsRoot(`if ${nginxRunning}; then ${layout.nginxTestCommand} && { ${layout.nginxReloadCommand}; }; fi`, { check: true });
      await ctx.writeFileAsRoot(`${d.bundleDir}/.bundle-sha256`, bundleDigest(cfg) + '\n', '0644');
    },
  };

  const nginx: ProvisionStep = {
    id: 'deploy.nginx',
    title: 'nginx installed and running, Debian default site off',
    async check(ctx) {
      const r = await ctx.runAsRoot(
        `command -v nginx >/dev/null || { echo 'nginx missing'; exit 1; }; ` +
          `[ ! -e /etc/nginx/sites-enabled/default ] || { echo 'default site enabled'; exit 1; }; ` +
          `${nginxRunning} || { echo 'nginx not running'; exit 1; }`,
        { quiet: true },
      );
      return { satisfied: r.code === 0, detail: r.code === 0 ? 'nginx serves the Mediafleet site' : r.stdout.trim() };
    },
    async apply(ctx) {
      await ctx.runAsRoot(
        [
          'set -e',
          `if ! command -v nginx >/dev/null; then ${aptInstallScript(['nginx'])}; fi`,
          // The stock default_server site would answer for every name on :80, including the agent's checks.
          'rm -f /etc/nginx/sites-enabled/default',
          layout.nginxTestCommand,
          `if ${nginxRunning}; then ${layout.nginxReloadCommand}`,
          'elif [ -d /run/systemd/system ]; then systemctl enable --now nginx',
          'else nginx; fi',
        ].join('\n'),
        { check: true, timeoutMs: 10 * 60_000 },
      );
    },
  };

  const bringImage: ProvisionStep = {
    id: 'deploy.agent-image',
    title: `Bring the agent image ${release.image} onto the server`,
    async check(ctx) {
      const ok = await target(ctx).docker.getImage(release.image).inspect().then(() => true, () => false);
      return { satisfied: ok, detail: ok ? 'image present' : 'image missing' };
    },
    async apply(ctx) {
      const t = target(ctx);
      if (cfg.localDocker) {
        await transferImage(cfg.localDocker, release.image, t, {
          signal: ctx.signal,
          onProgress: (p) => p.bytes && ctx.progress(p.progress ?? 0, `sent ${Math.round(p.bytes / 1e6)} MB of ~${Math.round((p.totalBytes ?? 0) / 1e6)} MB`),
        });
      } else {
        await pullImage(t.docker, release.image, { signal: ctx.signal, auth: cfg.registryAuth, onProgress: (p) => p.line && ctx.log(p.line) });
      }
    },
  };

  const startAgent: ProvisionStep = {
    id: 'deploy.start-agent',
    title: `Start agent ${release.version} behind nginx (health-gated)`,
    async check(ctx) {
      const t = target(ctx);
      const active = await activeAgent(t.docker);
      if (!active || active.version !== release.version) return { satisfied: false, detail: active ? `running ${active.version}` : 'no agent running' };
      const token = await ctx.vault.get(healthTokenSecret(ctx.server.id));
      const r = await t.httpGet(d.nginx.publicPort, '/v1/health', token ? { authorization: `Bearer ${token}` } : {}).catch(() => ({ status: 0 }));
      return { satisfied: r.status === 200, detail: `health through nginx: ${r.status}` };
    },
    async apply(ctx) {
      const healthToken = (await ctx.vault.get(healthTokenSecret(ctx.server.id))) ?? undefined;
      const r = await deployAgent(target(ctx), { ...d, healthToken }, release, {
        signal: ctx.signal,
        onProgress: (p) => (p.progress !== null ? ctx.progress(p.progress, p.line) : p.line && ctx.log(p.line)),
      });
      if (r.mintedHealthToken) await ctx.vault.set(healthTokenSecret(ctx.server.id), r.mintedHealthToken);
    },
  };

  const registerAgent: ProvisionStep = {
    id: 'deploy.register-agent',
    title: 'Register the agent with a fresh admin token',
    async check(ctx) {
      const agents = ctx.agents.forServer(ctx.server.id);
      const expected = agentBaseUrl(values);
      if (agents.length === 0 || !(await ctx.vault.has(`agent:admin-token:${agents[0].id}`))) return { satisfied: false, detail: 'not registered' };
      // After HTTPS is turned on the console must use https: nginx redirects plain HTTP, and a redirected POST loses its body.
      if (agents[0].baseUrl !== expected) return { satisfied: false, detail: `agent ${agents[0].id} registered at ${agents[0].baseUrl}, expected ${expected}` };
      return { satisfied: true, detail: `agent ${agents[0].id} at ${expected}` };
    },
    async apply(ctx) {
      const t = target(ctx);
      const active = await activeAgent(t.docker);
      if (!active) throw new ConsoleError('AGENT_NOT_RUNNING', 'no agent container is running on this server');
      // all-tenants: the console manages every tenant's tokens on the agent (an admin token only its own tenant's).
      const adminToken = await mintAgentToken(t.docker, active.id, 'all-tenants', 'mediafleet-console', 'console admin');
      const baseUrl = agentBaseUrl(values);
      const { agentId } = await ctx.registerAgent({ name: `${ctx.server.name ?? values.domain} agent`, baseUrl, adminToken });
      ctx.log(`registered agent ${agentId} at ${baseUrl}`);
    },
  };

  return [uploadBundle, nginx, bringImage, startAgent, registerAgent];
}
