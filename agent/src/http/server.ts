// Assembles a running agent from its config: database, repositories, worker pool, queue, HTTP app; listens,
// and closes gracefully (stop accepting, let running jobs finish or re-queue them, close the database).
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { agentVersion, type AgentConfig } from '../config.js';
import { runQueueBench } from '../bench/queue-bench.js';
import { FaceIndex } from '../faces-search/face-index.js';
import { SpeakerIndex } from '../speakers-search/speaker-index.js';
import { SpeakersRepository } from '../speakers-search/speakers-repository.js';
import type { InstalledModel } from '../jobs/analyzer-port.js';
import { ClusterWorker } from '../cluster/cluster-worker.js';
import { SharedQueueDispatcher } from '../cluster/dispatcher.js';
import { InputTokens } from '../cluster/input-tokens.js';
import { JobQueue } from '../jobs/job-queue.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { defaultWorkerUrl, WorkerPool } from '../jobs/worker-pool.js';
import type { Logger } from '../logger.js';
import { openDatabase } from '../store/database.js';
import { FacesRepository } from '../store/faces-repository.js';
import { JobsRepository } from '../store/jobs-repository.js';
import { TokensRepository } from '../store/tokens-repository.js';
import { buildApp } from './app.js';
import { thumbnailsRoot } from './thumbnails.js';
import type { AgentServices } from './services.js';


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

export async function startAgent(config: AgentConfig, logger: Logger, options: StartOptions = {}): Promise<RunningAgent> {
  const uploadsDir = path.join(config.dataDir, 'uploads');
  fs.mkdirSync(uploadsDir, { recursive: true });
  const { db, hasVectorSearch } = openDatabase(path.join(config.dataDir, 'agent.sqlite'));
  const jobs = new JobsRepository(db);
  const tokens = new TokensRepository(db);
  const adminToken = process.env.MEDIAFLEET_ADMIN_TOKEN;
  if (adminToken) {
    const record = tokens.importToken(adminToken, { scope: 'admin', tenant: process.env.MEDIAFLEET_ADMIN_TENANT || 'default', label: 'MEDIAFLEET_ADMIN_TOKEN' });
    logger.info({ tokenId: record.id, tenant: record.tenant }, 'admin token from the environment registered');
  }
  const faceIndex = new FaceIndex(new FacesRepository(db, hasVectorSearch), config.personSimilarity);
  const version = agentVersion();

  const pool = new WorkerPool({
    size: config.workers,
    workerUrl: options.workerUrl ?? defaultWorkerUrl,
    init: { agent: { id: config.agentId, version }, warmUp: options.warmUp ?? config.warmUp, nice: config.workerNice, thumbnailsRoot: thumbnailsRoot(config.dataDir) },
    logger,
  });
  pool.start();
  const speakerIndex = new SpeakerIndex(new SpeakersRepository(db, hasVectorSearch));

  // Cluster mode: this agent's jobs go to the shared queue, and its workers take jobs from it (its own and
  // other agents'). Without REDIS_URL the queue runs jobs straight on the pool.
  let url = '';
  let cluster: { dispatcher: SharedQueueDispatcher; worker?: ClusterWorker; inputTokens: InputTokens } | undefined;
  if (config.redisUrl) {
    const inputTokens = InputTokens.open(config.dataDir);
    const dispatcher = new SharedQueueDispatcher(
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
            localInput: (originId, jobId) => (originId === dispatcher.instanceId ? dispatcher.dispatchedInput(jobId) : undefined),
          },
          logger,
        );
    cluster = { dispatcher, worker, inputTokens };
  }
  const runner: JobRunner = cluster?.dispatcher ?? pool;
  const queue = new JobQueue(jobs, faceIndex, runner, config, logger, speakerIndex);

  let state: 'starting' | 'ok' | 'stopping' = 'starting';
  void pool.whenReady().then(() => {
    if (state === 'starting') state = 'ok';
    logger.info({ workers: config.workers }, 'workers ready');
  });

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
    queue,
    jobs,
    tokens,
    faceIndex,
    speakerIndex,
    hasVectorSearch,
    ...(cluster
      ? {
          cluster: {
            inputTokens: cluster.inputTokens,
            dispatchedInput: (jobId: string) => cluster.dispatcher.dispatchedInput(jobId),
            status: () => cluster.dispatcher.status(),
          },
        }
      : {}),
    describeModels,
    readiness: () => ({ status: state, ready: state === 'ok' }),
    runBench: (opts) =>
      runQueueBench(queue, { imagesDir: config.benchImagesDir, uploadsDir, tenant: '__bench__', ...opts }),
  };

  const app = await buildApp(services, logger);
  queue.start();
  if (options.listen !== false) {
    url = await app.listen({ host: config.host, port: config.port });
    logger.info({ url, dataDir: config.dataDir, workers: config.workers, vectorSearch: hasVectorSearch }, 'agent listening');
  }

  let closing: Promise<void> | undefined;
  const close = (graceMs = 30_000): Promise<void> => {
    closing ??= (async () => {
      state = 'stopping';
      // Stop taking new connections first; in-flight requests (SSE, sync analyze) finish or are cut at the grace.
      const httpClosed = app.close();
      // In cluster mode the local workers serve the shared queue: let them finish (or hand their jobs on)
      // before the pool goes; the queue's runner is then the dispatcher, whose close does not close the pool.
      await cluster?.worker?.close(graceMs);
      await queue.shutdown(graceMs);
      if (cluster) await pool.close();
      await Promise.race([httpClosed, new Promise((r) => setTimeout(r, 2000).unref())]);
      db.close();
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
