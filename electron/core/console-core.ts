// The console's core, assembled from its parts with their dependencies (store file, vault, clock). The
// Electron shell and the headless server both construct it and call `invoke` with a contract method name;
// neither holds domain logic of its own.
import type Docker from 'dockerode';
import { AuditLog } from './audit/audit-log.js';
import { AgentDirectory } from './benchmarks/agent-directory.js';
import { createBenchmarkHandlers } from './benchmarks/benchmark-handlers.js';
import { BenchmarkRepository } from './benchmarks/benchmark-repository.js';
import { BenchmarkService } from './benchmarks/benchmark-service.js';
import { consoleMethods } from './api.js';
import { ConsoleError, type Envelope } from './contracts/define.js';
import { createFacesHandlers } from './faces/faces-handlers.js';
import { FacesService } from './faces/faces-service.js';
import type { OperationKind } from './contracts/provision.js';
import { DeployService, type ImageSource } from './deploy/deploy-service.js';
import { DeploySettingsRepository } from './deploy/deploy-settings-repository.js';
import { AgentsRepository } from './fleet/agents-repository.js';
import { FleetService } from './fleet/fleet-service.js';
import { HealthMonitor } from './fleet/health/health-monitor.js';
import { ShellService } from './fleet/shell/shell-service.js';
import { ProvisionService } from './provision/provision-service.js';
import { FileVault } from './secrets/file-vault.js';
import { SafeStorageVault, type SafeStorageLike } from './secrets/safe-storage-vault.js';
import type { SecretVault } from './secrets/secret-vault.js';
import { CertificateRepository } from './ssl/certificate-repository.js';
import { HttpsService, type HttpsOptions } from './ssl/https-service.js';
import { openConsoleStore, type ConsoleDb } from './store/console-store.js';
import { createTokensHandlers } from './tokens/tokens-handlers.js';
import { TokensService } from './tokens/tokens-service.js';

export type VaultConfig =
  | { kind: 'file'; path: string; passphrase: string }
  | { kind: 'safe-storage'; path: string; safeStorage: SafeStorageLike; passphrase?: string }
  | { kind: 'instance'; vault: SecretVault };

export interface ConsoleCoreOptions {
  storePath: string;
  vault: VaultConfig;
  now?: () => Date;
  /** Health polling interval; polling starts with `health.start()` (the app and headless server call it). */
  healthIntervalMs?: number;
  deploy?: {
    /** This machine's Docker engine with the built agent images, for `docker save | docker load` deploys. */
    localDocker?: Docker;
    /** How long a new agent may take to become healthy before the deploy gives up (default 180 s). */
    healthTimeoutMs?: number;
  };
  /** ACME directory (default Let's Encrypt), issuance policy, renewal kind. */
  ssl?: HttpsOptions;
}

type Handler = (input: never) => unknown;

export interface ConsoleCore {
  db: ConsoleDb;
  vault: SecretVault;
  audit: AuditLog;
  fleet: FleetService;
  agents: AgentsRepository;
  provision: ProvisionService;
  deploy: DeployService;
  https: HttpsService;
  health: HealthMonitor;
  /** Terminals; forward `shells.events` ('data', 'exit') to the renderer as 'shell:data' / 'shell:exit'. */
  shells: ShellService;
  /** Agents for face search, benchmarks and token administration; the process running the built-in agent binds it with `useLocalAgent`. */
  agentDirectory: AgentDirectory;
  /** Agent benchmarks; `benchmarks.events` ('operation') carries their progress. */
  benchmarks: BenchmarkService;
  /** Registers the implementation of a contract method (features owned elsewhere plug in here). */
  handle(method: string, handler: Handler): void;
  /** Validates input and output against the contract and wraps the result in the error envelope. */
  invoke(method: string, input: unknown): Promise<Envelope<unknown>>;
  close(): Promise<void>;
}

function openVault(config: VaultConfig): SecretVault {
  if (config.kind === 'instance') return config.vault;
  if (config.kind === 'file') return FileVault.open({ path: config.path, passphrase: config.passphrase });
  return new SafeStorageVault({ safeStorage: config.safeStorage, path: config.path, passphrase: config.passphrase });
}

export function createConsoleCore(options: ConsoleCoreOptions): ConsoleCore {
  const now = options.now ?? (() => new Date());
  const db = openConsoleStore(options.storePath);
  const vault = openVault(options.vault);
  const audit = new AuditLog(db, now);
  const fleet = new FleetService({ db, vault, audit, now });
  const agents = new AgentsRepository(db, now);
  const provision = new ProvisionService({ db, vault, fleet, audit, now });
  provision.recoverInterruptedRuns();
  const deploySettings = new DeploySettingsRepository(db, now);
  const deploy = new DeployService({
    provision,
    fleet,
    settings: deploySettings,
    vault,
    audit,
    localDocker: options.deploy?.localDocker,
    healthTimeoutMs: options.deploy?.healthTimeoutMs,
  });
  // Servers with deploy settings get the deploy steps in their provisioning plan.
  provision.addStepSource((server) => deploy.provisionStepsFor(server));
  const https = new HttpsService({
    provision,
    fleet,
    deploySettings,
    certificates: new CertificateRepository(db, now),
    audit,
    now,
    options: options.ssl,
  });
  const health = new HealthMonitor({
    db,
    vault,
    audit,
    now: () => now().getTime(),
    intervalMs: options.healthIntervalMs ?? 5000,
    targets: { agents: () => agents.list(), servers: () => fleet.servers.list(), connect: (id) => fleet.connect(id) },
  });

  const shells = new ShellService({ connect: (id) => fleet.connect(id), audit });

  const handlers = new Map<string, (input: never) => unknown>();
  const on = <I>(method: string, handler: (input: I) => unknown) => handlers.set(method, handler as Handler);

  on('servers:add', (i: Parameters<FleetService['addServer']>[0]) => fleet.addServer(i));
  on('servers:list', () => fleet.listServers());
  on('servers:remove', async (i: { serverId: string }) => ({ removed: await fleet.removeServer(i.serverId) }));
  on('servers:public-key', (i: { serverId: string }) => fleet.publicKey(i.serverId));
  on('servers:test-connection', (i: { serverId: string }) => fleet.testConnection(i.serverId));
  on('servers:repin-host-key', (i: { serverId: string; fingerprint: string }) => {
    fleet.repinHostKey(i.serverId, i.fingerprint);
    return { ok: true };
  });
  on('servers:preflight', (i: { serverId: string }) => fleet.preflight(i.serverId));
  on('provision:start', (i: { serverId: string; options: unknown }) => provision.start(i.serverId, i.options));
  on('provision:resume', (i: { operationId: string }) => {
    const run = provision.status(i.operationId);
    return provision.start(run.serverId, undefined, i.operationId);
  });
  on('provision:cancel', (i: { operationId: string }) => ({ canceled: provision.cancel(i.operationId) }));
  on('provision:status', (i: { operationId: string }) => provision.status(i.operationId));
  on('provision:list', (i: { serverId?: string; kind: OperationKind | null }) => provision.list(i.serverId, i.kind));
  on('provision:events', (i: { operationId: string; afterSeq: number }) => provision.eventsSince(i.operationId, i.afterSeq));
  on('health:snapshot', () => health.snapshot());
  on('health:history', (i: { kind: 'server' | 'agent'; targetId: string; sinceMinutes: number }) =>
    health.history(i.kind, i.targetId, i.sinceMinutes),
  );
  on('alerts:list', (i: { openOnly: boolean }) => health.repo.alerts(i.openOnly));
  on('alerts:acknowledge', (i: { alertId: number }) => ({ ok: health.repo.acknowledge(i.alertId) }));
  on('shell:open', (i: { target: string; cols: number; rows: number }) => shells.open(i.target, i.cols, i.rows));
  on('shell:write', (i: { sessionId: string; data: string }) => {
    shells.write(i.sessionId, i.data);
    return { ok: true };
  });
  on('shell:resize', (i: { sessionId: string; cols: number; rows: number }) => {
    shells.resize(i.sessionId, i.cols, i.rows);
    return { ok: true };
  });
  on('shell:close', (i: { sessionId: string }) => ({ ok: shells.close(i.sessionId) }));
  on('deploy:get-settings', (i: { serverId: string }) => ({ settings: deploy.getSettings(i.serverId) }));
  on('deploy:set-settings', (i: { serverId: string; settings: unknown }) => ({ settings: deploy.setSettings(i.serverId, i.settings) }));
  on('deploy:agent', (i: { serverId: string; image: string; version: string; source: ImageSource }) => deploy.deploy(i));
  on('deploy:rollback', (i: { serverId: string }) => deploy.rollback(i.serverId));
  on('deploy:restart', (i: { serverId: string }) => deploy.restart(i.serverId));
  on('deploy:set-registry-credentials', async (i: { name: string; serveraddress: string; username: string; password: string }) => {
    await deploy.setRegistryCredentials(i);
    return { ok: true };
  });
  on('deploy:cancel', (i: { operationId: string }) => ({ canceled: provision.cancel(i.operationId) }));
  on('deploy:containers', async (i: { serverId: string }) => ({ containers: await deploy.containers(i.serverId) }));
  on('deploy:logs', async (i: { serverId: string; containerId?: string; tail: number }) => ({ text: await deploy.logs(i.serverId, i.containerId, i.tail) }));
  on('deploy:stats', (i: { serverId: string }) => deploy.stats(i.serverId));
  on('ssl:enable', (i: { serverId: string; domain: string; email: string; staging: boolean; forceRenewal: boolean }) => https.enable(i));
  on('ssl:status', (i: { serverId: string }) => https.status(i.serverId));
  on('audit:list', (i: { targetId?: string; limit: number; beforeId?: number }) => audit.list(i));
  const agentDirectory = new AgentDirectory({ agents, vault });
  const benchmarks = new BenchmarkService({ agents: agentDirectory, runs: new BenchmarkRepository(db), audit, now });
  for (const [method, handler] of Object.entries({
    ...createFacesHandlers(new FacesService(agentDirectory, audit)),
    ...createBenchmarkHandlers(benchmarks, agentDirectory),
    ...createTokensHandlers(new TokensService(agentDirectory, audit)),
  })) {
    handlers.set(method, handler as Handler);
  }

  return {
    db,
    vault,
    audit,
    fleet,
    agents,
    provision,
    deploy,
    https,
    health,
    shells,
    agentDirectory,
    benchmarks,
    handle: (method, handler) => handlers.set(method, handler),
    async invoke(method, rawInput) {
      const def = consoleMethods[method];
      const handler = handlers.get(method);
      if (!def || !handler) return { ok: false, error: { code: 'UNKNOWN_METHOD', message: `No console method ${method}.` } };
      const parsed = def.input.safeParse(rawInput);
      if (!parsed.success) return { ok: false, error: { code: 'INVALID_INPUT', message: parsed.error.message } };
      try {
        const result = await handler(parsed.data as never);
        return { ok: true, data: def.output.parse(result) };
      } catch (err) {
        if (err instanceof ConsoleError) return { ok: false, error: { code: err.code, message: err.message } };
        return { ok: false, error: { code: 'INTERNAL', message: (err as Error).message } };
      }
    },
    async close() {
      shells.closeAll();
      benchmarks.close();
      await health.stop();
      await provision.shutdown();
      db.close();
    },
  };
}
