// The durable job queue: accepts jobs into SQLite, leases them to the runner up to its capacity, renews leases
// while they run, enforces timeouts and cancels, and finishes each job exactly once (the finishing write is
// guarded by the lease, so a job taken over after a crash cannot be finished twice).
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs/promises';
import { AgentError, isDiskFull, toErrorInfo } from '../errors.js';
import { ResultDocument } from '../contracts/result-document.js';
import type { FaceIndex } from '../faces-search/face-index.js';
import type { SpeakerIndex } from '../speakers-search/speaker-index.js';
import type { Logger } from '../logger.js';
import type { JobOptions, JobPriority, JobRecord, JobsRepository, JobStatus } from '../store/jobs-repository.js';
import type { JobRunner } from './job-runner.js';

export interface JobEvent {
  jobId: string;
  tenant: string;
  /** The job's own event counter (JobRecord.eventSeq after this change). */
  seq: number;
  type: 'status' | 'progress';
  status: JobStatus;
  progress: number;
  stage: string | null;
  error?: { code: string; message: string };
  /** Set on terminal status events: how long the job ran, for metrics. */
  durationMs?: number;
  /** Set when a job starts its first run: how long it waited since it was accepted, for metrics. */
  queueWaitMs?: number;
  priority?: JobPriority;
}

export interface JobQueueSettings {
  leaseMs: number;
  maxQueueDepth: number;
  maxQueuePerTenant: number;
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
  /** See requestFingerprint: a reused Idempotency-Key with another request is refused. */
  requestSha256?: string;
  /** A failed or canceled job under this key runs again with this upload instead of being replayed. */
  rerunFailed?: boolean;
  /** Checked already (webhooks/callback-url.ts): the agent POSTs the job's terminal state there. */
  callbackUrl?: string;
}

/** sha256 over what makes two submissions the same request: the file's bytes and the analyses asked for. */
export function requestFingerprint(fileSha256: string, options: JobOptions): string {
  const canonical = JSON.stringify([
    fileSha256,
    options.analyses ? [...options.analyses].sort() : null,
    options.ocrLang ?? null,
    options.asrEngine ?? null,
    options.includeEmbeddings === true,
  ]);
  return crypto.createHash('sha256').update(canonical).digest('hex');
}

const terminal: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'canceled']);
export const isTerminal = (status: JobStatus): boolean => terminal.has(status);

interface RunningJob {
  controller: AbortController;
  startedAt: number;
  done: Promise<void>;
}

/** What the queue tells when a write of its own hit a full disk (the disk monitor then refuses new uploads). */
export interface DiskFullListener {
  noteWriteFailure(): void;
}

/** How long a job outcome that could not be written (full disk) waits before the next try, at most. */
const maxOutcomeRetryMs = 30_000;

export class JobQueue {
  /** Emits 'job' with every JobEvent. */
  readonly events = new EventEmitter();
  /** Unique per process start: a restarted agent must not mistake its predecessor's leases for its own. */
  readonly owner: string;
  private readonly running = new Map<string, RunningJob>();
  private accepting = false;
  /** Set by retire(): why this agent takes no more jobs, ever. */
  private retiredWith?: AgentError;
  private pollTimer?: NodeJS.Timeout;
  private averageJobMs = 1000;
  private readonly releasedAtShutdown = new Set<string>();
  /** Set when shutdown gave up waiting: outcomes still waiting for disk space stop retrying. */
  private abandonPendingWrites = false;
  private lastDiskFullLog = 0;

  constructor(
    private readonly jobs: JobsRepository,
    private readonly faceIndex: FaceIndex,
    private readonly runner: JobRunner,
    private readonly settings: JobQueueSettings,
    private readonly logger: Logger,
    private readonly speakerIndex?: SpeakerIndex,
    private readonly disk?: DiskFullListener,
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

  /**
   * Throws QUEUE_FULL when no more jobs may wait, or TENANT_QUEUE_FULL when this tenant has its share of the queue
   * waiting (both with `retryAfterSec`, the tenant's own estimate for the latter). Cheap: call before taking an upload.
   */
  assertAcceptingJobs(tenant?: string): void {
    if (this.retiredWith) throw this.retiredWith;
    if (!this.accepting) throw new AgentError('QUEUE_FULL', 'the agent is shutting down; retry on another agent', { retryAfterSec: 5 });
    if (this.runner.unavailable) throw new AgentError('QUEUE_FULL', `${this.runner.unavailable}; retry later`, { retryAfterSec: 5 });
    const queued = this.jobs.countQueued() + (this.runner.backlog ?? 0);
    if (queued >= this.settings.maxQueueDepth) {
      throw new AgentError('QUEUE_FULL', `the queue holds ${queued} jobs; retry later`, { retryAfterSec: this.retryAfterSec(queued, this.runner.capacity) });
    }
    if (tenant !== undefined) {
      const waiting = this.jobs.countForTenant(tenant, this.runner.finishesElsewhere === true);
      if (waiting >= this.settings.maxQueuePerTenant) {
        // This tenant's turn comes at its share of the workers while other tenants have work too.
        const share = Math.max(1, this.runner.capacity / Math.max(1, this.jobs.countActiveTenants()));
        throw new AgentError('TENANT_QUEUE_FULL', `this tenant has ${waiting} jobs waiting, its share of the queue (MEDIAFLEET_MAX_QUEUE_PER_TENANT); retry later`, {
          retryAfterSec: this.retryAfterSec(waiting, share),
        });
      }
    }
  }

  private retryAfterSec(waiting: number, workers: number): number {
    return Math.min(3600, Math.max(1, Math.ceil((waiting * this.averageJobMs) / workers / 1000)));
  }

  /**
   * Idempotent per tenant and key: a repeat of the same request returns the first job (`created: false`); the key
   * with another file or other analyses is IDEMPOTENCY_KEY_REUSED; with `rerunFailed` a failed or canceled job
   * under the key runs again (`created: true`, same id).
   */
  submit(input: SubmitJob): { job: JobRecord; created: boolean } {
    if (input.idempotencyKey) {
      const existing = this.jobs.findByIdempotencyKey(input.tenant, input.idempotencyKey);
      if (existing) return this.resubmit(existing, input);
    }
    this.assertAcceptingJobs(input.tenant);
    const outcome = this.jobs.insert({ id: crypto.randomUUID(), tenant: input.tenant, idempotencyKey: input.idempotencyKey, ...this.runOf(input) });
    // Another request with the same key won the race to insert.
    if (!outcome.created) return this.resubmit(outcome.job, input);
    this.queued(outcome.job, 'job queued');
    return outcome;
  }

  /** What a submission asks to run, with this agent's defaults. */
  private runOf(input: SubmitJob) {
    return {
      priority: input.priority,
      maxAttempts: this.settings.maxAttempts,
      timeoutMs: input.timeoutMs ?? this.settings.jobTimeoutMs,
      inputPath: input.inputPath,
      fileName: input.fileName,
      options: input.options,
      requestSha256: input.requestSha256,
      callbackUrl: input.callbackUrl,
    };
  }

  private queued(job: JobRecord, message: string): void {
    this.logger.info({ jobId: job.id, tenant: job.tenant, priority: job.priority }, message);
    this.emit(job, 'status');
    setImmediate(() => this.fillSlots());
  }

  private resubmit(existing: JobRecord, input: SubmitJob): { job: JobRecord; created: boolean } {
    if (existing.requestSha256 && input.requestSha256 && existing.requestSha256 !== input.requestSha256) {
      throw new AgentError(
        'IDEMPOTENCY_KEY_REUSED',
        `the Idempotency-Key "${input.idempotencyKey}" was used for job ${existing.id}, another request (another file or other analyses); use a new key for a new request`,
      );
    }
    if (!input.rerunFailed || (existing.status !== 'failed' && existing.status !== 'canceled')) return { job: existing, created: false };
    this.assertAcceptingJobs(input.tenant);
    const job = this.jobs.rerun(existing.id, this.runOf(input));
    if (!job) return { job: this.jobs.get(existing.id)!, created: false };
    this.queued(job, `job queued again under its idempotency key (it had ${existing.status})`);
    return { job, created: true };
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

  /** Cancels the tenant's job if it still waits or runs, and waits until its worker has let go of it (erasure). */
  async stopAndWait(tenant: string, id: string): Promise<void> {
    const job = this.jobs.getForTenant(tenant, id);
    if (!job) return;
    if (!isTerminal(job.status)) this.cancel(tenant, id);
    await this.running.get(id)?.done;
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
      this.abandonPendingWrites = true;
      for (const [id, running] of this.running) {
        this.releasedAtShutdown.add(id);
        // A full disk may refuse this too; the next start takes the job back either way.
        if (this.tryWrite(() => this.jobs.release(id, this.owner), 'release a job at shutdown')) this.logger.info({ jobId: id }, 'job re-queued at shutdown');
        running.controller.abort(new AgentError('CANCELED', 'the agent is shutting down', { shutdown: true }));
      }
      await all;
    }
    await this.runner.close();
  }

  /**
   * For an agent that goes away for good (a rented instance destroying itself): from now on new jobs are refused
   * with `reason`, queued jobs fail with it at once, running ones may finish for up to `graceMs`, and those still
   * running then fail with it too. Failing, unlike shutdown's re-queueing, is what gives a job back here: there is no
   * next start to run it, and its client (the console's dispatcher) sends a failed job elsewhere.
   */
  async retire(reason: AgentError, graceMs: number): Promise<{ finished: number; givenBack: number }> {
    this.retiredWith = reason;
    this.accepting = false;
    clearInterval(this.pollTimer);
    const failed = { code: reason.code, message: reason.message };
    const queued = this.tryWrite(() => this.jobs.failAllQueued(failed), 'give back the queued jobs') ?? [];
    for (const id of queued) {
      this.logger.info({ jobId: id }, 'queued job given back: the agent is going away');
      this.finished(id);
    }
    const runningAtStart = this.running.size;
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref())]);
    let abandoned = 0;
    if (timedOut) {
      for (const [id, running] of this.running) {
        abandoned++;
        this.logger.info({ jobId: id }, 'running job given back: it did not finish within the drain bound');
        // recordFailure writes the abort reason as the job's error.
        running.controller.abort(reason);
      }
      await all;
    }
    return { finished: runningAtStart - abandoned, givenBack: queued.length + abandoned };
  }

  private fillSlots(): void {
    while (this.accepting && this.running.size < this.runner.capacity && this.runner.idleSlots > 0) {
      let job: JobRecord | undefined;
      try {
        job = this.jobs.leaseNextJob(this.owner, this.settings.leaseMs);
      } catch (err) {
        // Polled again shortly: a full disk that empties resumes the queue by itself.
        if (isDiskFull(err)) this.diskFull('lease a job');
        else this.logger.error({ err }, 'could not lease a job');
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
      // A renewal refused by a full disk is tried again next time; the job goes on (no other agent takes over a
      // job this process holds, and leaseNextJob never hands this owner its own job twice).
      const renewed = this.tryWrite(() => this.jobs.renewLease(job.id, this.owner, this.settings.leaseMs), 'renew a lease');
      if (renewed === false && !controller.signal.aborted) {
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
            // Progress is only news: one that a full disk refuses is skipped, not an error of the job.
            const seq = this.tryWrite(() => this.jobs.recordProgress(job.id, this.owner, progress, stage), 'record progress');
            if (seq !== undefined) this.events.emit('job', { jobId: job.id, tenant: job.tenant, seq, type: 'progress', status: 'running', progress, stage } satisfies JobEvent);
          },
        },
      )
      .then(
        (result) => this.writeOutcome(() => this.recordSuccess(job, result, log), log),
        (err) => this.writeOutcome(() => this.recordFailure(job, err, controller.signal, log), log),
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

  private async recordSuccess(job: JobRecord, result: ResultDocument, log: Logger): Promise<void> {
    // Checked against the schema once, here, so that serving the stored result (polled many times) need not.
    const checked = ResultDocument.safeParse(result);
    if (!checked.success) {
      log.error({ issues: checked.error.issues.slice(0, 5) }, 'the analysis result does not match the result document schema');
      if (this.jobs.markFailed(job.id, this.owner, { code: 'INTERNAL', message: 'the analysis produced an invalid result document' })) this.finished(job.id);
      return;
    }
    // Face pictures come from the input, which goes once the job is finished: made now, stored with the faces.
    const crops = await this.faceIndex.cropsFor(job, checked.data);
    const stored = this.jobs.transaction(() => {
      const current = this.jobs.get(job.id);
      if (current?.status !== 'running' || current.leaseOwner !== this.owner) return false;
      const keepVectors = job.options.includeEmbeddings === true;
      const withFaces = this.faceIndex.indexResultFaces(job.tenant, job.id, checked.data, keepVectors, crops);
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

  /**
   * Writes a job's outcome; while the disk is full it keeps the outcome and tries again (2 s, doubling to 30 s), so
   * the result is kept once there is room, and the job stays running meanwhile. Other errors are the caller's.
   */
  private async writeOutcome(write: () => void | Promise<void>, log: Logger): Promise<void> {
    for (let wait = 2000; ; wait = Math.min(wait * 2, maxOutcomeRetryMs)) {
      try {
        await write();
        return;
      } catch (err) {
        if (!isDiskFull(err)) throw err;
        this.diskFull('record a job outcome');
        if (this.abandonPendingWrites) {
          log.warn('job outcome not written (the disk is full and the agent is stopping): the next start runs the job again');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** Runs a write; a full disk makes it undefined (noted and logged), any other error is logged too. */
  private tryWrite<T>(write: () => T, what: string): T | undefined {
    try {
      return write();
    } catch (err) {
      if (isDiskFull(err)) this.diskFull(what);
      else this.logger.error({ err }, `could not ${what}`);
      return undefined;
    }
  }

  private diskFull(what: string): void {
    this.disk?.noteWriteFailure();
    // Every progress report and renewal would log it: once every 10 s is enough to see it.
    if (Date.now() - this.lastDiskFullLog < 10_000) return;
    this.lastDiskFullLog = Date.now();
    this.logger.warn(`the disk is full: could not ${what}; retrying, nothing is lost`);
  }

  private recordFailure(job: JobRecord, err: unknown, signal: AbortSignal, log: Logger): void {
    const cause = signal.aborted ? signal.reason : err;
    if (this.releasedAtShutdown.has(job.id)) return;
    if (cause instanceof AgentError && cause.details?.workerDied === true) {
      const outcome = this.jobs.recordWorkerDeath(job.id, this.owner);
      if (outcome === 'queued') {
        log.warn('the analysis worker died on this job; it runs again (counted against its attempts)');
        this.emit(this.jobs.get(job.id)!, 'status');
      } else if (outcome === 'failed') {
        log.warn('the analysis worker died on this job once too often; the job failed');
        this.finished(job.id);
      }
      return;
    }
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

  private emit(job: JobRecord, type: JobEvent['type']): void {
    const event: JobEvent = {
      jobId: job.id,
      tenant: job.tenant,
      seq: job.eventSeq,
      type,
      status: job.status,
      progress: job.progress,
      stage: job.stage,
      ...(job.error ? { error: job.error } : {}),
      ...(isTerminal(job.status) && job.startedAt ? { durationMs: (job.finishedAt ?? Date.now()) - job.startedAt } : {}),
      ...(job.status === 'running' && job.attempts === 1 && job.startedAt ? { queueWaitMs: job.startedAt - job.createdAt, priority: job.priority } : {}),
    };
    this.events.emit('job', event);
  }
}
