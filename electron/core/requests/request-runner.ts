// Runs the console's analysis requests on the fleet: takes unfinished requests from the store (holding each one's
// lease), asks the dispatcher where each goes, sends the file with the request's idempotency key, follows the
// agent's job, and keeps the result. When an agent refuses, times out, disappears or fails for its own reasons,
// the request goes to the next-best agent (ending at the built-in agent); a failure that is the file's own
// (corrupt, empty, too many pixels, ...) is final. A restarted console takes up where the last one stopped: a job
// already on an agent is followed again, anything else is sent again under the same key. Jobs of deleted
// requests queued for erasure are erased on their agents, tried again every few seconds until each agent answers.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { AgentJob, AgentJobEvent, AgentPort, SubmitJobRequest } from '../agents/agent-http-client.js';
import { localAgentId } from '../contracts/agents.js';
import { ConsoleError, type ErrorEnvelope } from '../contracts/define.js';
import type { AnalysisRequest, BatchSummary, MediaKind } from '../contracts/requests.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { FleetAgents } from '../dispatch/fleet-agents.js';
import { isProcessAlive } from '../operations/operation-repository.js';
import {
  publicView,
  toBatchSummary,
  type AgentErasureRecord,
  type RequestPatch,
  type RequestRecord,
  type RequestRepository,
} from './request-repository.js';

/** Codes that say the file itself cannot be analysed: trying it on another agent would fail the same way. */
export const fileOwnErrorCodes = new Set([
  'CORRUPT_MEDIA',
  'PIXEL_LIMIT',
  'EMPTY_FILE',
  'UNSUPPORTED_MEDIA',
  'DURATION_LIMIT',
  'FILE_TOO_LARGE',
]);
const withoutAgentPrefix = (code: string): string => code.replace(/^AGENT_/, '');

/** What the runner needs of one agent: the analysis port plus the reads it follows a job with. */
export type RunnerAgentPort = AgentPort & Required<Pick<AgentPort, 'followJob'>>;

export interface RunnerAgents {
  resolve(agentId: string): Promise<{ agent: { id: string; name: string }; client: RunnerAgentPort }>;
}

export interface RequestRunnerOptions {
  repo: RequestRepository;
  dispatcher: Dispatcher;
  fleet: FleetAgents;
  agents: RunnerAgents;
  onRequest(request: AnalysisRequest): void;
  onBatch(batch: BatchSummary): void;
  /** The dispatcher learned something of an agent (speed, bandwidth): a chance to keep it. */
  onAgentMeasured?(agentId: string): void;
  now?: () => Date;
  /** Only this batch's requests (the command line working on the batch it submitted). */
  onlyBatch?: string;
  /** A request's lease; renewed every third of it while this process works on the request. */
  leaseMs?: number;
  /** Tries of one request (on any agents) before it fails with the last reason. */
  maxAttempts?: number;
  /** An upload that sends nothing for this long, or an agent silent this long while following a job, is given up on. */
  idleMs?: number;
  /** How often a job is read when its event stream is not available. */
  pollMs?: number;
  /** How long an agent may stay unreachable while it holds a job before the job is sent elsewhere. */
  unreachableGraceMs?: number;
}

interface Active {
  abort: AbortController;
  agentId: string;
}

/** `host|pid|random`: a lease whose process is gone can be taken over at once. */
function makeOwner(): string {
  return `${hostname()}|${process.pid}|${Math.random().toString(36).slice(2, 10)}`;
}

export function requestOwnerAlive(owner: string, liveHere: ReadonlySet<string>): boolean {
  const [host, pid] = owner.split('|');
  if (host !== hostname()) return true;
  if (Number(pid) === process.pid) return liveHere.has(owner);
  return isProcessAlive(Number(pid));
}

const liveOwners = new Set<string>();

export class RequestRunner {
  readonly owner = makeOwner();
  private readonly active = new Map<string, Active>();
  private readonly lastPublished = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];
  private scheduling = false;
  private again = false;
  private stopped = true;
  private readonly leaseMs: number;
  private readonly now: () => Date;
  private onlyBatch: string | undefined;
  private cancelling = false;
  /** Erasure passes run one after another; `erasurePasses` counts the running and waiting ones. */
  private erasureChain: Promise<void> = Promise.resolve();
  private erasurePasses = 0;
  /** Set by stop: a running erasure pass ends after the call in flight. */
  private closed = false;

  constructor(private readonly options: RequestRunnerOptions) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.onlyBatch = options.onlyBatch;
    this.now = options.now ?? (() => new Date());
  }

  /** Starts sending and following; with `onlyBatch`, only that batch's requests (the command line's own batch). */
  start(options: { onlyBatch?: string } = {}): void {
    if (options.onlyBatch) this.onlyBatch = options.onlyBatch;
    if (!this.stopped) return;
    this.stopped = false;
    this.closed = false;
    liveOwners.add(this.owner);
    this.timers = [
      setInterval(() => this.wake(), 1000),
      setInterval(
        () => this.options.repo.renewLeases(this.owner, [...this.active.keys()], Date.now() + this.leaseMs),
        Math.max(100, this.leaseMs / 3),
      ),
      setInterval(() => void this.retryCancels(), 5000),
      // Erasures another process queued (the command line) are found here too: a pass with none reads one index.
      setInterval(() => this.eraseWhenIdle(), 5000),
    ];
    this.wake();
    this.eraseWhenIdle();
  }

  /** Stops taking work and stops following (what is on agents stays there; the next start picks it up). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.closed = true;
    this.timers.forEach((t) => clearInterval(t));
    this.timers = [];
    for (const a of this.active.values()) a.abort.abort();
    while (this.active.size) await new Promise((r) => setTimeout(r, 20));
    await this.erasureChain;
    liveOwners.delete(this.owner);
  }

  /** Look for work now (a request was submitted, an agent freed up, a batch resumed). */
  wake(): void {
    if (this.stopped) return;
    if (this.scheduling) {
      this.again = true;
      return;
    }
    this.scheduling = true;
    // A macrotask, not a microtask: wakes that come from a scheduling pass (a failed read, a freed slot) must not
    // chain into a loop that keeps timers and sockets from ever running.
    setImmediate(() => {
      try {
        this.schedule();
      } finally {
        this.scheduling = false;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      }
    });
  }

  /** Cancels one request wherever it is. */
  async cancel(requestId: string): Promise<boolean> {
    const request = this.options.repo.get(requestId);
    if (!request || ['done', 'failed', 'canceled'].includes(request.state)) return false;
    this.active.get(requestId)?.abort.abort();
    this.options.repo.update(requestId, { state: 'canceled', finishedAt: this.now().toISOString() });
    if (request.agentId && request.agentJobId) await this.cancelOnAgent(request.agentId, request.agentJobId);
    this.publish(requestId, true);
    this.checkBatch(request.batchId);
    return true;
  }

  /** Cancels every unfinished request of a batch, on the agents too. */
  async cancelBatch(batchId: string): Promise<void> {
    this.options.repo.setBatchState(batchId, 'canceled');
    const canceled = this.options.repo.cancelUnfinished(batchId);
    for (const c of canceled) this.active.get(c.requestId)?.abort.abort();
    await Promise.all(
      canceled
        .filter((c) => c.agentId && c.agentJobId)
        .map((c) => this.cancelOnAgent(c.agentId!, c.agentJobId!)),
    );
    for (const c of canceled) this.publish(c.requestId, true);
    this.publishBatch(batchId);
  }

  isActive(requestId: string): boolean {
    return this.active.has(requestId);
  }

  private schedule(): void {
    if (this.stopped) return;
    const nowMs = Date.now();
    const fleet = this.options.fleet.snapshot();
    const { repo, dispatcher } = this.options;
    // Only as many as could be placed now (and a few more for pinned batches and re-attaches): with every window
    // full there is nothing to do until one frees up.
    const room = fleet
      .filter((a) => a.up)
      .reduce((sum, a) => sum + Math.max(0, dispatcher.window(a) - dispatcher.inFlightOn(a.id)), 0);
    for (const request of repo.claimable(Math.max(20, room * 3), nowMs, this.onlyBatch)) {
      if (this.active.has(request.requestId)) continue;
      // An agent job already exists: follow it again on that agent (no new upload, no new job).
      if (request.agentId && request.agentJobId) {
        if (!this.take(request, nowMs)) continue;
        dispatcher.took(request.agentId);
        this.launch(request, request.agentId, request.decision ?? 'picked up after a restart', true);
        continue;
      }
      const failedOn =
        request.attempts > 0
          ? new Set(
              repo
                .attempts(request.requestId)
                .filter((a) => a.outcome === 'failed' || a.outcome === 'abandoned')
                .map((a) => a.agentId),
            )
          : new Set<string>();
      const choice = dispatcher.choose(fleet, {
        requestId: request.requestId,
        bytes: request.bytes,
        mediaKind: request.mediaKind,
        analyses: request.analyses,
        pinnedAgentId: request.pinnedAgentId,
        failedOn,
      });
      if (choice.agentId === undefined) {
        // Waiting for room on a busy fleet is the normal queue, not news; any other reason is shown on the request.
        if (!choice.capacityOnly) {
          const waiting = `waiting: ${choice.wait}`;
          if (request.decision !== waiting) {
            repo.update(request.requestId, { decision: waiting });
            this.publish(request.requestId, true);
          }
        }
        continue;
      }
      if (!this.take(request, nowMs)) continue;
      dispatcher.took(choice.agentId);
      this.launch(request, choice.agentId, choice.decision, false);
    }
  }

  private take(request: RequestRecord, nowMs: number): boolean {
    const row = this.options.repo.leaseOwner(request.requestId);
    // A lease of a process that died is free now, not when it would have expired.
    if (
      row &&
      row.owner &&
      row.owner !== this.owner &&
      row.until >= nowMs &&
      requestOwnerAlive(row.owner, liveOwners)
    )
      return false;
    if (row && row.owner && !requestOwnerAlive(row.owner, liveOwners))
      this.options.repo.clearLease(request.requestId);
    return this.options.repo.lease(request.requestId, this.owner, nowMs, this.leaseMs);
  }

  private launch(request: RequestRecord, agentId: string, decision: string, reattach: boolean): void {
    const abort = new AbortController();
    this.active.set(request.requestId, { abort, agentId });
    void this.attempt(request, agentId, decision, reattach, abort.signal)
      .catch((err: unknown) => {
        // A bug in the runner must not lose the request: it goes back to pending and is tried again.
        console.error(`console: request ${request.requestId} on ${agentId}:`, err);
        this.options.repo.update(request.requestId, { state: 'pending', agentJobId: null });
      })
      .finally(() => {
        this.options.dispatcher.released(agentId);
        this.active.delete(request.requestId);
        this.options.repo.release(request.requestId, this.owner);
        this.wake();
      });
  }

  private async attempt(
    request: RequestRecord,
    agentId: string,
    decision: string,
    reattach: boolean,
    signal: AbortSignal,
  ): Promise<void> {
    const { repo, dispatcher, fleet } = this.options;
    let agent: Awaited<ReturnType<RunnerAgents['resolve']>>;
    try {
      agent = await this.options.agents.resolve(agentId);
    } catch (err) {
      // The agent is gone from the fleet (removed, its token lost): another one takes the request.
      fleet.markUnreachable(agentId, (err as Error).message);
      return this.failOver(request, agentId, null, errorOf(err), 'abandoned');
    }
    const attemptId = reattach
      ? (repo.openAttempt(request.requestId)?.id ?? repo.startAttempt(request.requestId, agent.agent))
      : repo.startAttempt(request.requestId, agent.agent);
    let jobId = reattach ? request.agentJobId : null;
    if (!jobId) {
      this.patch(
        request.requestId,
        {
          agentId,
          agentName: agent.agent.name,
          decision,
          attempts: request.attempts + 1,
          error: null,
          startedAt: request.startedAt ?? this.now().toISOString(),
        },
        false,
      );
      const checked = await this.checkFile(request);
      if (checked) return this.fail(request, attemptId, checked);
      this.patch(request.requestId, { state: 'uploading', progress: 0, agentStage: null });
      const started = Date.now();
      try {
        const accepted = await this.upload(agent.client, request, signal);
        jobId = accepted.id;
      } catch (err) {
        if (signal.aborted) return this.endForStop(request, attemptId);
        return this.afterFailure(request, agentId, attemptId, errorOf(err), err);
      }
      dispatcher.observeUpload(agentId, request.bytes, Date.now() - started);
      this.options.onAgentMeasured?.(agentId);
      fleet.markReachable(agentId);
      repo.setAttemptJob(attemptId, jobId);
      this.patch(request.requestId, { state: 'queued', progress: 0, agentJobId: jobId });
    }
    let job: AgentJob;
    try {
      job = await this.follow(agent.client, request.requestId, jobId, signal);
    } catch (err) {
      if (signal.aborted) return this.endForStop(request, attemptId);
      const error = errorOf(err);
      if (error.code === 'RESULT_INVALID') return this.fail(request, attemptId, error);
      // The agent forgot the job (its data reset, or the job was lost): send the file again, same key.
      if (error.code === 'AGENT_NOT_FOUND') {
        repo.endAttempt(attemptId, 'abandoned', error);
        this.patch(request.requestId, { state: 'pending', agentJobId: null });
        return;
      }
      await this.cancelOnAgent(agentId, jobId);
      fleet.markUnreachable(agentId, error.message);
      return this.failOver(request, agentId, attemptId, error, 'abandoned');
    }
    fleet.markReachable(agentId);
    if (job.status === 'succeeded' && job.result) {
      if (job.startedAt && job.finishedAt) {
        dispatcher.observeRun(
          agentId,
          request.mediaKind,
          (Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000,
        );
        this.options.onAgentMeasured?.(agentId);
      }
      const stored = repo.finishWithResult(request.requestId, job.result, {
        progress: 1,
        agentStage: null,
        finishedAt: this.now().toISOString(),
        error: null,
      });
      repo.endAttempt(attemptId, stored ? 'done' : 'abandoned', null);
      this.publish(request.requestId, true);
      this.checkBatch(request.batchId);
      return;
    }
    const error = job.error ?? {
      code: job.status === 'canceled' ? 'AGENT_CANCELED' : 'AGENT_JOB_FAILED',
      message: `the agent reports the job as ${job.status}`,
    };
    if (job.status === 'canceled' && repo.get(request.requestId)?.state === 'canceled')
      return repo.endAttempt(attemptId, 'abandoned', null);
    return this.afterFailure(request, agentId, attemptId, error, null);
  }

  /** The file must still be the one submitted: same size, same sha256. */
  private async checkFile(request: RequestRecord): Promise<ErrorEnvelope | null> {
    const info = await stat(request.path).catch(() => null);
    if (!info?.isFile())
      return {
        code: 'FILE_VANISHED',
        message: `${request.fileName} is no longer at ${request.path}; it was moved or deleted after it was submitted`,
      };
    const changed = {
      code: 'FILE_CHANGED',
      message: `${request.fileName} changed after it was submitted (its content is not what was hashed then); submit it again to analyse the new version`,
    };
    if (info.size !== request.bytes) return changed;
    const now = await sha256OfFile(request.path).catch(() => null);
    if (now === null)
      return {
        code: 'FILE_VANISHED',
        message: `${request.fileName} could not be read at ${request.path} any more`,
      };
    if (request.sha256 && now !== request.sha256) return changed;
    return null;
  }

  private async upload(
    client: RunnerAgentPort,
    request: RequestRecord,
    signal: AbortSignal,
  ): Promise<{ id: string; status: string }> {
    const idle = this.options.idleMs ?? 60_000;
    const stall = new AbortController();
    const both = AbortSignal.any([signal, stall.signal]);
    let lastProgress = Date.now();
    let lastPublish = 0;
    const watchdog = setInterval(
      () => {
        if (Date.now() - lastProgress > idle) stall.abort();
      },
      Math.min(1000, idle / 4),
    );
    try {
      const submit: SubmitJobRequest = {
        path: request.path,
        fileName: request.fileName,
        analyses: (request.analyses ?? undefined) as SubmitJobRequest['analyses'],
        // A file dropped alone is someone waiting; a folder is batch work the agent fits around it.
        priority: this.options.repo.batchSize(request.batchId) === 1 ? 'interactive' : 'batch',
        idempotencyKey: request.idempotencyKey,
        signal: both,
        onUploadProgress: (sent, total) => {
          lastProgress = Date.now();
          if (Date.now() - lastPublish < 250 && sent < total) return;
          lastPublish = Date.now();
          this.patch(request.requestId, { progress: total ? sent / total : 1 }, false);
        },
      };
      return await client.submitJob(submit).catch((err: unknown) => {
        if (stall.signal.aborted && !signal.aborted)
          throw new ConsoleError(
            'AGENT_UNREACHABLE',
            `the upload to the agent stalled (nothing sent for ${Math.round(idle / 1000)} s)`,
          );
        throw err;
      });
    } finally {
      clearInterval(watchdog);
    }
  }

  /** Follows the job over its event stream, reading it when the stream is not there; returns it once it has ended. */
  private async follow(
    client: RunnerAgentPort,
    requestId: string,
    jobId: string,
    signal: AbortSignal,
  ): Promise<AgentJob> {
    const idle = this.options.idleMs ?? 60_000;
    const pollMs = this.options.pollMs ?? 1000;
    const grace = this.options.unreachableGraceMs ?? 20_000;
    const apply = (e: Pick<AgentJobEvent, 'status' | 'progress' | 'stage'>): void => {
      if (e.status === 'queued')
        this.patch(requestId, { state: 'queued', progress: 0, agentStage: e.stage }, false);
      else if (e.status === 'running')
        this.patch(
          requestId,
          { state: 'running', progress: Math.min(1, Math.max(0, e.progress)), agentStage: e.stage },
          false,
        );
    };
    // The stream first: it carries progress as it happens.
    try {
      const stream = new AbortController();
      const linked = AbortSignal.any([signal, stream.signal]);
      let heard = Date.now();
      const watchdog = setInterval(
        () => Date.now() - heard > idle && stream.abort(),
        Math.min(1000, idle / 4),
      );
      try {
        for await (const event of client.followJob(jobId, linked)) {
          heard = Date.now();
          if (['succeeded', 'failed', 'canceled'].includes(event.status))
            return await client.getJob(jobId, AbortSignal.any([signal, AbortSignal.timeout(30_000)]));
          apply(event);
        }
      } finally {
        clearInterval(watchdog);
      }
    } catch (err) {
      if (signal.aborted) throw err;
      const code = (err as { code?: string }).code;
      if (code === 'RESULT_INVALID' || code === 'AGENT_NOT_FOUND') throw err;
    }
    // Then reading the job until it ends; an agent that stays unreachable for the grace period is given up on.
    let failingSince: number | null = null;
    for (;;) {
      if (signal.aborted) throw new ConsoleError('CANCELED', 'stopped following');
      try {
        const job = await client.getJob(
          jobId,
          AbortSignal.any([signal, AbortSignal.timeout(Math.min(idle, 15_000))]),
        );
        failingSince = null;
        if (['succeeded', 'failed', 'canceled'].includes(job.status)) return job;
        apply(job);
      } catch (err) {
        if (signal.aborted) throw err;
        const code = (err as { code?: string }).code;
        if (code === 'RESULT_INVALID' || code === 'AGENT_NOT_FOUND') throw err;
        failingSince ??= Date.now();
        if (Date.now() - failingSince > grace) throw err;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /** After a failed try: final when it is the file's own reason, otherwise the request goes elsewhere. */
  private afterFailure(
    request: RequestRecord,
    agentId: string,
    attemptId: number,
    error: ErrorEnvelope,
    cause: unknown,
  ): void {
    const code = withoutAgentPrefix(error.code);
    if (fileOwnErrorCodes.has(code)) return this.fail(request, attemptId, { ...error, code });
    if (code === 'QUEUE_FULL') {
      // Backpressure, not a failure: the agent said when to come back; the request waits or goes elsewhere.
      this.options.dispatcher.coolDown(
        agentId,
        (cause as { retryAfterSeconds?: number } | null)?.retryAfterSeconds ?? 5,
      );
      this.options.repo.endAttempt(attemptId, 'refused', error);
      this.patch(request.requestId, {
        state: 'pending',
        progress: 0,
        agentJobId: null,
        attempts: request.attempts,
      });
      return;
    }
    if (code === 'UNREACHABLE' || code === 'UNAUTHORIZED' || code === 'TOKEN_REJECTED')
      this.options.fleet.markUnreachable(agentId, error.message);
    return this.failOver(request, agentId, attemptId, error, 'failed');
  }

  private failOver(
    request: RequestRecord,
    agentId: string,
    attemptId: number | null,
    error: ErrorEnvelope,
    outcome: 'failed' | 'abandoned',
  ): void {
    const { repo } = this.options;
    if (attemptId !== null) repo.endAttempt(attemptId, outcome, error);
    const tries = repo
      .attempts(request.requestId)
      .filter((a) => a.outcome === 'failed' || a.outcome === 'abandoned').length;
    const current = repo.get(request.requestId);
    if (!current || current.state === 'canceled') return;
    if (tries >= (this.options.maxAttempts ?? 5)) {
      this.patch(request.requestId, {
        state: 'failed',
        finishedAt: this.now().toISOString(),
        error: {
          code: error.code,
          message: `tried ${tries} times on ${new Set(repo.attempts(request.requestId).map((a) => a.agentName)).size} agent(s); the last said: ${error.message}`,
        },
      });
      this.checkBatch(request.batchId);
      return;
    }
    this.patch(request.requestId, {
      state: 'pending',
      progress: 0,
      agentStage: null,
      agentJobId: null,
      decision: `sent again after ${agentId === current.agentId ? current.agentName : agentId} failed: ${error.message}`,
    });
  }

  private fail(request: RequestRecord, attemptId: number, error: ErrorEnvelope): void {
    this.options.repo.endAttempt(attemptId, 'failed', error);
    this.patch(request.requestId, {
      state: 'failed',
      finishedAt: this.now().toISOString(),
      error,
      agentStage: null,
    });
    this.checkBatch(request.batchId);
  }

  /** Stopped by cancel or shutdown: a cancel already wrote the request; a shutdown leaves it for the next start. */
  private endForStop(request: RequestRecord, attemptId: number): void {
    const now = this.options.repo.get(request.requestId);
    if (now?.state === 'canceled') this.options.repo.endAttempt(attemptId, 'abandoned', null);
  }

  /**
   * Tells the agent to stop a job this console no longer wants. When the agent cannot be reached, the job is
   * marked and told again once it answers (a late result is ignored either way: the request is done elsewhere).
   */
  private async cancelOnAgent(agentId: string, jobId: string): Promise<boolean> {
    try {
      const { client } = await this.options.agents.resolve(agentId);
      await client.cancelJob(jobId, AbortSignal.timeout(5000));
      return true;
    } catch (err) {
      // Gone from the agent already: nothing to stop.
      if ((err as { code?: string }).code === 'AGENT_NOT_FOUND') return true;
      this.options.repo.markCancelPending(agentId, jobId);
      return false;
    }
  }

  /** Abandoned jobs whose agent could not be told: try again (every few seconds, a few at a time). */
  private async retryCancels(): Promise<void> {
    if (this.cancelling || this.stopped) return;
    this.cancelling = true;
    try {
      for (const pending of this.options.repo.pendingCancels(20)) {
        if (await this.cancelOnAgent(pending.agentId, pending.agentJobId))
          this.options.repo.cancelDone(pending.id);
      }
    } finally {
      this.cancelling = false;
    }
  }

  /**
   * Erases the queued jobs now (a delete just queued some); resolves when the pass ends. A pass already running
   * is waited for first, as it may have read the queue before the new rows were there. Works whether or not the
   * runner was started (the command line deletes without running requests).
   */
  eraseOnAgentsNow(): Promise<void> {
    this.erasurePasses++;
    const pass = this.erasureChain.then(() => this.erasePending()).finally(() => this.erasurePasses--);
    this.erasureChain = pass.catch((err: unknown) => console.error('console: erasure pass:', err));
    return this.erasureChain;
  }

  /** The timer's pass: none while one runs or waits (a pass takes every pending row). */
  private eraseWhenIdle(): void {
    if (!this.stopped && this.erasurePasses === 0) void this.eraseOnAgentsNow();
  }

  /**
   * One pass over the pending erasures, a page at a time: each agent's rows one after another, the agents side by
   * side. An agent that fails once (unreachable, refusing, too old for the erasure route) is not asked again in
   * this pass; what it said is written on all its rows, which wait for the next pass.
   */
  private async erasePending(): Promise<void> {
    const waiting = new Set<string>();
    let afterId = 0;
    while (!this.closed) {
      const page = this.options.repo.pendingErasures(200, afterId);
      if (!page.length) return;
      afterId = page.at(-1)!.id;
      const byAgent = new Map<string, AgentErasureRecord[]>();
      for (const row of page) {
        if (waiting.has(row.agentId)) continue;
        byAgent.set(row.agentId, [...(byAgent.get(row.agentId) ?? []), row]);
      }
      await Promise.all(
        [...byAgent].map(async ([agentId, rows]) => {
          if (!(await this.eraseOn(agentId, rows))) waiting.add(agentId);
        }),
      );
    }
  }

  /** Erases `rows` on one agent; false when the agent could not do it now (the rest wait for the next pass). */
  private async eraseOn(agentId: string, rows: readonly AgentErasureRecord[]): Promise<boolean> {
    const { repo } = this.options;
    if (agentId === localAgentId) {
      // A built-in agent that failed to start is not launched again by every pass: it waits until it runs again.
      const local = this.options.fleet.snapshot().find((a) => a.id === agentId);
      if (local && !local.up) {
        repo.erasuresWaitOn(agentId, {
          code: 'LOCAL_AGENT_FAILED',
          message: local.downReason ?? 'the built-in agent is not running',
        });
        return false;
      }
    }
    let client: RunnerAgentPort;
    try {
      client = (await this.options.agents.resolve(agentId)).client;
    } catch (err) {
      const error = errorOf(err);
      if (error.code !== 'AGENT_UNKNOWN') {
        // Its token is missing, or the built-in agent is not run by this process: the agent still exists; wait.
        repo.erasuresWaitOn(agentId, error);
        return false;
      }
      // Removed from the console: nothing can reach it any more. Kept, with why, for the person to act on.
      for (const row of rows)
        repo.erasureFailed(
          row.id,
          {
            code: 'AGENT_REMOVED',
            message: `${row.agentName ?? agentId} was removed from the console, so its copy of job ${row.agentJobId} could not be erased; erase it on that agent (POST /v1/jobs/${row.agentJobId}/erase) if it still runs`,
          },
          { final: true },
        );
      return true;
    }
    if (!client.eraseJob) {
      repo.erasuresWaitOn(agentId, {
        code: 'AGENT_ROUTE_MISSING',
        message: 'this agent client cannot erase jobs',
      });
      return false;
    }
    for (const row of rows) {
      if (this.closed) return true;
      try {
        repo.erasureDone(row.id, await client.eraseJob(row.agentJobId, AbortSignal.timeout(15_000)));
      } catch (err) {
        const error = errorOf(err);
        // The agent does not know the job (erased already, by its retention, or its data was reset): nothing is left.
        if (error.code === 'AGENT_NOT_FOUND') {
          repo.erasureDone(row.id, null);
          continue;
        }
        repo.erasuresWaitOn(agentId, error);
        repo.erasureFailed(row.id, error, { final: false });
        return false;
      }
    }
    return true;
  }

  /** Writes a change; progress within a state never goes back. Published at most 4 times a second unless `force`. */
  private patch(requestId: string, patch: RequestPatch, force = true): void {
    const { repo } = this.options;
    if (patch.progress !== undefined && patch.state === undefined) {
      const current = repo.get(requestId);
      if (current && patch.progress < current.progress) delete patch.progress;
    } else if (patch.progress !== undefined && patch.state !== undefined) {
      const current = repo.get(requestId);
      if (current && current.state === patch.state && patch.progress < current.progress)
        delete patch.progress;
    }
    repo.update(requestId, patch);
    this.publish(requestId, force);
  }

  private publish(requestId: string, force: boolean): void {
    const last = this.lastPublished.get(requestId) ?? 0;
    if (!force && Date.now() - last < 250) return;
    this.lastPublished.set(requestId, Date.now());
    const request = this.options.repo.get(requestId);
    if (request) this.options.onRequest(publicView(request));
    if (request && ['done', 'failed', 'canceled'].includes(request.state))
      this.lastPublished.delete(requestId);
  }

  private checkBatch(batchId: string): void {
    const { repo } = this.options;
    const batch = repo.batch(batchId);
    if (!batch) return;
    const counts = repo.counts(batchId);
    const remaining = counts.pending + counts.uploading + counts.queued + counts.running;
    if (remaining === 0 && batch.state === 'running') repo.setBatchState(batchId, 'done');
    this.publishBatch(batchId);
  }

  publishBatch(batchId: string): void {
    const { repo } = this.options;
    const row = repo.batch(batchId);
    if (row)
      this.options.onBatch(
        toBatchSummary(row, repo.counts(batchId), repo.recentFinishes(batchId, 50), Date.now()),
      );
  }
}

function errorOf(err: unknown): ErrorEnvelope {
  if (err instanceof ConsoleError) return { code: err.code, message: err.message };
  return { code: 'AGENT_ERROR', message: (err as Error).message ?? String(err) };
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The idempotency key sent to the agent: the same request (file content, analyses, options, client) is one job there. */
export function idempotencyKeyOf(request: {
  sha256: string;
  analyses: readonly string[] | null;
  options: object;
  clientLabel: string | null;
  generation?: number;
}): string {
  const canonical = JSON.stringify([
    request.sha256,
    request.analyses ? [...request.analyses].sort() : null,
    Object.fromEntries(
      Object.entries(request.options)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => a.localeCompare(b)),
    ),
    request.clientLabel,
    request.generation ?? 0,
  ]);
  return `mf-${createHash('sha256').update(canonical).digest('hex').slice(0, 48)}`;
}

export type { MediaKind };
