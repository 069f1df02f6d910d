// A fixed set of worker threads, one job each at a time. A worker that ignores a cancel or timeout for longer
// than the grace period, or that crashes, is terminated and replaced, so one bad file cannot wedge a slot.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AgentError, type ErrorCode } from '../errors.js';
import type { ResultDocument } from '../contracts/result-document.js';
import type { Logger } from '../logger.js';
import type { FromWorker, ModelLoadFailure, ToWorker, WorkerInit } from './worker-protocol.js';
import type { JobRunner, RunnableJob, RunHooks } from './job-runner.js';
import type { InstalledModel } from './analyzer-port.js';

export interface WorkerPoolOptions {
  size: number;
  /** The worker entry; `.ts` files are started through tsx's loader (development, tests). */
  workerUrl: URL;
  init: WorkerInit;
  logger: Logger;
  /** How long a worker may take to stop after a cancel before it is terminated. */
  abortGraceMs?: number;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  /** What the worker said when it had loaded its models; undefined while it loads. */
  loaded?: { failures: ModelLoadFailure[] };
  current?: {
    jobId: string;
    resolve: (result: ResultDocument) => void;
    reject: (err: unknown) => void;
    onProgress: RunHooks['onProgress'];
    killTimer?: NodeJS.Timeout;
  };
}

export const defaultWorkerUrl = new URL(import.meta.url.endsWith('.ts') ? './analysis-worker.ts' : './analysis-worker.js', import.meta.url);

export class WorkerPool implements JobRunner {
  private readonly slots: Slot[] = [];
  private closing = false;
  private nextRequestId = 1;
  private readonly modelRequests = new Map<number, (models: InstalledModel[]) => void>();
  /** Analyses whose runtime fell back from the GPU to the CPU in a worker, with why (for /v1/info). */
  private readonly gpuFallbacks = new Map<string, string>();

  constructor(private readonly options: WorkerPoolOptions) {}

  get capacity(): number {
    return this.options.size;
  }

  get idleSlots(): number {
    return this.slots.filter((s) => !s.current).length;
  }

  start(): void {
    for (let i = 0; i < this.options.size; i++) this.slots.push(this.spawn());
  }

  /** Resolves when every worker has loaded its models (or failed to). */
  async whenReady(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.ready));
  }

  /**
   * Whether every worker has its warm-up models loaded; if not, why (the first failure of each analysis). A worker
   * replaced later reports again, so this follows the pool as it is now.
   */
  modelsReady(): { ready: boolean; reason?: string } {
    if (this.slots.some((slot) => !slot.loaded)) return { ready: false, reason: 'the workers are loading their models' };
    const byAnalysis = new Map<string, ModelLoadFailure>();
    for (const slot of this.slots) for (const f of slot.loaded!.failures) if (!byAnalysis.has(f.analysis)) byAnalysis.set(f.analysis, f);
    if (byAnalysis.size === 0) return { ready: true };
    const reasons = [...byAnalysis.values()].map((f) => `${f.analysis}: ${f.code}: ${f.message}`);
    return { ready: false, reason: `models failed to load (${reasons.join('; ')})` };
  }

  async run(job: RunnableJob, hooks: RunHooks): Promise<ResultDocument> {
    const slot = this.slots.find((s) => !s.current);
    if (!slot) throw new AgentError('INTERNAL', 'no idle worker');
    return new Promise<ResultDocument>((resolve, reject) => {
      slot.current = { jobId: job.id, resolve, reject, onProgress: hooks.onProgress };
      const onAbort = (): void => {
        const reason = hooks.signal.reason instanceof AgentError ? hooks.signal.reason : new AgentError('CANCELED');
        this.post(slot, { type: 'cancel', jobId: job.id, reason: { code: reason.code, message: reason.message } });
        if (slot.current && !slot.current.killTimer) {
          slot.current.killTimer = setTimeout(() => this.replace(slot, reason), this.options.abortGraceMs ?? 2000);
        }
      };
      if (hooks.signal.aborted) return onAbort();
      hooks.signal.addEventListener('abort', onAbort, { once: true });
      this.post(slot, { type: 'run', jobId: job.id, inputPath: job.inputPath, fileName: job.fileName, options: job.options });
    });
  }

  /** The models as a worker sees them (installed, loaded, size); [] if no worker answers within `timeoutMs`. */
  deviceFallbacks(): ReadonlyMap<string, string> {
    return this.gpuFallbacks;
  }

  describeModels(timeoutMs = 10_000): Promise<InstalledModel[]> {
    const slot = this.slots.find((s) => !s.current) ?? this.slots[0];
    if (!slot) return Promise.resolve([]);
    const requestId = this.nextRequestId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.modelRequests.delete(requestId);
        resolve([]);
      }, timeoutMs);
      this.modelRequests.set(requestId, (models) => {
        clearTimeout(timer);
        this.modelRequests.delete(requestId);
        resolve(models);
      });
      this.post(slot, { type: 'describe-models', requestId });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private spawn(): Slot {
    const { workerUrl, init } = this.options;
    const worker = workerUrl.pathname.endsWith('.ts')
      ? new Worker(new URL('data:text/javascript,' + encodeURIComponent(tsBootstrap(workerUrl))), { workerData: init })
      : new Worker(workerUrl, { workerData: init });
    let markReady!: () => void;
    let wasReady = false;
    const slot: Slot = { worker, ready: new Promise((resolve) => (markReady = resolve)) };
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') {
        wasReady = true;
        slot.loaded = { failures: message.failures ?? [] };
        if (slot.loaded.failures.length > 0) this.options.logger.error({ failures: slot.loaded.failures }, 'an analysis worker could not load its models');
        return markReady();
      }
      if (message.type === 'models') return this.modelRequests.get(message.requestId)?.(message.models);
      if (message.type === 'device-fallback') {
        if (!this.gpuFallbacks.has(message.analysis)) this.options.logger.warn({ analysis: message.analysis, reason: message.reason }, 'an analysis planned for the GPU runs on the CPU');
        this.gpuFallbacks.set(message.analysis, message.reason);
        return;
      }
      const current = slot.current;
      if (!current || current.jobId !== message.jobId) return;
      if (message.type === 'progress') return current.onProgress({ stage: message.stage, progress: message.progress });
      this.finish(slot);
      if (message.type === 'succeeded') current.resolve(message.result);
      else current.reject(new AgentError(message.error.code as ErrorCode, message.error.message));
    });
    worker.on('error', (err) => this.options.logger.error({ err }, 'analysis worker error'));
    worker.on('exit', (code) => {
      if (!wasReady) slot.loaded = { failures: [{ analysis: 'all', code: 'INTERNAL', message: `the analysis worker exited (code ${code}) while loading its models` }] };
      markReady();
      if (this.closing) return;
      const index = this.slots.indexOf(slot);
      if (index === -1) return;
      this.options.logger.warn({ code, jobId: slot.current?.jobId }, 'analysis worker exited; starting a new one');
      const current = slot.current;
      this.finish(slot);
      current?.reject(new AgentError('INTERNAL', 'the analysis worker stopped unexpectedly', { workerDied: true }));
      if (wasReady) {
        this.slots[index] = this.spawn();
      } else {
        // It died while starting: retry slowly rather than spin, and keep the slot busy meanwhile.
        slot.current = { jobId: '', resolve: () => undefined, reject: () => undefined, onProgress: () => undefined };
        setTimeout(() => {
          if (!this.closing && this.slots[index] === slot) this.slots[index] = this.spawn();
        }, 5000).unref();
      }
    });
    return slot;
  }

  /** Terminates a worker stuck in a job that was canceled or timed out, and puts a fresh one in its place. */
  private replace(slot: Slot, reason: AgentError): void {
    const index = this.slots.indexOf(slot);
    const current = slot.current;
    this.finish(slot);
    if (index !== -1) this.slots[index] = this.spawn();
    void slot.worker.terminate();
    current?.reject(reason);
  }

  private finish(slot: Slot): void {
    if (slot.current?.killTimer) clearTimeout(slot.current.killTimer);
    slot.current = undefined;
  }

  private post(slot: Slot, message: ToWorker): void {
    slot.worker.postMessage(message);
  }
}

/** Node 20 cannot start a `.ts` worker with `execArgv: ['--import', 'tsx']`; registering tsx in a tiny ESM
 * bootstrap first and then importing the entry works on every Node version we run. */
function tsBootstrap(entry: URL): string {
  // require.resolve finds tsx's CommonJS build of the API; its ESM twin sits next to it.
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  return `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(entry.href)});`;
}
