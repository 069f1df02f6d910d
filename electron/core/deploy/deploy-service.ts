// The deploy feature behind the console contract: per-server deploy settings, deploy/upgrade, rollback and
// restart as operations (the provisioning machinery: same per-server lock, events, cancel), container
// listing, logs and stats over a fresh SSH connection, and the deploy steps of the provisioning plan.
import type Docker from 'dockerode';
import type { AuditLog } from '../audit/audit-log.js';
import { ConsoleError } from '../contracts/define.js';
import type { DeploySettings } from '../contracts/deploy.js';
import type { FleetService } from '../fleet/fleet-service.js';
import type { ServerRecord } from '../fleet/servers-repository.js';
import { closeSshConnection } from '../fleet/ssh/ssh-connection.js';
import type { ProvisionService } from '../provision/provision-service.js';
import type { ProvisionStep, StepContext } from '../provision/provision-step.js';
import type { SecretVault } from '../secrets/secret-vault.js';
import {
  activeAgent,
  agentLogs,
  agentStats,
  deployAgent,
  listAgentContainers,
  restartAgent,
  rollbackAgent,
  type AgentContainer,
  type AgentStats,
} from './agent-deployer.js';
import { pullImage, transferImage } from './agent-image.js';
import { deployValuesOf, validateDeploySettings, type DeploySettingsRepository } from './deploy-settings-repository.js';
import { agentDeployConfig, defaultServerLayout, deployProvisionSteps, healthTokenSecret, stepDeployTarget, type ServerLayout } from './provision-steps.js';
import { sshDeployTarget } from './ssh-deploy-target.js';

/**
 * Deployer progress into the operation's events: a fraction (mapped into [from, to] of the step) where the
 * deployer knows one, else a log line.
 */
export function reportTo(ctx: StepContext, p: { progress: number | null; line?: string }, [from, to]: [number, number] = [0, 1]): void {
  if (p.progress !== null) ctx.progress(from + p.progress * (to - from), p.line);
  else if (p.line) ctx.log(p.line);
}

/** Registry credentials live in the vault as JSON {username, password, serveraddress}, under this name. */
export const registryCredentialSecret = (name: string) => `registry:credentials:${name}`;

export type ImageSource = { kind: 'transfer' } | { kind: 'registry'; credentialName?: string };

export interface DeployServiceDeps {
  provision: ProvisionService;
  fleet: FleetService;
  settings: DeploySettingsRepository;
  vault: SecretVault;
  audit: AuditLog;
  /** The console machine's Docker engine holding built agent images (the save | load path). */
  localDocker?: Docker;
  /** How long a new agent may take to answer /v1/health?ready=1. */
  healthTimeoutMs?: number;
}

function layoutOf(s: DeploySettings): ServerLayout {
  return {
    nginxSiteConfPath: s.nginxSiteConfPath,
    nginxTestCommand: s.nginxTestCommand,
    nginxReloadCommand: s.nginxReloadCommand,
    dockerSocketPath: s.dockerSocketPath,
  };
}

export class DeployService {
  constructor(private readonly deps: DeployServiceDeps) {}

  getSettings(serverId: string): DeploySettings | null {
    this.deps.fleet.requireServer(serverId);
    return this.deps.settings.get(serverId);
  }

  setSettings(serverId: string, input: unknown): DeploySettings {
    this.deps.fleet.requireServer(serverId);
    const saved = this.deps.settings.set(serverId, input);
    this.deps.audit.record('deploy.settings-saved', serverId, { domain: saved.domain, agentImage: saved.agentImage, agentVersion: saved.agentVersion });
    return saved;
  }

  /** Saved to the vault only; the audit entry names the registry, never the secret. */
  async setRegistryCredentials(c: { name: string; serveraddress: string; username: string; password: string }): Promise<void> {
    await this.deps.vault.set(registryCredentialSecret(c.name), JSON.stringify({ serveraddress: c.serveraddress, username: c.username, password: c.password }));
    this.deps.audit.record('registry.credentials-saved', null, { name: c.name, serveraddress: c.serveraddress, username: c.username });
  }

  private requireSettings(serverId: string): DeploySettings {
    this.deps.fleet.requireServer(serverId);
    const s = this.deps.settings.get(serverId);
    if (!s) {
      throw new ConsoleError('DEPLOY_SETTINGS_MISSING', 'This server has no deploy settings yet: save its domain and agent image in its Deploy panel first.');
    }
    return s;
  }

  private configFor(s: DeploySettings) {
    return agentDeployConfig(deployValuesOf(s), layoutOf(s), { healthTimeoutMs: this.deps.healthTimeoutMs });
  }

  /** The deploy steps of the provisioning plan, for servers that have deploy settings. */
  provisionStepsFor(server: ServerRecord): ProvisionStep[] {
    const s = this.deps.settings.get(server.id);
    if (!s) return [];
    return deployProvisionSteps({
      values: deployValuesOf(s),
      layout: layoutOf(s),
      localDocker: this.deps.localDocker,
      healthTimeoutMs: this.deps.healthTimeoutMs,
    });
  }

  /** After a deploy or rollback the settings name what runs, so re-provisioning keeps that version. */
  private recordRunningRelease(serverId: string, release: { image: string; version: string }): void {
    const s = this.deps.settings.get(serverId);
    if (!s || (s.agentImage === release.image && s.agentVersion === release.version)) return;
    this.deps.settings.set(serverId, { ...s, agentImage: release.image, agentVersion: release.version });
  }

  /** Puts the image on the server unless it is there; true when it had to be brought. */
  private async bringImage(ctx: StepContext, image: string, source: ImageSource, layout: ServerLayout): Promise<boolean> {
    const target = stepDeployTarget(ctx, layout);
    if (await target.docker.getImage(image).inspect().then(() => true, () => false)) {
      ctx.log(`image ${image} is already on the server`);
      return false;
    }
    if (source.kind === 'transfer') {
      if (!this.deps.localDocker) {
        throw new ConsoleError('IMAGE_SOURCE_MISSING', `image ${image} is not on the server and this console has no Docker engine to send it from; deploy from a registry instead.`);
      }
      await transferImage(this.deps.localDocker, image, target, {
        signal: ctx.signal,
        // The image is the first half of a deploy that has to bring it.
        onProgress: (p) => p.bytes && reportTo(ctx, { progress: p.progress, line: `sent ${Math.round(p.bytes / 1e6)} MB of ~${Math.round((p.totalBytes ?? 0) / 1e6)} MB` }, [0, 0.5]),
      });
      return true;
    }
    let auth: { username: string; password: string; serveraddress: string } | undefined;
    if (source.credentialName) {
      const raw = await ctx.vault.get(registryCredentialSecret(source.credentialName));
      if (!raw) throw new ConsoleError('REGISTRY_CREDENTIAL_MISSING', `no registry credentials named "${source.credentialName}" in the vault; add them first.`);
      auth = JSON.parse(raw) as typeof auth;
    }
    await pullImage(target.docker, image, { signal: ctx.signal, auth, onProgress: (p) => reportTo(ctx, p, [0, 0.5]) });
    return true;
  }

  deploy(input: { serverId: string; image: string; version: string; source: ImageSource }): { operationId: string } {
    const settings = this.requireSettings(input.serverId);
    // The release must render into a valid bundle too (image reference, version).
    validateDeploySettings({ ...settings, agentImage: input.image, agentVersion: input.version });
    const layout = layoutOf(settings);
    const cfg = this.configFor(settings);
    const release = { image: input.image, version: input.version };
    const step: ProvisionStep = {
      id: 'deploy.release',
      title: `Deploy agent ${release.version} (${release.image}), health-gated`,
      check: async (ctx) => {
        const active = await activeAgent(stepDeployTarget(ctx, layout).docker);
        const same = active?.version === release.version && active.image === release.image;
        return { satisfied: same, detail: active ? `serving ${active.version} (${active.image})` : 'no agent running' };
      },
      apply: async (ctx) => {
        const brought = await this.bringImage(ctx, release.image, input.source, layout);
        const healthToken = (await ctx.vault.get(healthTokenSecret(ctx.server.id))) ?? undefined;
        const r = await deployAgent(stepDeployTarget(ctx, layout), { ...cfg, healthToken }, release, {
          signal: ctx.signal,
          onProgress: (p) => reportTo(ctx, p, brought ? [0.5, 1] : [0, 1]),
        });
        if (r.mintedHealthToken) await ctx.vault.set(healthTokenSecret(ctx.server.id), r.mintedHealthToken);
        this.recordRunningRelease(ctx.server.id, release);
      },
    };
    return this.deps.provision.startServerOperation(input.serverId, 'deploy', [step], { image: release.image, version: release.version, source: input.source.kind });
  }

  rollback(serverId: string): { operationId: string } {
    const settings = this.requireSettings(serverId);
    const layout = layoutOf(settings);
    const cfg = this.configFor(settings);
    let rolledBackTo: AgentContainer | undefined;
    const step: ProvisionStep = {
      id: 'deploy.rollback',
      title: 'Roll back to the previous agent version, health-gated',
      // Always an action: there is no end state to find already in place.
      check: async () => ({ satisfied: false }),
      apply: async (ctx) => {
        const healthToken = (await ctx.vault.get(healthTokenSecret(ctx.server.id))) ?? undefined;
        const r = await rollbackAgent(stepDeployTarget(ctx, layout), { ...cfg, healthToken }, { signal: ctx.signal, onProgress: (p) => reportTo(ctx, p) });
        rolledBackTo = r.container;
        this.recordRunningRelease(ctx.server.id, { image: r.container.image, version: r.container.version });
      },
      verify: async (ctx) => {
        const active = await activeAgent(stepDeployTarget(ctx, layout).docker);
        return { satisfied: Boolean(active && active.id === rolledBackTo?.id), detail: active ? `serving ${active.version}` : 'no agent running' };
      },
    };
    return this.deps.provision.startServerOperation(serverId, 'rollback', [step]);
  }

  restart(serverId: string): { operationId: string } {
    const settings = this.requireSettings(serverId);
    const layout = layoutOf(settings);
    const cfg = this.configFor(settings);
    const step: ProvisionStep = {
      id: 'deploy.restart',
      title: 'Restart the agent and wait until it is healthy',
      check: async () => ({ satisfied: false }),
      apply: async (ctx) => {
        const healthToken = (await ctx.vault.get(healthTokenSecret(ctx.server.id))) ?? undefined;
        await restartAgent(stepDeployTarget(ctx, layout), { ...cfg, healthToken }, { signal: ctx.signal, onProgress: (p) => reportTo(ctx, p) });
      },
      verify: async (ctx) => {
        const active = await activeAgent(stepDeployTarget(ctx, layout).docker);
        return { satisfied: Boolean(active), detail: active ? `serving ${active.version}` : 'no agent running' };
      },
    };
    return this.deps.provision.startServerOperation(serverId, 'restart', [step]);
  }

  /** Opens an SSH connection for one read, closes it afterwards. */
  private async withDocker<T>(serverId: string, read: (docker: Docker) => Promise<T>): Promise<T> {
    const server = this.deps.fleet.requireServer(serverId);
    const saved = this.deps.settings.get(serverId);
    const layout = saved ? layoutOf(saved) : defaultServerLayout;
    const conn = await this.deps.fleet.connect(server.id);
    try {
      const target = sshDeployTarget(conn.client, { sudo: conn.target.user === 'root' ? '' : 'sudo -n', dockerSocketPath: layout.dockerSocketPath });
      return await read(target.docker);
    } catch (err) {
      if (err instanceof ConsoleError) throw err;
      throw new ConsoleError('DOCKER_UNREACHABLE', `cannot talk to Docker on the server (${(err as Error).message}); is Docker installed and running? Provisioning installs it.`);
    } finally {
      closeSshConnection(conn);
    }
  }

  containers(serverId: string): Promise<AgentContainer[]> {
    return this.withDocker(serverId, (docker) => listAgentContainers(docker));
  }

  logs(serverId: string, containerId: string | undefined, tail: number): Promise<string> {
    return this.withDocker(serverId, async (docker) => {
      const all = await listAgentContainers(docker);
      const chosen = containerId ? all.find((c) => c.id === containerId || c.id.startsWith(containerId) || c.name === containerId) : all.find((c) => c.running);
      if (!chosen) {
        throw new ConsoleError(
          containerId ? 'CONTAINER_NOT_FOUND' : 'AGENT_NOT_RUNNING',
          containerId ? `no agent container ${containerId} on this server` : 'no agent container is running on this server; deploy one first',
        );
      }
      return agentLogs(docker, chosen.id, tail);
    });
  }

  stats(serverId: string): Promise<AgentStats> {
    return this.withDocker(serverId, async (docker) => {
      const active = await activeAgent(docker);
      if (!active) throw new ConsoleError('AGENT_NOT_RUNNING', 'no agent container is running on this server; deploy one first');
      return agentStats(docker, active.id);
    });
  }
}
