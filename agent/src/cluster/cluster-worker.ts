// The worker's side of cluster mode: takes jobs from the shared queue as this agent's worker threads free up,
// fetches each upload from the agent that accepted it, runs it on the local worker pool and answers with the
// result document (and the keyframe thumbnails, which the origin serves).
//
// Leases are BullMQ's locks: a worker renews its lock while a job runs; when an agent dies, its job's lock
// runs out and another agent's stalled-job check puts the job back, up to maxAttempts runs in all.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import crypto from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { AgentError, toErrorInfo } from '../errors.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { Logger } from '../logger.js';
import {
  cancelChannel,
  closedWithin,
  clusterKeyPrefix,
  redisOptionsFromUrl,
  type ClusterJobData,
  type ClusterOutcome,
} from './shared-queue.js';

export interface ClusterWorkerSettings {
  redisUrl: string;
  queueName: string;
  /** The local worker pool. Its size is how many cluster jobs this agent takes at once. */
  pool: JobRunner;
  /** Fetched uploads land here while their job runs. */
  uploadsDir: string;
  maxUploadBytes: number;
  thumbnailsRoot: string;
  /** BullMQ's lock on a running job (renewed at half of it); an agent silent this long has died. */
  leaseMs: number;
  /** Runs of one job in all, counting those a dead agent left unfinished. */
  maxAttempts: number;
  /** A job dispatched by this very process: its upload is read in place instead of over HTTP. */
  localInput: (originId: string, jobId: string) => string | undefined;
  /** How long to keep trying an origin that does not answer (it may be restarting). */
  inputRetryMs?: number;
}

export class ClusterWorker {
  private readonly worker: Worker<ClusterJobData, ClusterOutcome>;
  private readonly subscriber: Redis;
  private lastErrorLog = 0;

  constructor(
    private readonly settings: ClusterWorkerSettings,
    private readonly logger: Logger,
  ) {
    const options = redisOptionsFromUrl(settings.redisUrl);
    this.worker = new Worker<ClusterJobData, ClusterOutcome>(
      settings.queueName,
      (job, _token, signal) => this.process(job, signal),
      {
        connection: options,
        prefix: clusterKeyPrefix,
        concurrency: settings.pool.capacity,
        lockDuration: settings.leaseMs,
        stalledInterval: settings.leaseMs,
        maxStalledCount: Math.max(0, settings.maxAttempts - 1),
      },
    );
    this.worker.on('error', (err) => this.logError(err));
    // An origin's cancel is broadcast; only the worker holding the job acts on it (cancelJob is false elsewhere).
    this.subscriber = new Redis(options);
    this.subscriber.on('error', (err) => this.logError(err));
    this.subscriber.on('message', (_channel, jobId: string) => {
      if (this.worker.cancelJob(jobId, 'canceled by the agent that accepted it'))
        logger.info({ jobId }, 'cluster: job canceled by its origin');
    });
    void this.subscriber
      .subscribe(cancelChannel(settings.queueName))
      .catch((err: unknown) => this.logError(err));
  }

  /** Stops taking jobs; running ones get `graceMs` to finish, the rest are left for another agent to take over. */
  async close(graceMs: number): Promise<void> {
    if (!(await closedWithin(this.worker.close(), graceMs))) {
      // Forced: the unfinished jobs keep their lock until it runs out, then the stalled check hands them on.
      if (!(await closedWithin(this.worker.close(true), 3000))) {
        this.logger.warn(
          'cluster: the shared queue did not let the worker close (Redis unreachable); stopping anyway',
        );
        void this.worker.disconnect().catch(() => undefined);
      }
    }
    this.subscriber.disconnect();
  }

  private async process(
    job: Job<ClusterJobData, ClusterOutcome>,
    bullSignal?: AbortSignal,
  ): Promise<ClusterOutcome> {
    const jobId = job.id!;
    const { data } = job;
    const controller = new AbortController();
    const abort = (): void =>
      controller.abort(new AgentError('CANCELED', 'canceled by the agent that accepted it'));
    bullSignal?.addEventListener('abort', abort, { once: true });
    const timer = setTimeout(
      () => controller.abort(new AgentError('TIMEOUT', `the job ran longer than ${data.timeoutMs} ms`)),
      data.timeoutMs,
    );
    const log = this.logger.child({ jobId, origin: data.originId, attempt: job.attemptsMade + 1 });
    const localPath = this.settings.localInput(data.originId, jobId);
    let fetchedPath: string | undefined;
    try {
      const inputPath = localPath ?? (fetchedPath = await this.fetchInput(jobId, data, controller.signal));
      log.info({ local: localPath !== undefined }, 'cluster: job started');
      let lastReport = 0;
      const result = await this.settings.pool.run(
        { id: jobId, inputPath, fileName: data.fileName, options: data.options },
        {
          signal: controller.signal,
          onProgress: ({ stage, progress }) => {
            // Progress goes through Redis to the origin: at most a few updates a second.
            if (Date.now() - lastReport < 250 && progress < 1) return;
            lastReport = Date.now();
            void job.updateProgress({ stage, progress }).catch(() => undefined);
          },
        },
      );
      const thumbnails = localPath ? undefined : await this.takeThumbnails(jobId);
      log.info('cluster: job succeeded');
      return { ok: true, result, ...(thumbnails ? { thumbnails } : {}) };
    } catch (err) {
      const cause = controller.signal.aborted ? controller.signal.reason : err;
      const error = toErrorInfo(cause);
      if (error.code === 'INTERNAL') {
        log.error({ err }, 'cluster: job failed unexpectedly');
        error.message = 'the analysis failed unexpectedly';
      }
      if (!localPath)
        await fsp.rm(path.join(this.settings.thumbnailsRoot, jobId), { recursive: true, force: true });
      return { ok: false, error };
    } finally {
      clearTimeout(timer);
      bullSignal?.removeEventListener('abort', abort);
      if (fetchedPath) await fsp.rm(fetchedPath, { force: true });
    }
  }

  /**
   * Downloads the upload from its origin. An origin that does not answer may be restarting: it is asked again
   * for a while. An origin that answers "no" (the job was canceled, the token is wrong) is final.
   */
  private async fetchInput(jobId: string, data: ClusterJobData, signal: AbortSignal): Promise<string> {
    const url = new URL(`/v1/cluster/inputs/${encodeURIComponent(jobId)}`, data.originUrl);
    const deadline = Date.now() + (this.settings.inputRetryMs ?? 30_000);
    for (let wait = 250; ; wait = Math.min(wait * 2, 4000)) {
      let response: Response;
      try {
        response = await fetch(url, { headers: { authorization: `Bearer ${data.inputToken}` }, signal });
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        if (Date.now() > deadline)
          throw new AgentError(
            'FILE_NOT_FOUND',
            `the agent that accepted the job (${url.origin}) did not answer: ${(err as Error).message}`,
          );
        await sleep(wait, undefined, { signal });
        continue;
      }
      if (!response.ok || !response.body) {
        const reason = await response.text().catch(() => '');
        throw new AgentError(
          'FILE_NOT_FOUND',
          `the agent that accepted the job (${url.origin}) would not hand over its upload: HTTP ${response.status} ${reason.slice(0, 200)}`,
        );
      }
      const declared = Number(response.headers.get('content-length') ?? 0);
      if (declared > this.settings.maxUploadBytes) {
        await response.body.cancel();
        throw new AgentError(
          'FILE_TOO_LARGE',
          `the upload is ${declared} bytes; this agent takes at most ${this.settings.maxUploadBytes}`,
        );
      }
      const target = path.join(
        this.settings.uploadsDir,
        `cluster-${crypto.randomUUID()}${path.extname(data.fileName).slice(0, 16)}`,
      );
      let received = 0;
      const limit = this.settings.maxUploadBytes;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, callback) {
          received += chunk.length;
          if (received > limit)
            callback(
              new AgentError(
                'FILE_TOO_LARGE',
                `the upload is larger than this agent's limit of ${limit} bytes`,
              ),
            );
          else callback(null, chunk);
        },
      });
      try {
        await pipeline(
          Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>),
          counter,
          fs.createWriteStream(target),
          { signal },
        );
      } catch (err) {
        await fsp.rm(target, { force: true });
        throw signal.aborted ? signal.reason : err;
      }
      return target;
    }
  }

  /** The keyframe thumbnails the pool wrote for this job, as base64, removed here (the origin keeps them). */
  private async takeThumbnails(jobId: string): Promise<Record<string, string> | undefined> {
    const dir = path.join(this.settings.thumbnailsRoot, jobId);
    let names: string[];
    try {
      names = await fsp.readdir(dir);
    } catch {
      return undefined;
    }
    const thumbnails: Record<string, string> = {};
    for (const name of names)
      thumbnails[name] = (await fsp.readFile(path.join(dir, name))).toString('base64');
    await fsp.rm(dir, { recursive: true, force: true });
    return names.length ? thumbnails : undefined;
  }

  private logError(err: unknown): void {
    if (Date.now() - this.lastErrorLog < 10_000) return;
    this.lastErrorLog = Date.now();
    this.logger.warn({ err: (err as Error)?.message ?? String(err) }, 'cluster: shared queue error');
  }
}
