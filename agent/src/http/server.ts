// Assembles a running agent from its config: database, repositories, worker pool, queue, HTTP app; listens,
// and closes gracefully (stop accepting, let running jobs finish or re-queue them, close the database).
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { agentVersion, analysisSettingsOf, type AgentConfig } from '../config.js';
import { runQueueBench } from '../bench/queue-bench.js';
import { FaceIndex } from '../faces-search/face-index.js';
import { SpeakerIndex } from '../speakers-search/speaker-index.js';
import { SpeakersRepository } from '../speakers-search/speakers-repository.js';
import type { InstalledModel } from '../jobs/analyzer-port.js';
import { ClusterWorker } from '../cluster/cluster-worker.js';
import { SharedQueueRunner } from '../cluster/shared-queue-runner.js';
import { InputTokens } from '../cluster/input-tokens.js';
import { JobQueue } from '../jobs/job-queue.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { defaultWorkerUrl, WorkerPool } from '../jobs/worker-pool.js';
import type { Logger } from '../logger.js';
import { openDatabase } from '../store/database.js';
import { FacesRepository } from '../store/faces-repository.js';
import { JobsRepository } from '../store/jobs-repository.js';
import { TokensRepository } from '../store/tokens-repository.js';
import { AuditRepository } from '../store/audit-repository.js';
import { DiskSpace, UploadsUsage } from '../store/disk-space.js';
import { lockDataDir } from '../store/data-dir-lock.js';
import { ErasureRepository } from '../store/erasure-repository.js';
import { Erasure } from '../jobs/erasure.js';
import { WebhooksRepository } from '../store/webhooks-repository.js';
import { WebhookSender } from '../webhooks/webhook-sender.js';
import { toJobView } from './job-view.js';
import { TokenAdministration } from '../tenants/token-administration.js';
import { armingOf } from '../self-destroy/dead-man-switch.js';
import { instanceStartedAt } from '../self-destroy/instance-uptime.js';
import { monotonicNow, SelfDestroy } from '../self-destroy/self-destroy.js';
import { destroyOwnInstance } from '../self-destroy/vast-self-destroy.js';
import { buildApp } from './app.js';
import { Pairing, pairedTokenLabel } from '../pairing/pairing.js';
import { loadOrMakeIdentity, type TlsIdentity } from '../pairing/self-signed-certificate.js';
import { jobThumbnailsDir, thumbnailsRoot } from './thumbnails.js';
import type { AgentServices } from './services.js';
import { gpuFacts } from '../runtimes/gpu/gpu-facts.js';
import { installedGpuBuilds, planDevices, withFallbacks } from '../runtimes/gpu/device-plan.js';
import { localDeviceFallbacks } from '../runtimes/gpu/current-devices.js';


export interface RunningAgent {
  app: FastifyInstance;
  services: AgentServices;
  pool: WorkerPool;
  /** The address it listens on, e.g. http://127.0.0.1:8787. */
  url: string;
  close(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  /** The worker entry; tests of queue mechanics pass a trivial one. Defaults to the analysis worker. */
  workerUrl?: URL;
  /** Analyses whose models each worker loads before the agent reports ready. */
  warmUp?: string[];
  listen?: boolean;
}

/**
 * Removes what an earlier run left in the uploads folder: uploads cut off by a crash, inputs whose delete was
 * interrupted, inputs of jobs that ended. Only what a queued or running job still needs stays.
 */
async function sweepLeftoverUploads(uploadsDir: string, inUse: Set<string>, logger: Logger): Promise<void> {
  let removed = 0;
  for (const name of await fs.promises.readdir(uploadsDir)) {
    const file = path.join(uploadsDir, name);
    if (inUse.has(file)) continue;
    await fs.promises.rm(file, { force: true, recursive: true }).then(() => removed++, (err: unknown) => logger.warn({ err, file }, 'could not remove a leftover upload'));
  }
  if (removed > 0) logger.info({ removed }, 'removed leftover uploads of an earlier run');
}

export async function startAgent(config: AgentConfig, logger: Logger, options: StartOptions = {}): Promise<RunningAgent> {
  const uploadsDir = path.join(config.dataDir, 'uploads');
  fs.mkdirSync(uploadsDir, { recursive: true });
  const lock = await lockDataDir(config.dataDir);
  const { db, hasVectorSearch } = openDatabase(path.join(config.dataDir, 'agent.sqlite'));
  const diskSpace = new DiskSpace(config.dataDir, config.minFreeDiskBytes);
  const uploadsUsage = new UploadsUsage(uploadsDir);
  const jobs = new JobsRepository(db);
  // Alone on this database (no cluster: the lock above says no other agent runs on it), the jobs still marked
  // running were this agent's previous run's: they go back to the queue now rather than after their lease.
  if (!lock.alone) {
    logger.warn({ sharedWith: lock.sharedWith }, 'another agent may be running on this data directory (an upgrade in progress?): its running jobs come back when their lease ends, and leftover uploads are kept');
  } else {
    if (!config.redisUrl) {
      const takenBack = jobs.takeBackInterrupted();
      if (takenBack > 0) logger.info({ jobs: takenBack }, "took back the jobs the previous run was running when it stopped");
    }
    await sweepLeftoverUploads(uploadsDir, jobs.inputPathsInUse(), logger);
  }
  const tokens = new TokensRepository(db);
  const audit = new AuditRepository(db);
  const tokenAdmin = new TokenAdministration(tokens, audit);
  if (config.adminToken) {
    const record = tokenAdmin.importOperatorToken(config.adminToken, config.adminTenant);
    logger.info({ tokenId: record.id, tenant: record.tenant, scope: record.scope }, 'admin token from the environment registered');
  }
  // HTTPS with the agent's own self-signed certificate (a rented instance's direct port faces the internet).
  const tls: TlsIdentity | undefined = config.tls === 'self-signed' ? loadOrMakeIdentity(path.join(config.dataDir, 'tls')) : undefined;
  if (tls) logger.info({ fingerprint: tls.fingerprint }, 'serving HTTPS with a self-signed certificate');
  // Pairing mode: no admin token at start; the console installs one over TLS (pairing/README.md).
  const pairing =
    config.pairingSecret && tls
      ? new Pairing(config.pairingSecret, {
          fingerprint: tls.fingerprint,
          installToken: (token) => tokenAdmin.importOperatorToken(token, config.adminTenant, pairedTokenLabel),
          alreadyPaired: () => tokens.list().some((t) => t.label === pairedTokenLabel),
        })
      : undefined;
  if (pairing) logger.info({ paired: pairing.paired }, pairing.paired ? 'already paired with its console (an earlier start): the pairing routes answer 410' : 'pairing mode: waiting for the console');
  // The secret stays inside `pairing` only (forgotten there once used), not in the config every part can read.
  config = { ...config, pairingSecret: undefined };
  const faceIndex = new FaceIndex(new FacesRepository(db, hasVectorSearch), config.personSimilarity, { thumbnailsDir: (jobId) => jobThumbnailsDir(config.dataDir, jobId) });
  const version = agentVersion(config.agentVersion);

  const pool = new WorkerPool({
    size: config.workers,
    workerUrl: options.workerUrl ?? defaultWorkerUrl,
    init: {
      agent: { id: config.agentId, version },
      warmUp: options.warmUp ?? config.warmUp,
      nice: config.workerNice,
      thumbnailsRoot: thumbnailsRoot(config.dataDir),
      settings: analysisSettingsOf(config),
    },
    logger,
  });
  pool.start();
  const speakerIndex = new SpeakerIndex(new SpeakersRepository(db, hasVectorSearch));

  // Cluster mode: this agent's jobs go to the shared queue, and its workers take jobs from it (its own and
  // other agents'). Without REDIS_URL the queue runs jobs straight on the pool.
  let url = '';
  let cluster: { runner: SharedQueueRunner; worker?: ClusterWorker; inputTokens: InputTokens } | undefined;
  if (config.redisUrl) {
    const inputTokens = InputTokens.open(config.dataDir);
    const runner = new SharedQueueRunner(
      {
        redisUrl: config.redisUrl,
        queueName: config.clusterQueue,
        agentId: config.agentId,
        originUrl: () => config.clusterUrl ?? url,
        capacity: config.maxQueueDepth,
        defaultTimeoutMs: config.jobTimeoutMs,
        thumbnailsRoot: thumbnailsRoot(config.dataDir),
      },
      inputTokens,
      logger,
    );
    const worker = !config.clusterTakesJobs
      ? undefined
      : new ClusterWorker(
          {
            redisUrl: config.redisUrl,
            queueName: config.clusterQueue,
            pool,
            uploadsDir,
            maxUploadBytes: config.maxUploadBytes,
            thumbnailsRoot: thumbnailsRoot(config.dataDir),
            leaseMs: config.leaseMs,
            maxAttempts: config.maxAttempts,
            localInput: (originId, jobId) => (originId === runner.instanceId ? runner.dispatchedInput(jobId) : undefined),
          },
          logger,
        );
    cluster = { runner, worker, inputTokens };
  }
  const runner: JobRunner = cluster?.runner ?? pool;
  const queue = new JobQueue(jobs, faceIndex, runner, config, logger, speakerIndex, diskSpace);
  const webhooks = new WebhooksRepository(db);
  const webhookSender = new WebhookSender(
    queue,
    jobs,
    webhooks,
    (job) => toJobView(job, false),
    { allowPrivate: config.webhookAllowPrivate, retryForMs: config.webhookRetryForMs, timeoutMs: config.webhookTimeoutMs, caFile: config.webhookCaFile, userAgent: `mediafleet-agent/${version}` },
    logger,
  );
  const erasure = new Erasure({ queue, rows: new ErasureRepository(db), deleteTenantTokens: (tenant) => tokens.deleteForTenant(tenant), audit, thumbnailsRoot: thumbnailsRoot(config.dataDir), logger });

  // The dead-man switch (armed only on a Vast.ai instance with a limit set): drains through the queue, then
  // destroys the instance with its own key.
  const arming = armingOf(config);
  const selfDestroy = new SelfDestroy(
    arming,
    { drainMs: config.selfDestroyDrainS * 1000, startedAtMs: arming.armed ? instanceStartedAt(config.dataDir, config.containerId!, monotonicNow(), logger) : monotonicNow() },
    {
      drain: (reason, graceMs) => queue.retire(reason, graceMs),
      destroyInstance: (signal) => destroyOwnInstance({ baseUrl: config.vastApiUrl, containerId: config.containerId!, apiKey: config.containerApiKey!, logger, signal }),
    },
    logger,
  );

  let state: 'starting' | 'ok' | 'stopping' = 'starting';
  void pool.whenReady().then(() => {
    if (state === 'starting') state = 'ok';
    logger.info({ workers: config.workers }, 'workers ready');
  });

  // Probed once (nvidia-smi, the loader's libraries); the workers plan the same way from the same settings.
  const devicePlan = planDevices(config.gpu, gpuFacts(), installedGpuBuilds());
  // Model facts change only when models are installed or loaded: ask a worker at most every 30 s.
  let modelsCache: { at: number; models: Promise<InstalledModel[]> } | undefined;
  const describeModels = (): Promise<InstalledModel[]> => {
    if (!modelsCache || Date.now() - modelsCache.at > 30_000) modelsCache = { at: Date.now(), models: pool.describeModels() };
    return modelsCache.models;
  };
  const services: AgentServices = {
    config,
    version,
    uploadsDir,
    diskSpace,
    queue,
    jobs,
    tokens,
    tokenAdmin,
    audit,
    erasure,
    webhooks,
    faceIndex,
    speakerIndex,
    hasVectorSearch,
    selfDestroy,
    ...(cluster
      ? {
          cluster: {
            inputTokens: cluster.inputTokens,
            dispatchedInput: (jobId: string) => cluster.runner.dispatchedInput(jobId),
            status: () => cluster.runner.status(),
          },
        }
      : {}),
    describeModels,
    devices: () => {
      const facts = gpuFacts();
      return {
        gpus: facts.gpus,
        probeError: facts.probeError,
        analyses: withFallbacks(devicePlan, new Map([...localDeviceFallbacks(), ...pool.deviceFallbacks()])),
      };
    },
    readiness: () => {
      const destroying = selfDestroy.refusal();
      if (destroying) return { status: 'stopping', ready: false, reason: destroying.message };
      if (state !== 'ok') return { status: state, ready: false, reason: state === 'starting' ? 'the workers are loading their models' : 'the agent is stopping' };
      const models = pool.modelsReady();
      if (!models.ready) return { status: state, ready: false, reason: models.reason };
      const disk = diskSpace.status();
      if (disk.full) return { status: state, ready: false, reason: `the disk is full: ${disk.reason}; uploads are refused until there is room` };
      return { status: state, ready: true };
    },
    uploadsUsage: () => uploadsUsage.read(),
    runBench: (opts) =>
      runQueueBench(queue, { imagesDir: config.benchImagesDir, uploadsDir, tenant: '__bench__', ...opts }),
  };

  const app = await buildApp(services, logger, { tls, pairing });
  queue.start();
  selfDestroy.start();
  erasure.startRetention(config.retentionDays);
  webhookSender.start();
  if (options.listen !== false) {
    url = await app.listen({ host: config.host, port: config.port });
    logger.info({ url, dataDir: config.dataDir, workers: config.workers, vectorSearch: hasVectorSearch }, 'agent listening');
  }

  let closing: Promise<void> | undefined;
  const close = (graceMs = 30_000): Promise<void> => {
    closing ??= (async () => {
      state = 'stopping';
      const selfDestroyStopped = selfDestroy.stop();
      erasure.stopRetention();
      await webhookSender.close();
      // Stop taking new connections first; in-flight requests (SSE, sync analyze) finish or are cut at the grace.
      const httpClosed = app.close();
      // In cluster mode the local workers serve the shared queue: let them finish (or hand their jobs on)
      // before the pool goes; the queue's runner is then the shared-queue runner, whose close does not close the pool.
      await cluster?.worker?.close(graceMs);
      await queue.shutdown(graceMs);
      if (cluster) await pool.close();
      await Promise.race([httpClosed, new Promise((r) => setTimeout(r, 2000).unref())]);
      await selfDestroyStopped;
      db.close();
      lock.release();
      logger.info('agent stopped');
    })();
    return closing;
  };
  return { app, services, pool, url, close };
}

/** `serve`: start, and stop gracefully on SIGTERM/SIGINT. */
export async function serve(config: AgentConfig, logger: Logger): Promise<RunningAgent> {
  const agent = await startAgent(config, logger);
  const stop = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    void agent.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return agent;
}
