// The origin's side of cluster mode: the JobRunner that runs this agent's jobs through the shared queue. Instead of
// running a job on this agent's workers, it puts it on the shared queue and waits for whichever agent of the cluster
// runs it (cluster-worker.ts is the other side, taking jobs off the queue). The job's record, its tenant, its
// idempotency key, cancel, timeout and the faces index stay with this agent's JobQueue and SQLite exactly as
// without a cluster; only the execution moves.
//
// A re-run of the same job (this agent restarted and leased it again) adds it under the same BullMQ job id,
// which BullMQ ignores when the job is still there: it is then simply waited for again, or its stored answer is
// taken if it finished meanwhile.
import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { ResultDocument } from '../contracts/result-document.js';
import { AgentError } from '../errors.js';
import type { JobRunner, RunHooks, RunnableJob } from '../jobs/job-runner.js';
import type { Logger } from '../logger.js';
import type { InputTokens } from './input-tokens.js';
import {
  bullPriority,
  cancelChannel,
  closedWithin,
  clusterKeyPrefix,
  describeRedis,
  outcomeErrorCode,
  redisOptionsFromUrl,
  type ClusterJobData,
  type ClusterOutcome,
} from './shared-queue.js';

export interface SharedQueueRunnerSettings {
  redisUrl: string;
  queueName: string;
  agentId: string;
  /** Where the workers fetch uploads from; read when a job is added (the port is known only after listen). */
  originUrl: () => string;
  /** How many jobs this agent may have in the cluster at once (its maxQueueDepth). */
  capacity: number;
  /** Used when a job carries no timeout of its own. */
  defaultTimeoutMs: number;
  /** Where keyframe thumbnails made by another agent are written, as <root>/<job id>/<name>. */
  thumbnailsRoot: string;
  /** How often the jobs waited for are looked up in Redis, in case an event was missed (Redis restarted). */
  reconcileMs?: number;
  /** How long finished jobs stay in Redis for an origin that restarts to collect: a day. */
  keepFinishedSec?: number;
}

export interface ClusterStatus {
  queue: string;
  redis: string;
  connected: boolean;
  /** Jobs of the whole cluster waiting for a worker. */
  backlog: number;
  /** This agent's jobs in the cluster, waiting or running. */
  dispatched: number;
}

interface Waiter {
  job: RunnableJob;
  hooks: RunHooks;
  added: boolean;
  settled: boolean;
  resolve: (result: ResultDocument) => void;
  reject: (err: unknown) => void;
}

export class SharedQueueRunner implements JobRunner {
  /** This agent process as the cluster knows it; a job whose originId is this one has its upload right here. */
  readonly instanceId: string;
  /** Dispatched jobs run elsewhere: a shutting-down origin need not wait for them (see JobQueue.shutdown). */
  readonly finishesElsewhere = true;
  private readonly connection: Redis;
  private readonly queue: Queue<ClusterJobData, ClusterOutcome>;
  private readonly events: QueueEvents;
  private readonly waiting = new Map<string, Waiter>();
  private readonly timers: NodeJS.Timeout[] = [];
  private connected = false;
  private backlogCount = 0;
  private countingBacklog = false;
  private recountAfter = false;
  private lastErrorLog = 0;

  constructor(
    private readonly settings: SharedQueueRunnerSettings,
    private readonly tokens: InputTokens,
    private readonly logger: Logger,
  ) {
    this.instanceId = `${settings.agentId}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`;
    const options = redisOptionsFromUrl(settings.redisUrl);
    this.connection = new Redis(options);
    this.connection.on('ready', () => {
      this.connected = true;
      logger.info(
        { redis: describeRedis(settings.redisUrl), queue: settings.queueName },
        'cluster: connected to the shared queue',
      );
    });
    this.connection.on('close', () => {
      if (this.connected)
        logger.warn(
          { redis: describeRedis(settings.redisUrl) },
          'cluster: lost the shared queue; new jobs are refused until it is back',
        );
      this.connected = false;
    });
    this.connection.on('error', (err) => this.logError(err));
    this.queue = new Queue(settings.queueName, { connection: this.connection, prefix: clusterKeyPrefix });
    this.queue.on('error', (err) => this.logError(err));
    this.events = new QueueEvents(settings.queueName, { connection: options, prefix: clusterKeyPrefix });
    this.events.on('error', (err) => this.logError(err));
    this.events.on('progress', ({ jobId, data }) => {
      const waiter = this.waiting.get(jobId);
      if (!waiter || waiter.settled || typeof data !== 'object' || data === null) return;
      const { stage, progress } = data as { stage?: unknown; progress?: unknown };
      if (typeof stage === 'string' && typeof progress === 'number')
        waiter.hooks.onProgress({ stage, progress });
    });
    // The events only say that something happened; the answer itself is read from the job (one code path for
    // events, missed events and a re-run that finds the job already finished).
    this.events.on('completed', ({ jobId }) => void this.settleFromStore(jobId));
    this.events.on('failed', ({ jobId }) => void this.settleFromStore(jobId));
    this.events.on('removed', ({ jobId }) => void this.settleFromStore(jobId));
    // The backlog decides 429s, so it is counted again whenever a job of the cluster moves, not just every second.
    for (const moved of ['waiting', 'active', 'removed', 'completed', 'failed'] as const) this.events.on(moved, () => this.recountBacklog());
    this.timers.push(setInterval(() => this.recountBacklog(), 1000));
    this.timers.push(setInterval(() => this.reconcile(), settings.reconcileMs ?? 5000));
    for (const timer of this.timers) timer.unref();
  }

  get capacity(): number {
    return this.settings.capacity;
  }

  get idleSlots(): number {
    return Math.max(0, this.settings.capacity - this.waiting.size);
  }

  get backlog(): number {
    return this.backlogCount;
  }

  get unavailable(): string | undefined {
    return this.connected
      ? undefined
      : `the shared queue (Redis at ${describeRedis(this.settings.redisUrl)}) is unreachable`;
  }

  status(): ClusterStatus {
    return {
      queue: this.settings.queueName,
      redis: describeRedis(this.settings.redisUrl),
      connected: this.connected,
      backlog: this.backlogCount,
      dispatched: this.waiting.size,
    };
  }

  /**
   * The upload of a job this agent has in the cluster and still waits for, or undefined: what the input route
   * may hand out, and what a worker in this same process reads in place.
   */
  dispatchedInput(jobId: string): string | undefined {
    const waiter = this.waiting.get(jobId);
    return waiter && !waiter.settled ? waiter.job.inputPath : undefined;
  }

  run(job: RunnableJob, hooks: RunHooks): Promise<ResultDocument> {
    if (this.waiting.has(job.id))
      return Promise.reject(new AgentError('INTERNAL', `job ${job.id} is already in the shared queue`));
    let onAbort = (): void => undefined;
    const done = new Promise<ResultDocument>((resolve, reject) => {
      const waiter: Waiter = { job, hooks, added: false, settled: false, resolve, reject };
      this.waiting.set(job.id, waiter);
      onAbort = () => {
        const reason: unknown = hooks.signal.reason;
        this.settle(waiter, () => reject(reason));
        // A shutting-down origin leaves the job in the cluster: its next start leases it again and collects it.
        const shuttingDown = reason instanceof AgentError && reason.details?.shutdown === true;
        if (!shuttingDown) void this.cancelRemote(job.id);
      };
      if (hooks.signal.aborted) return onAbort();
      hooks.signal.addEventListener('abort', onAbort, { once: true });
      hooks.onProgress({ stage: 'waiting for a cluster worker', progress: 0 });
      this.add(waiter).then(
        () => this.settleFromStore(job.id),
        (err: unknown) => this.settle(waiter, () => reject(err)),
      );
    });
    return done.finally(() => {
      hooks.signal.removeEventListener('abort', onAbort);
      this.waiting.delete(job.id);
    });
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    // Bounded (see closedWithin): with Redis away the agent must still stop.
    await closedWithin(Promise.allSettled([this.events.close(), this.queue.close()]), 3000);
    this.connection.disconnect();
  }

  private async add(waiter: Waiter): Promise<void> {
    const { job } = waiter;
    const keep = this.settings.keepFinishedSec ?? 86_400;
    const data: ClusterJobData = {
      originId: this.instanceId,
      originUrl: this.settings.originUrl(),
      inputToken: this.tokens.sign(job.id),
      fileName: job.fileName,
      options: job.options,
      timeoutMs: job.timeoutMs ?? this.settings.defaultTimeoutMs,
    };
    // During a Redis outage this waits for Redis to come back (see redisOptionsFromUrl); the job's own timeout
    // or a cancel ends the wait through the abort handler in run().
    await this.queue.add('analyze', data, {
      jobId: job.id,
      priority: bullPriority[job.priority ?? 'interactive'],
      removeOnComplete: { age: keep },
      removeOnFail: { age: keep },
    });
    waiter.added = true;
    // Canceled while the add was in flight: the cancel found nothing to remove, so remove it now.
    if (waiter.hooks.signal.aborted) void this.cancelRemote(job.id);
  }

  /** Reads the job's state in Redis and, if it has an answer, hands it to whoever waits for it. */
  private async settleFromStore(jobId: string): Promise<void> {
    const waiter = this.waiting.get(jobId);
    if (!waiter || waiter.settled || !waiter.added) return;
    let job: Job<ClusterJobData, ClusterOutcome> | undefined;
    let state: string;
    try {
      // The state first, then the job: a worker's finish writes the return value and the state in one step, so a
      // job read after its state said completed has its answer. Read the other way round, a job that finished
      // between the two reads looked completed with no answer (seen on a loaded machine).
      state = await this.queue.getJobState(jobId);
      job = await Job.fromId<ClusterJobData, ClusterOutcome>(this.queue, jobId);
      if (!job) state = 'missing';
    } catch (err) {
      this.logError(err);
      return; // Redis is away; the reconcile timer asks again.
    }
    if (state === 'completed' && job) {
      const outcome = job.returnvalue;
      this.settle(waiter, () => void this.finish(waiter, outcome));
    } else if (state === 'failed' && job) {
      const reason = job.failedReason || 'no reason given';
      this.settle(waiter, () =>
        waiter.reject(new AgentError('INTERNAL', `the cluster could not run the job: ${reason}`)),
      );
    } else if (state === 'missing' || state === 'unknown') {
      this.settle(waiter, () =>
        waiter.reject(
          new AgentError('INTERNAL', 'the job was removed from the shared queue before any agent answered'),
        ),
      );
    }
  }

  private async finish(waiter: Waiter, outcome: ClusterOutcome | null | undefined): Promise<void> {
    if (!outcome || typeof outcome !== 'object' || !('ok' in outcome)) {
      waiter.reject(
        new AgentError('INTERNAL', 'a cluster worker answered with something that is not an outcome'),
      );
      return;
    }
    if (!outcome.ok) {
      waiter.reject(new AgentError(outcomeErrorCode(outcome.error.code), outcome.error.message));
      return;
    }
    try {
      await this.writeThumbnails(waiter.job.id, outcome.thumbnails);
    } catch (err) {
      this.logger.warn(
        { err, jobId: waiter.job.id },
        'cluster: could not keep the keyframe thumbnails of a job run elsewhere',
      );
    }
    waiter.resolve(outcome.result);
  }

  /** Keyframe thumbnails made by another agent, kept here so this agent's keyframe route serves them. */
  private async writeThumbnails(
    jobId: string,
    thumbnails: Record<string, string> | undefined,
  ): Promise<void> {
    if (!thumbnails) return;
    const dir = path.join(this.settings.thumbnailsRoot, jobId);
    await fs.mkdir(dir, { recursive: true });
    for (const [name, base64] of Object.entries(thumbnails)) {
      // Names come from Redis: only plain file names, never a path.
      if (!/^[\w.-]+$/.test(name) || name.startsWith('.')) continue;
      await fs.writeFile(path.join(dir, name), Buffer.from(base64, 'base64'));
    }
  }

  private settle(waiter: Waiter, then: () => void): void {
    if (waiter.settled) return;
    waiter.settled = true;
    then();
  }

  /** Removes a job still waiting; asks the worker running it to stop (the worker that holds it hears). */
  private async cancelRemote(jobId: string): Promise<void> {
    try {
      const job = await Job.fromId(this.queue, jobId);
      if (job && ['waiting', 'prioritized', 'delayed'].includes(await job.getState())) await job.remove();
    } catch {
      // Taken by a worker in the meantime (it holds a lock): the message below reaches it.
    }
    await this.connection
      .publish(cancelChannel(this.settings.queueName), jobId)
      .catch((err: unknown) => this.logError(err));
  }

  private reconcile(): void {
    for (const [jobId, waiter] of this.waiting)
      if (waiter.added && !waiter.settled) void this.settleFromStore(jobId);
  }

  /** One count at a time; moves during a count ask for one more after it. */
  private recountBacklog(): void {
    if (this.countingBacklog) this.recountAfter = true;
    else void this.countBacklog();
  }

  private async countBacklog(): Promise<void> {
    if (!this.connected) return;
    this.countingBacklog = true;
    this.recountAfter = false;
    try {
      const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed');
      this.backlogCount = (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
    } catch (err) {
      this.logError(err);
    } finally {
      this.countingBacklog = false;
      if (this.recountAfter) this.recountBacklog();
    }
  }

  /** Connection errors repeat every reconnect attempt: log one per 10 s, not hundreds. */
  private logError(err: unknown): void {
    if (Date.now() - this.lastErrorLog < 10_000) return;
    this.lastErrorLog = Date.now();
    this.logger.warn({ err: (err as Error)?.message ?? String(err) }, 'cluster: shared queue error');
  }
}
