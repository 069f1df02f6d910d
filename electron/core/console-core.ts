// The console's core, assembled from its parts with their dependencies (store file, vault, clock, the built-in
// agent). The Electron shell, the headless server and the command line all construct it and call `invoke`
// with a contract method name; none of them holds domain logic of its own. Each feature registers its methods
// (`register…Methods(registry, deps)`), so this file is the list of features and what they are given.
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { consoleMethods } from './api.js';
import type { Envelope } from './contracts/define.js';
import { localAgentEvent } from './contracts/agents.js';
import { analysisEvent } from './contracts/analyze.js';
import { budgetAlertEvent } from './contracts/costs.js';
import { operationEvent } from './contracts/operations.js';
import { batchEvent, requestEvent } from './contracts/requests.js';
import { shellDataEvent, shellExitEvent } from './contracts/shell.js';
import { AgentDirectory, localAgentId } from './agents/agent-directory.js';
import { AgentRegistration } from './agents/agent-registration.js';
import { registerAgentMethods } from './agents/agents-methods.js';
import { AnalysisService } from './analyze/analysis-service.js';
import { registerAnalyzeMethods } from './analyze/analyze-methods.js';
import { anyLocalPath, type SubmitPathPolicy } from './analyze/submit-path-policy.js';
import { AuditLog } from './audit/audit-log.js';
import { registerAuditMethods } from './audit/audit-methods.js';
import { registerAutoscaleMethods } from './autoscale/autoscale-methods.js';
import { AutoscaleService } from './autoscale/autoscale-service.js';
import { expectedBacklog } from './dispatch/backlog.js';
import { registerCostsMethods } from './costs/costs-methods.js';
import { rentalsMeterSource } from './vast/rentals-meter-source.js';
import { CostsService } from './costs/costs-service.js';
import type { GpuMeterSource } from './costs/gpu-meter-source.js';
import type { WebhookPost } from './costs/budget.js';
import { registerBenchmarkMethods } from './benchmarks/benchmark-methods.js';
import { BenchmarkRepository } from './benchmarks/benchmark-repository.js';
import { BenchmarkService } from './benchmarks/benchmark-service.js';
import { registerDeployMethods } from './deploy/deploy-methods.js';
import { Dispatcher, type DispatchAgent, type DispatchRequest } from './dispatch/dispatcher.js';
import { FleetAgents } from './dispatch/fleet-agents.js';
import { DeployService } from './deploy/deploy-service.js';
import { DeploySettingsRepository } from './deploy/deploy-settings-repository.js';
import { defaultLocalDocker } from './deploy/local-docker.js';
import { templatesDir } from './deploy/render-templates.js';
import { registerFacesMethods } from './faces/faces-methods.js';
import { registerGpuImageMethods } from './gpu-image/gpu-image-methods.js';
import { GpuImageRepository } from './gpu-image/gpu-image-repository.js';
import { GpuImageService } from './gpu-image/gpu-image-service.js';
import { FacesService } from './faces/faces-service.js';
import { AgentsRepository } from './fleet/agents-repository.js';
import { FleetService } from './fleet/fleet-service.js';
import { registerHealthMethods } from './fleet/health/health-methods.js';
import { HealthMonitor } from './fleet/health/health-monitor.js';
import { registerServerMethods } from './fleet/servers-methods.js';
import { registerShellMethods } from './fleet/shell/shell-methods.js';
import { ShellService } from './fleet/shell/shell-service.js';
import { LocalAgent, type LocalAgentOptions } from './local-agent/local-agent.js';
import { ModelPullService } from './models/model-pull-service.js';
import { registerModelMethods } from './models/models-methods.js';
import { OperationEngine } from './operations/operation-engine.js';
import { registerOperationMethods } from './operations/operations-methods.js';
import { registerProvisionMethods } from './provision/provision-methods.js';
import { ProvisionService } from './provision/provision-service.js';
import { EventHub } from './registry/event-hub.js';
import { RequestRepository } from './requests/request-repository.js';
import { RequestRunner } from './requests/request-runner.js';
import { RequestService } from './requests/request-service.js';
import { registerRequestMethods } from './requests/requests-methods.js';
import { MethodRegistry, type CallerContext, type InternalErrorLog } from './registry/method-registry.js';
import { FileVault } from './secrets/file-vault.js';
import { SafeStorageVault, type SafeStorageLike } from './secrets/safe-storage-vault.js';
import type { SecretVault } from './secrets/secret-vault.js';
import { CertificateRepository } from './ssl/certificate-repository.js';
import { registerHttpsMethods } from './ssl/https-methods.js';
import { HttpsService, type HttpsOptions } from './ssl/https-service.js';
import { ConsoleSettings } from './store/console-settings.js';
import { openConsoleStore, type ConsoleDb } from './store/console-store.js';
import { registerTokensMethods } from './tokens/tokens-methods.js';
import { TokensService } from './tokens/tokens-service.js';
import { RentalService, type RentalServiceDeps } from './vast/rental-service.js';
import { VastAccountService } from './vast/vast-account-service.js';
import { VastImageSettings } from './vast/vast-image-settings.js';
import { registerVastMethods } from './vast/vast-methods.js';

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
    /**
     * This machine's Docker engine: it builds and pushes the GPU image and, when given here, holds the agent images
     * `docker save | docker load` deploys send. Default for the GPU image: dockerode's (DOCKER_HOST, else the
     * local socket), connected only when an operation needs it.
     */
    localDocker?: Docker;
    /** How long a new agent may take to become healthy before the deploy gives up (default 180 s). */
    healthTimeoutMs?: number;
  };
  /** Building the GPU agent image: the sources and packages it bundles, where its context goes, the docker CLI. */
  gpuImage?: {
    /** Default: the directory above deploy-templates/ (the repository root, or the installed app). */
    sourceRoot?: string;
    workDir?: string;
    dockerCli?: string;
  };
  /** ACME directory (default Let's Encrypt), issuance policy, renewal kind. */
  ssl?: HttpsOptions;
  /** The built-in "This computer" agent; omitted: this console runs none (face search etc. then need a server's). */
  localAgent?: Omit<LocalAgentOptions, 'onStateChange'> & { startNow?: boolean };
  /** Which files may be submitted for analysis (default: any file on this computer). */
  allowSubmitPath?: SubmitPathPolicy;
  /** A malformed event payload: 'throw' at its sender (tests) or 'log' and drop it (default). */
  onInvalidEvent?: 'throw' | 'log';
  /** Where unexpected errors behind the contract are logged (default: stderr). */
  logInternalError?: InternalErrorLog;
  /** Kept copies of what agents serve (keyframe thumbnails); default: `cache/` beside the store. */
  cacheDir?: string;
  requests?: {
    /** Send and follow requests in this process (default true; the command line's one-shot commands say false). */
    run?: boolean;
    /** Only this batch (the command line working on the batch it submitted). */
    onlyBatch?: string;
    /** Whether a per-second (rented) agent may take a request: the budget's rule plugs in here. */
    allowCost?: (agent: DispatchAgent, request: DispatchRequest) => boolean;
    /** Timing of the runner (tests shorten them). */
    leaseMs?: number;
    idleMs?: number;
    pollMs?: number;
    unreachableGraceMs?: number;
  };
  costs?: {
    /** The GPU rentals the ledger meters (the rentals table, once wired); none by default. */
    gpuMeters?: GpuMeterSource;
    /** How often the ledger ticks once `costs.start()` is called (default 10 s). */
    tickMs?: number;
    postWebhook?: WebhookPost;
  };
  /** Vast.ai rentals (the key comes from the vault); the reconcile runs once `rentals.startReconcile()` is called. */
  vast?: Pick<RentalServiceDeps, 'clientFor' | 'clientOptions' | 'timings' | 'agent' | 'onReconcileError' | 'idle'>;
}

export interface ConsoleCore {
  db: ConsoleDb;
  vault: SecretVault;
  audit: AuditLog;
  fleet: FleetService;
  agents: AgentsRepository;
  operations: OperationEngine;
  provision: ProvisionService;
  deploy: DeployService;
  https: HttpsService;
  health: HealthMonitor;
  shells: ShellService;
  /** Agents for face search, benchmarks, tokens, model pulls and analysis. */
  agentDirectory: AgentDirectory;
  benchmarks: BenchmarkService;
  /** The GPU agent image: publishing it, and the reference a rental gives Vast. */
  gpuImage: GpuImageService;
  /** The GPU image and registry login rentals use (Settings → GPUs; set by a publish too). */
  vastImageSettings: VastImageSettings;
  analysis: AnalysisService;
  localAgent: LocalAgent | null;
  dispatcher: Dispatcher;
  fleetAgents: FleetAgents;
  requests: RequestService;
  runner: RequestRunner;
  /** The money ledger and budget; ticking starts with `costs.start()` (the app and headless server call it). */
  costs: CostsService;
  settings: ConsoleSettings;
  /** The automatic scaler; its loop runs once `autoscale.start()` is called (an operator's console: the app and the headless server). */
  autoscale: AutoscaleService;
  /** Vast.ai rentals; `rentals.startReconcile()` (the app and the headless server call it) reconciles now and periodically. */
  rentals: RentalService;
  /** Every event for the renderers (operations, analysis, terminals, the built-in agent). */
  events: EventHub;
  registry: MethodRegistry;
  /** Runs one contract call through the registry's pipeline (validation, handler, envelope). */
  invoke(method: string, input: unknown, caller?: CallerContext): Promise<Envelope<unknown>>;
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
  const events = new EventHub({ onInvalid: options.onInvalidEvent });
  const audit = new AuditLog(db, now);
  const operations = new OperationEngine({ db, audit, now });
  operations.events.on('operation', (event) => events.publish(operationEvent, event));
  const fleet = new FleetService({ db, vault, audit, now });
  const agents = new AgentsRepository(db, now);
  const provision = new ProvisionService({ db, vault, fleet, audit, now, operations });
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
  // After every kind that can resume has said so: what a crashed console left running is now interrupted.
  operations.recoverInterrupted();
  const localAgent = options.localAgent ? new LocalAgent({ ...options.localAgent, onStateChange: (state) => events.publish(localAgentEvent, state) }) : null;
  const health = new HealthMonitor({
    db,
    vault,
    audit,
    now: () => now().getTime(),
    intervalMs: options.healthIntervalMs ?? 5000,
    targets: {
      // The built-in agent is part of the fleet's hour too, while it runs (polling never starts it).
      agents: () => {
        const local = localAgent?.runningEndpoint;
        return [...(local ? [{ id: localAgentId, name: 'This computer', ...local }] : []), ...agents.list()];
      },
      servers: () => fleet.servers.list(),
      connect: (id) => fleet.connect(id),
    },
  });
  const shells = new ShellService({ connect: (id) => fleet.connect(id), audit });
  shells.events.on('data', (event) => events.publish(shellDataEvent, event));
  shells.events.on('exit', (event) => events.publish(shellExitEvent, event));

  const agentDirectory = new AgentDirectory({ agents, vault });
  if (localAgent) {
    agentDirectory.useLocalAgent(() => localAgent.start());
    if (options.localAgent?.startNow) localAgent.start().catch(() => undefined /* its state says why */);
  }
  const analysis = new AnalysisService({ agents: agentDirectory, onChange: (submission) => events.publish(analysisEvent, submission) });
  const benchmarkRuns = new BenchmarkRepository(db);
  const benchmarks = new BenchmarkService({ agents: agentDirectory, runs: benchmarkRuns, operations, now });

  // The fleet as the dispatcher sees it, and the requests it runs on it.
  const requestRepo = new RequestRepository(db, now);
  // A per-second agent (a rented GPU) gets work while the budget allows spending; at 100 % the work stays on the
  // fixed-cost agents (costs is built further down; this runs only when a request is placed). The answer is kept
  // 5 s: placing a batch asks per file and agent, and the ledger itself only moves every 10 s tick.
  let spendAllowedCache: { atMs: number; allowed: boolean } | null = null;
  const spendAllowedNow = (): boolean => {
    const atMs = Date.now();
    if (!spendAllowedCache || atMs - spendAllowedCache.atMs > 5_000) spendAllowedCache = { atMs, allowed: costs.budget.status().allowsRental };
    return spendAllowedCache.allowed;
  };
  const dispatcher = new Dispatcher({ allowCost: options.requests?.allowCost ?? spendAllowedNow });
  for (const [agentId, saved] of requestRepo.agentStats()) dispatcher.restore(agentId, saved);
  for (const run of benchmarkRuns.list({ limit: 500 }).reverse()) dispatcher.observeBenchmark(run.agentId, run.report.suite_p50_ms / 1000);
  let wakeRunner = (): void => undefined;
  const fleetAgents = new FleetAgents(
    {
      agents: () => agentDirectory.list(),
      resolve: (agentId) => agentDirectory.resolve(agentId),
      health: (agentId) => health.latestOf('agent', agentId),
      localState: () => localAgent?.state ?? null,
      costClass: (agentId) => agents.get(agentId)?.costClass ?? 'fixed',
    },
    () => wakeRunner(),
  );
  const runner = new RequestRunner({
    repo: requestRepo,
    dispatcher,
    fleet: fleetAgents,
    agents: agentDirectory,
    onRequest: (request) => events.publish(requestEvent, request),
    onBatch: (batch) => events.publish(batchEvent, batch),
    onAgentMeasured: (agentId) => requestRepo.saveAgentStats(agentId, { ...dispatcher.measured(agentId) }),
    now,
    onlyBatch: options.requests?.onlyBatch,
    leaseMs: options.requests?.leaseMs,
    idleMs: options.requests?.idleMs,
    pollMs: options.requests?.pollMs,
    unreachableGraceMs: options.requests?.unreachableGraceMs,
  });
  wakeRunner = () => runner.wake();
  const requests = new RequestService({
    repo: requestRepo,
    runner,
    cacheDir: options.cacheDir ?? join(dirname(options.storePath), 'cache'),
    agents: agentDirectory,
    audit,
    onBatch: (batch) => events.publish(batchEvent, batch),
    now,
  });
  const models = new ModelPullService({ agents: agentDirectory, operations });
  const settings = new ConsoleSettings(db, now);
  const agentRegistration = new AgentRegistration({ agents, vault, audit, onAdded: () => health.pollSoon() });
  // The budget decides before any call to Vast.ai: a rental is refused at 100 % (costs is built just below; the
  // check runs only when a rental starts).
  const rentals: RentalService = new RentalService({
    db,
    vault,
    audit,
    operations,
    agents,
    registration: agentRegistration,
    settings,
    now,
    allowRental: (): void => costs.budget.assertAllowsRental(),
    spendAllowed: (): boolean => costs.budget.status().allowsRental,
    // While the automatic scaler's policy is on, its idle time K is the idle policy's, and what that destroys is one
    // of the scaler's decisions too (autoscale is built just below; these run only on the idle loop's passes).
    idleMinutesNow: () => autoscale.idleMinutes(),
    onIdleDestroyed: (d) => autoscale.recordDestroy(d),
    ...options.vast,
  });
  const costs: CostsService = new CostsService({
    db,
    vault,
    audit,
    now,
    gpuMeters: options.costs?.gpuMeters ?? rentalsMeterSource(rentals.repo, () => now().getTime()),
    tickMs: options.costs?.tickMs,
    postWebhook: options.costs?.postWebhook,
    onAlert: (alert) => events.publish(budgetAlertEvent, alert),
  });
  const vastImageSettings = new VastImageSettings({ settings, vault, audit });
  const autoscale: AutoscaleService = new AutoscaleService({
    db,
    audit,
    settings,
    operations,
    rentals,
    costs,
    now,
    // The dispatcher's own estimates over the live fleet: unfinished requests × each agent's seconds per item.
    backlog: () =>
      expectedBacklog(
        autoscale.repo.unfinishedByKind(),
        fleetAgents.snapshot().map((a) => ({ id: a.id, up: a.up, workers: a.workers, secondsPerItem: (kind) => dispatcher.secondsPerItem(a.id, kind).seconds })),
      ),
  });
  const gpuImage = new GpuImageService({
    // A published image becomes what rentals pull, pinned to the digest the registry confirmed, with its login.
    onPublished: (published, login) => vastImageSettings.useForRentals(published, login),
    operations,
    vault,
    audit,
    repo: new GpuImageRepository(db),
    docker: options.deploy?.localDocker ?? defaultLocalDocker(),
    sourceRoot: options.gpuImage?.sourceRoot ?? dirname(templatesDir),
    workDir: options.gpuImage?.workDir,
    dockerCli: options.gpuImage?.dockerCli,
    now,
  });

  const registry = new MethodRegistry(consoleMethods, options.logInternalError);
  registerServerMethods(registry, { fleet, operations });
  registerOperationMethods(registry, { operations });
  registerProvisionMethods(registry, { provision });
  registerHealthMethods(registry, { health });
  registerAuditMethods(registry, { audit, names: () => ({ servers: fleet.servers.list(), agents: agents.list() }) });
  registerShellMethods(registry, { shells });
  registerAgentMethods(registry, {
    directory: agentDirectory,
    registration: agentRegistration,
    localAgentState: () => localAgent?.state ?? { state: 'unavailable', url: null, message: 'this console runs without the built-in agent' },
    dispatchState: () =>
      fleetAgents.snapshot().map((a) => ({
        agentId: a.id,
        name: a.name,
        up: a.up,
        reason: a.downReason,
        costClass: a.costClass,
        analyses: a.analyses ? [...a.analyses] : null,
        workers: a.workers,
        inFlight: dispatcher.inFlightOn(a.id),
        window: dispatcher.window(a),
        secondsPerItem: Object.fromEntries((['image', 'video', 'audio'] as const).map((kind) => [kind, dispatcher.secondsPerItem(a.id, kind)])),
        bytesPerSecond: dispatcher.measured(a.id).bytesPerSecond,
      })),
  });
  registerRequestMethods(registry, { requests, allowPath: options.allowSubmitPath ?? anyLocalPath });
  registerAnalyzeMethods(registry, { analysis, allowPath: options.allowSubmitPath ?? anyLocalPath });
  registerDeployMethods(registry, { deploy });
  registerHttpsMethods(registry, { https });
  registerFacesMethods(registry, { faces: new FacesService(agentDirectory, audit) });
  registerBenchmarkMethods(registry, { benchmarks });
  registerModelMethods(registry, { models });
  registerTokensMethods(registry, { tokens: new TokensService(agentDirectory, audit) });
  registerCostsMethods(registry, { costs });
  registerVastMethods(registry, {
    rentals,
    account: new VastAccountService({
      vault,
      settings,
      audit,
      storedKeyClient: () => rentals.client(),
      clientFor: options.vast?.clientFor,
      clientOptions: options.vast?.clientOptions,
      openRentals: () => rentals.repo.listOpen(),
    }),
    imageSettings: vastImageSettings,
  });
  registerGpuImageMethods(registry, { gpuImage });
  registerAutoscaleMethods(registry, { autoscale });
  if (options.requests?.run !== false) runner.start();

  return {
    db,
    vault,
    audit,
    fleet,
    agents,
    operations,
    provision,
    deploy,
    https,
    health,
    shells,
    agentDirectory,
    benchmarks,
    gpuImage,
    vastImageSettings,
    analysis,
    localAgent,
    dispatcher,
    fleetAgents,
    requests,
    runner,
    costs,
    settings,
    rentals,
    autoscale,
    events,
    registry,
    invoke: (method, input, caller = { readOnly: false }) => registry.invoke(method, input, caller),
    async close() {
      shells.closeAll();
      analysis.close();
      await runner.stop();
      await autoscale.stop();
      await costs.stop();
      await rentals.stopReconcile();
      await health.stop();
      await operations.shutdown();
      await localAgent?.stop();
      db.close();
    },
  };
}
