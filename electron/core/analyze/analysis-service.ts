// Follows each file a user drops through upload → queued → running → done on an agent, keeps the latest
// state of every submission for the Jobs view, and publishes each change so the renderer can draw progress.
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { stat } from 'node:fs/promises';
import { ResultDocument, type AnalysisName } from '#agent/contracts/result-document.js';
import { ConsoleError } from '../contracts/define.js';
import { KEYFRAME_MAX_BYTES, type AnalysisSubmission } from '../contracts/analyze.js';
import type { AgentJob, AgentPort } from '../agents/agent-http-client.js';
import { imagePreview } from '../media/image-preview.js';

export interface AgentResolver {
  /** The agent to send work to; throws a ConsoleError when it is not usable (e.g. still starting). */
  resolve(agentId: string): Promise<{ client: AgentPort }>;
}

export interface AnalysisServiceOptions {
  agents: AgentResolver;
  onChange?: (submission: AnalysisSubmission) => void;
  /** How often to ask the agent how a job stands. */
  pollIntervalMs?: number;
  now?: () => Date;
}

interface Tracked {
  state: AnalysisSubmission;
  path: string;
  abort: AbortController;
  result: ResultDocument | null;
}

const terminalStages = new Set(['done', 'failed', 'canceled']);

export class AnalysisService {
  private readonly submissions = new Map<string, Tracked>();
  private readonly pollIntervalMs: number;
  private readonly now: () => Date;

  constructor(private readonly options: AnalysisServiceOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 300;
    this.now = options.now ?? (() => new Date());
  }

  async submit(input: { path: string; fileName?: string; analyses?: AnalysisName[]; agentId: string }): Promise<AnalysisSubmission> {
    const info = await stat(input.path).catch(() => null);
    if (!info?.isFile()) throw new ConsoleError('FILE_NOT_FOUND', `${input.path} is not a readable file`);
    const tracked: Tracked = {
      path: input.path,
      abort: new AbortController(),
      result: null,
      state: {
        submissionId: randomUUID(),
        fileName: input.fileName ?? basename(input.path),
        bytes: info.size,
        analyses: input.analyses ?? null,
        agentId: input.agentId,
        stage: 'upload',
        progress: 0,
        agentStage: null,
        jobId: null,
        submittedAt: this.now().toISOString(),
        finishedAt: null,
        error: null,
      },
    };
    this.submissions.set(tracked.state.submissionId, tracked);
    this.publish(tracked);
    void this.run(tracked);
    return { ...tracked.state };
  }

  status(submissionId: string): AnalysisSubmission {
    return { ...this.get(submissionId).state };
  }

  list(): AnalysisSubmission[] {
    return [...this.submissions.values()].map((t) => ({ ...t.state })).reverse();
  }

  result(submissionId: string): ResultDocument {
    const tracked = this.get(submissionId);
    if (!tracked.result) {
      throw new ConsoleError('RESULT_NOT_READY', `${tracked.state.fileName} is ${tracked.state.stage}; its result is there once it is done`);
    }
    return tracked.result;
  }

  /**
   * The thumbnail of one keyframe of a finished video, fetched from the agent that ran it (the console keeps
   * no copy: the agent stores thumbnails with the job).
   */
  async keyframe(submissionId: string, index: number): Promise<{ index: number; t: number; jpeg: Buffer }> {
    const tracked = this.get(submissionId);
    const result = this.result(submissionId);
    const name = tracked.state.fileName;
    if (result.media.kind !== 'video' || !result.timeline) {
      throw new ConsoleError('NOT_A_VIDEO', `${name} is ${result.media.kind === 'video' ? 'a video analysed without the video analysis' : `${result.media.kind}, not video`}; it has no keyframes`);
    }
    const entry = result.timeline[index];
    if (!entry) {
      throw new ConsoleError('KEYFRAME_OUT_OF_RANGE', `${name} has ${result.timeline.length} keyframes (0–${result.timeline.length - 1}); there is no keyframe ${index}`);
    }
    if (!entry.thumbnail) throw new ConsoleError('KEYFRAME_GONE', `the agent kept no thumbnail of keyframe ${index} of ${name}`);
    const { client: agent } = await this.options.agents.resolve(tracked.state.agentId);
    if (!agent.getKeyframe || !tracked.state.jobId) throw new ConsoleError('KEYFRAME_GONE', `the agent that analysed ${name} cannot serve its keyframes`);
    const jpeg = await agent.getKeyframe(tracked.state.jobId, index, KEYFRAME_MAX_BYTES).catch((err: unknown) => {
      // The agent forgets jobs and their thumbnails (retention, a reset data directory): say what that means here.
      if (err instanceof ConsoleError && err.code === 'AGENT_NOT_FOUND') {
        throw new ConsoleError('KEYFRAME_GONE', `the agent no longer has keyframe ${index} of ${name} (${err.message.replace(/^the agent refused: /, '')}); analyse the file again to see it`);
      }
      throw err;
    });
    if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) {
      throw new ConsoleError('AGENT_BAD_RESPONSE', `the agent answered keyframe ${index} of ${name} with something that is not a JPEG`);
    }
    return { index, t: entry.t, jpeg };
  }

  /**
   * The analysed image, scaled to fit `maxSide` as a JPEG, from the console's copy of the file (kept for retry).
   * EXIF rotation is applied, as the agent applies it before finding faces, so findings line up.
   */
  async preview(submissionId: string, maxSide: number): Promise<{ jpeg: Buffer; width: number; height: number }> {
    const tracked = this.get(submissionId);
    const result = this.result(submissionId);
    if (result.media.kind !== 'image') {
      throw new ConsoleError('NOT_AN_IMAGE', `${tracked.state.fileName} is ${result.media.kind}; only images have a preview`);
    }
    return imagePreview(tracked.path, tracked.state.fileName, maxSide);
  }

  async cancel(submissionId: string): Promise<boolean> {
    const tracked = this.get(submissionId);
    if (terminalStages.has(tracked.state.stage)) return false;
    tracked.abort.abort();
    if (tracked.state.jobId) {
      const { client: agent } = await this.options.agents.resolve(tracked.state.agentId);
      await agent.cancelJob(tracked.state.jobId).catch(() => undefined);
    }
    this.update(tracked, { stage: 'canceled', finishedAt: this.now().toISOString() });
    return true;
  }

  async retry(submissionId: string): Promise<AnalysisSubmission> {
    const { path, state } = this.get(submissionId);
    return this.submit({ path, fileName: state.fileName, analyses: state.analyses ?? undefined, agentId: state.agentId });
  }

  /** Stop following every submission (the console is closing). */
  close(): void {
    for (const tracked of this.submissions.values()) tracked.abort.abort();
  }

  private get(submissionId: string): Tracked {
    const tracked = this.submissions.get(submissionId);
    if (!tracked) throw new ConsoleError('NOT_FOUND', `no submission ${submissionId}`);
    return tracked;
  }

  private async run(tracked: Tracked): Promise<void> {
    const { signal } = tracked.abort;
    try {
      const { client: agent } = await this.options.agents.resolve(tracked.state.agentId);
      let lastReport = 0;
      const accepted = await agent.submitJob({
        path: tracked.path,
        fileName: tracked.state.fileName,
        analyses: tracked.state.analyses ?? undefined,
        signal,
        onUploadProgress: (sent, total) => {
          // Throttle: a big file would otherwise flood the renderer with events.
          if (Date.now() - lastReport < 100 && sent < total) return;
          lastReport = Date.now();
          this.update(tracked, { progress: total ? sent / total : 1 });
        },
      });
      this.update(tracked, { stage: 'queued', progress: 0, jobId: accepted.id });
      if (await this.followEvents(tracked, agent, accepted.id, signal)) return;
      for (;;) {
        if (signal.aborted) return;
        const job = await agent.getJob(accepted.id, signal);
        if (this.applyJob(tracked, job)) return;
        await new Promise((resolve) => setTimeout(resolve, this.pollIntervalMs));
      }
    } catch (err) {
      if (signal.aborted) return;
      const code = err instanceof ConsoleError ? err.code : 'ANALYZE_FAILED';
      this.update(tracked, { stage: 'failed', error: { code, message: (err as Error).message }, finishedAt: this.now().toISOString() });
    }
  }

  /**
   * Follows the agent's SSE stream; at the terminal status, fetches the job once for its result. Returns false
   * when the stream is not available or breaks off, so the caller falls back to polling.
   */
  private async followEvents(tracked: Tracked, agent: AgentPort, jobId: string, signal: AbortSignal): Promise<boolean> {
    if (!agent.followJob) return false;
    try {
      for await (const event of agent.followJob(jobId, signal)) {
        if (['succeeded', 'failed', 'canceled'].includes(event.status)) {
          return this.applyJob(tracked, await agent.getJob(jobId, signal));
        }
        this.applyJob(tracked, event);
      }
    } catch (err) {
      if (signal.aborted) throw err;
    }
    return false;
  }

  /** Folds the agent's job state into the submission; true once the job is over. */
  private applyJob(tracked: Tracked, job: Pick<AgentJob, 'status' | 'progress' | 'stage' | 'error' | 'result'>): boolean {
    const progress = Math.min(1, Math.max(0, job.progress ?? 0));
    switch (job.status) {
      case 'queued':
        this.update(tracked, { stage: 'queued', progress: 0, agentStage: job.stage });
        return false;
      case 'running':
        this.update(tracked, { stage: 'running', progress, agentStage: job.stage });
        return false;
      case 'succeeded': {
        const parsed = ResultDocument.safeParse(job.result);
        if (!parsed.success) {
          this.update(tracked, {
            stage: 'failed',
            error: { code: 'RESULT_INVALID', message: `the agent's result does not match the result schema: ${parsed.error.issues[0]?.message}` },
            finishedAt: this.now().toISOString(),
          });
          return true;
        }
        tracked.result = parsed.data;
        this.update(tracked, { stage: 'done', progress: 1, agentStage: null, finishedAt: this.now().toISOString() });
        return true;
      }
      case 'canceled':
        this.update(tracked, { stage: 'canceled', finishedAt: this.now().toISOString() });
        return true;
      default:
        this.update(tracked, {
          stage: 'failed',
          error: job.error ?? { code: 'AGENT_JOB_FAILED', message: `the agent reports the job as ${job.status}` },
          finishedAt: this.now().toISOString(),
        });
        return true;
    }
  }

  private update(tracked: Tracked, patch: Partial<AnalysisSubmission>): void {
    const next = { ...tracked.state, ...patch };
    if (JSON.stringify(next) === JSON.stringify(tracked.state)) return;
    tracked.state = next;
    this.publish(tracked);
  }

  private publish(tracked: Tracked): void {
    this.options.onChange?.({ ...tracked.state });
  }
}
