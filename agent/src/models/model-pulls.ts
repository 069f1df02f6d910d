// Model pulls as background operations for the HTTP API: at most one pull per model at a time, its progress
// (bytes done/total of the file being fetched) kept for status requests and pushed to subscribers (SSE), and one
// cancel path. The download itself is the model manager's: resumable, sha256-checked, moved into place atomically.
import { randomUUID } from 'node:crypto';
import { AgentError, toErrorInfo } from '../errors.js';
import type { ModelManager } from './model-manager.js';

export type PullPhase = 'running' | 'succeeded' | 'failed' | 'canceled';

export interface PullState {
  operationId: string;
  model: string;
  phase: PullPhase;
  /** Increases with every change, so a client can tell a fresh state from one it has seen. */
  seq: number;
  /** The file being fetched (or the last one), its bytes received so far and its expected size when known. */
  file: string | null;
  receivedBytes: number;
  totalBytes: number | null;
  /** Bytes of a partial download that were already in the cache when this pull started (it resumes from there). */
  resumedFromBytes: number;
  startedAt: string;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
}

export type PullListener = (state: PullState) => void;

/** Raised when a pull of the same model is already running (HTTP 409). */
export class PullAlreadyRunning extends Error {
  constructor(readonly state: PullState) {
    super(`a pull of model ${state.model} is already running (operation ${state.operationId})`);
    this.name = 'PullAlreadyRunning';
  }
}

const isDone = (phase: PullPhase): boolean => phase !== 'running';

export class ModelPulls {
  private readonly states = new Map<string, PullState>();
  private readonly controllers = new Map<string, AbortController>();
  private readonly listeners = new Map<string, Set<PullListener>>();
  private readonly finished = new Map<string, Promise<PullState>>();

  /** Progress events closer than this are folded into one (the last state always goes out). */
  constructor(
    private readonly manager: ModelManager,
    private readonly progressIntervalMs = 100,
  ) {}

  /**
   * Starts pulling a model and returns its first state. Unknown ids (NOT_FOUND) and unpinned files without
   * allowUnpinned (BAD_REQUEST) are refused before anything starts; a running pull of the same model raises
   * PullAlreadyRunning.
   */
  async start(id: string, opts: { allowUnpinned?: boolean } = {}): Promise<PullState> {
    const running = this.states.get(id);
    if (running && !isDone(running.phase)) throw new PullAlreadyRunning(running);
    const manifest = await this.manager.checkPullable(id, opts.allowUnpinned);
    const before = await this.manager.status(manifest);
    // Checked again, with no await between this check and claiming the model below: another start may have
    // slipped in while the manifest and the cache were read.
    const raced = this.states.get(id);
    if (raced && !isDone(raced.phase)) throw new PullAlreadyRunning(raced);
    const resuming = before.files.find((f) => !f.present && f.partialBytes > 0);
    const state: PullState = {
      operationId: randomUUID(),
      model: id,
      phase: 'running',
      seq: 0,
      file: resuming?.name ?? null,
      receivedBytes: resuming?.partialBytes ?? 0,
      totalBytes: resuming?.size ?? null,
      resumedFromBytes: resuming?.partialBytes ?? 0,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      error: null,
    };
    const controller = new AbortController();
    this.states.set(id, state);
    this.controllers.set(id, controller);

    let lastEmit = 0;
    const run = this.manager
      .pullModel(id, {
        allowUnpinned: opts.allowUnpinned,
        signal: controller.signal,
        onProgress: (p) => {
          const complete = p.totalBytes !== undefined && p.receivedBytes >= p.totalBytes;
          const now = Date.now();
          this.update(id, { file: p.file, receivedBytes: p.receivedBytes, totalBytes: p.totalBytes ?? null }, complete || now - lastEmit >= this.progressIntervalMs);
          if (complete || now - lastEmit >= this.progressIntervalMs) lastEmit = now;
        },
      })
      .then(
        () => this.finish(id, 'succeeded', null),
        (err: unknown) => {
          const info = toErrorInfo(err);
          return this.finish(id, info.code === 'CANCELED' ? 'canceled' : 'failed', info);
        },
      );
    this.finished.set(id, run);
    return { ...state };
  }

  /** The current or last pull of a model, if there was one since the agent started. */
  get(id: string): PullState | undefined {
    const s = this.states.get(id);
    return s ? { ...s } : undefined;
  }

  isRunning(id: string): boolean {
    const s = this.states.get(id);
    return s !== undefined && !isDone(s.phase);
  }

  /** Resolves with the final state of the model's current pull (tests, CLI-like callers). */
  async whenDone(id: string): Promise<PullState> {
    const p = this.finished.get(id);
    if (!p) throw new AgentError('NOT_FOUND', `no pull of model ${id}`);
    return p;
  }

  /** Stops a running pull; its partial download stays in the cache so the next pull resumes it. */
  cancel(id: string): PullState {
    const s = this.states.get(id);
    if (!s || isDone(s.phase)) throw new AgentError('NOT_FOUND', `no running pull of model ${id}`);
    this.controllers.get(id)?.abort();
    return { ...s };
  }

  /** Calls the listener on every change of the model's pull; returns the unsubscribe function. */
  subscribe(id: string, listener: PullListener): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Cancels every running pull (agent shutdown). */
  cancelAll(): void {
    for (const c of this.controllers.values()) c.abort();
  }

  private update(id: string, patch: Partial<PullState>, emit: boolean): void {
    const s = this.states.get(id);
    if (!s) return;
    Object.assign(s, patch);
    s.seq += 1;
    if (emit) this.emit(s);
  }

  private finish(id: string, phase: PullPhase, error: PullState['error']): PullState {
    this.update(id, { phase, error, finishedAt: new Date().toISOString() }, true);
    this.controllers.delete(id);
    return { ...this.states.get(id)! };
  }

  private emit(state: PullState): void {
    for (const l of this.listeners.get(state.model) ?? []) l({ ...state });
  }
}
