// The durable job queue: accepts jobs into SQLite, leases them to the runner up to its capacity, renews leases
// while they run, enforces timeouts and cancels, and finishes each job exactly once (the finishing write is
// guarded by the lease, so a job taken over after a crash cannot be finished twice).
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs/promises';
import { AgentError, toErrorInfo } from '../errors.js';
import { ResultDocument } from '../contracts/result-document.js';
import type { FaceIndex } from '../faces-search/face-index.js';
import type { SpeakerIndex } from '../speakers-search/speaker-index.js';
import type { Logger } from '../logger.js';
import type { JobOptions, JobPriority, JobRecord, JobsRepository, JobStatus } from '../store/jobs-repository.js';
import type { JobRunner } from './job-runner.js';

export interface JobEvent {
  jobId: string;
  tenant: string;
  seq: number;
  type: 'status' | 'progress';
  status: JobStatus;
  progress: number;
  stage: string | null;
  error?: { code: string; message: string };
  /** Set on terminal status events: how long the job ran, for metrics. */
  durationMs?: number;
}

export interface JobQueueSettings {
  leaseMs: number;
  maxQueueDepth: number;
  jobTimeoutMs: number;
  maxAttempts: number;
  agentId: string;
}

export interface SubmitJob {
  tenant: string;
  priority: JobPriority;
  idempotencyKey?: string;
  inputPath: string;
  fileName: string;
  options: JobOptions;
  timeoutMs?: number;
}

const terminal: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'canceled']);
export const isTerminal = (status: JobStatus): boolean => terminal.has(status);

interface RunningJob {
  controller: AbortController;
  startedAt: number;
  done: Promise<void>;
}

export class JobQueue {
  /** Emits 'job' with every JobEvent. */
  readonly events = new EventEmitter();
  /** Unique per process start: a restarted agent must not mistake its predecessor's leases for its own. */
  readonly owner: string;
  private readonly running = new Map<string, RunningJob>();
  private eventSeq = 0;
  private accepting = false;
  private pollTimer?: NodeJS.Timeout;
  private averageJobMs = 1000;
  private readonly releasedAtShutdown = new Set<string>();

  constructor(
    private readonly jobs: JobsRepository,
    private readonly faceIndex: FaceIndex,
    private readonly runner: JobRunner,
    private readonly settings: JobQueueSettings,
    private readonly logger: Logger,
    private readonly speakerIndex?: SpeakerIndex,
  ) {
    this.owner = `${settings.agentId}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`;
    this.events.setMaxListeners(0);
  }

  start(): void {
    this.accepting = true;
    // Polling picks up jobs whose lease expired (their agent died) and anything a missed kick left behind.
    this.pollTimer = setInterval(() => this.fillSlots(), Math.min(1000, Math.max(100, this.settings.leaseMs / 2)));
    this.pollTimer.unref();
    this.fillSlots();
  }

  get runningCount(): number {
    return this.running.size;
  }

  get capacity(): number {
    return this.runner.capacity;
  }

  /** Throws QUEUE_FULL (with `retryAfterSec`) when no more jobs may wait. Cheap: call before taking an upload. */
  assertAcceptingJobs(): void {
    if (!this.accepting) throw new AgentError('QUEUE_FULL', 'the agent is shutting down; retry on another agent', { retryAfterSec: 5 });
    if (this.runner.unavailable) throw new AgentError('QUEUE_FULL', `${this.runner.unavailable}; retry later`, { retryAfterSec: 5 });
    const queued = this.jobs.countQueued() + (this.runner.backlog ?? 0);
    if (queued >= this.settings.maxQueueDepth) {
      const retryAfterSec = Math.max(1, Math.ceil((queued * this.averageJobMs) / this.runner.capacity / 1000));
      throw new AgentError('QUEUE_FULL', `the queue holds ${queued} jobs; retry later`, { retryAfterSec });
    }
  }

  /** Idempotent per tenant and key: a repeat returns the first job (`created: false`). */
  submit(input: SubmitJob): { job: JobRecord; created: boolean } {
    if (input.idempotencyKey) {
      const existing = this.jobs.findByIdempotencyKey(input.tenant, input.idempotencyKey);
      if (existing) return { job: existing, created: false };
    }
    this.assertAcceptingJobs();
    const outcome = this.jobs.insert({
      id: crypto.randomUUID(),
      tenant: input.tenant,
      priority: input.priority,
      idempotencyKey: input.idempotencyKey,
      maxAttempts: this.settings.maxAttempts,
      timeoutMs: input.timeoutMs ?? this.settings.jobTimeoutMs,
      inputPath: input.inputPath,
      fileName: input.fileName,
      options: input.options,
    });
    if (outcome.created) {
      this.logger.info({ jobId: outcome.job.id, tenant: input.tenant, priority: input.priority }, 'job queued');
      this.emit(outcome.job, 'status');
      setImmediate(() => this.fillSlots());
    }
    return outcome;
  }

  get(tenant: string, id: string): JobRecord | undefined {
    return this.jobs.getForTenant(tenant, id);
  }

  /** The job with its result as stored JSON text, for status polls (see JobsRepository.getForTenantWithResultJson). */
  getWithResultJson(tenant: string, id: string): { job: JobRecord; resultJson: string | null } | undefined {
    return this.jobs.getForTenantWithResultJson(tenant, id);
  }

  list(tenant: string, opts: { limit: number; beforeSeq?: number; status?: JobStatus }): JobRecord[] {
    return this.jobs.listForTenant(tenant, opts);
  }

  cancel(tenant: string, id: string): JobRecord {
    const outcome = this.jobs.cancel(tenant, id);
    if (!outcome) throw new AgentError('NOT_FOUND', `no job ${id}`);
    if (outcome.changed) {
      const running = this.running.get(id);
      // A running job's input is removed when its worker has let go of it (see execute).
      if (running) running.controller.abort(new AgentError('CANCELED'));
      else void this.removeInput(outcome.job);
      this.emit(outcome.job, 'status');
      this.logger.info({ jobId: id }, 'job canceled');
    }
    return outcome.job;
  }

  subscribe(jobId: string, listener: (event: JobEvent) => void): () => void {
    const filtered = (event: JobEvent): void => {
      if (event.jobId === jobId) listener(event);
    };
    this.events.on('job', filtered);
    return () => this.events.off('job', filtered);
  }

  /** Resolves with the job once it is succeeded, failed or canceled. */
  waitForFinish(tenant: string, jobId: string, signal?: AbortSignal): Promise<JobRecord> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const job = this.jobs.getForTenant(tenant, jobId);
        if (!job) {
          cleanup();
          reject(new AgentError('NOT_FOUND', `no job ${jobId}`));
          return true;
        }
        if (!isTerminal(job.status)) return false;
        cleanup();
        resolve(job);
        return true;
      };
      const unsubscribe = this.subscribe(jobId, (event) => {
        if (event.type === 'status' && isTerminal(event.status)) check();
      });
      const onAbort = (): void => {
        cleanup();
        reject(signal?.reason ?? new AgentError('CANCELED'));
      };
      const cleanup = (): void => {
        unsubscribe();
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      check();
    });
  }

  /**
   * Stops taking jobs, lets running ones finish for up to `graceMs`, then gives the rest back to the queue so
   * the next start (or another agent) runs them.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.accepting = false;
    clearInterval(this.pollTimer);
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    // Jobs that run on other agents go on without this one; waiting for them would only delay the restart.
    const grace = this.runner.finishesElsewhere ? 0 : graceMs;
    const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), grace).unref())]);
    if (timedOut) {
      for (const [id, running] of this.running) {
        this.releasedAtShutdown.add(id);
        if (this.jobs.release(id, this.owner)) this.logger.info({ jobId: id }, 'job re-queued at shutdown');
        running.controller.abort(new AgentError('CANCELED', 'the agent is shutting down', { shutdown: true }));
      }
      await all;
    }
    await this.runner.close();
  }

  private fillSlots(): void {
    while (this.accepting && this.running.size < this.runner.capacity && this.runner.idleSlots > 0) {
      let job: JobRecord | undefined;
      try {
        job = this.jobs.leaseNextJob(this.owner, this.settings.leaseMs);
      } catch (err) {
        this.logger.error({ err }, 'could not lease a job');
        return;
      }
      if (!job) return;
      this.execute(job);
    }
  }

  private execute(job: JobRecord): void {
    const controller = new AbortController();
    const startedAt = Date.now();
    const log = this.logger.child({ jobId: job.id, tenant: job.tenant, attempt: job.attempts });
    log.info('job started');
    this.emit(job, 'status');

    // The time limit counts from when the job runs. A job handed to the cluster may first wait there behind
    // others, so for it the limit is kept by the agent that runs it (it gets timeoutMs with the job).
    const timeout = this.runner.finishesElsewhere
      ? undefined
      : setTimeout(() => controller.abort(new AgentError('TIMEOUT', `the job ran longer than ${job.timeoutMs} ms`)), job.timeoutMs);
    const renewal = setInterval(() => {
      if (!this.jobs.renewLease(job.id, this.owner, this.settings.leaseMs) && !controller.signal.aborted) {
        // Canceled from another request, or the lease was lost: stop working on it.
        controller.abort(new AgentError('CANCELED', 'the job is no longer leased to this agent'));
      }
    }, Math.max(50, Math.floor(this.settings.leaseMs / 3)));

    const done = this.runner
      .run(
        { id: job.id, inputPath: job.inputPath, fileName: job.fileName, options: job.options, priority: job.priority, timeoutMs: job.timeoutMs },
        {
          signal: controller.signal,
          onProgress: ({ stage, progress }) => {
            this.jobs.recordProgress(job.id, this.owner, progress, stage);
            this.events.emit('job', { ...this.eventBase(job), type: 'progress', status: 'running', progress, stage } satisfies JobEvent);
          },
        },
      )
      .then(
        (result) => this.recordSuccess(job, result, log),
        (err) => this.recordFailure(job, err, controller.signal, log),
      )
      .catch((err) => log.error({ err }, 'could not record the job outcome'))
      .finally(() => {
        clearTimeout(timeout);
        clearInterval(renewal);
        this.running.delete(job.id);
        const ms = Date.now() - startedAt;
        this.averageJobMs = this.averageJobMs * 0.8 + ms * 0.2;
        setImmediate(() => this.fillSlots());
      });
    this.running.set(job.id, { controller, startedAt, done });
  }

  private recordSuccess(job: JobRecord, result: ResultDocument, log: Logger): void {
    // Checked against the schema once, here, so that serving the stored result (polled many times) need not.
    const checked = ResultDocument.safeParse(result);
    if (!checked.success) {
      log.error({ issues: checked.error.issues.slice(0, 5) }, 'the analysis result does not match the result document schema');
      if (this.jobs.markFailed(job.id, this.owner, { code: 'INTERNAL', message: 'the analysis produced an invalid result document' })) this.finished(job.id);
      return;
    }
    const stored = this.jobs.transaction(() => {
      const current = this.jobs.get(job.id);
      if (current?.status !== 'running' || current.leaseOwner !== this.owner) return false;
      const keepVectors = job.options.includeEmbeddings === true;
      const withFaces = this.faceIndex.indexResultFaces(job.tenant, job.id, checked.data, keepVectors);
      const indexed = this.speakerIndex ? this.speakerIndex.indexResultSpeakers(job.tenant, job.id, withFaces, keepVectors) : withFaces;
      return this.jobs.markSucceeded(job.id, this.owner, indexed);
    });
    if (!stored) {
      log.info('job result dropped: the job was canceled or taken over meanwhile');
      return;
    }
    log.info({ ms: Date.now() - (job.startedAt ?? Date.now()) }, 'job succeeded');
    this.finished(job.id);
  }

  private recordFailure(job: JobRecord, err: unknown, signal: AbortSignal, log: Logger): void {
    const cause = signal.aborted ? signal.reason : err;
    if (this.releasedAtShutdown.has(job.id)) return;
    const info = toErrorInfo(cause);
    if (info.code === 'INTERNAL') {
      log.error({ err }, 'job failed unexpectedly');
      info.message = 'the analysis failed unexpectedly';
    }
    if (info.code === 'CANCELED') {
      // A cancel already wrote the outcome; the input can go now that the worker has let go of it. (A lost
      // lease also lands here: then another agent owns the job and its input stays.)
      if (this.jobs.get(job.id)?.status === 'canceled') void this.removeInput(job);
      return;
    }
    if (this.jobs.markFailed(job.id, this.owner, info)) {
      log.info({ code: info.code }, 'job failed');
      this.finished(job.id);
    }
  }

  private finished(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    this.emit(job, 'status');
    void this.removeInput(job);
  }

  private async removeInput(job: JobRecord): Promise<void> {
    await fs.rm(job.inputPath, { force: true }).catch(() => undefined);
  }

  private eventBase(job: JobRecord): Pick<JobEvent, 'jobId' | 'tenant' | 'seq'> {
    return { jobId: job.id, tenant: job.tenant, seq: ++this.eventSeq };
  }

  private emit(job: JobRecord, type: JobEvent['type']): void {
    const event: JobEvent = {
      ...this.eventBase(job),
      type,
      status: job.status,
      progress: job.progress,
      stage: job.stage,
      ...(job.error ? { error: job.error } : {}),
      ...(isTerminal(job.status) && job.startedAt ? { durationMs: (job.finishedAt ?? Date.now()) - job.startedAt } : {}),
    };
    this.events.emit('job', event);
  }
}
