// The port between the queue and whatever executes a job (the worker pool in production).
import type { ResultDocument } from '../contracts/result-document.js';
import type { JobOptions } from '../store/jobs-repository.js';

export interface RunnableJob {
  id: string;
  inputPath: string;
  fileName: string;
  options: JobOptions;
}

export interface RunHooks {
  signal: AbortSignal;
  onProgress: (progress: { stage: string; progress: number }) => void;
}

export interface JobRunner {
  /** How many jobs may run at once. */
  readonly capacity: number;
  /** How many more jobs it can take right now (a worker being replaced is not idle). */
  readonly idleSlots: number;
  run(job: RunnableJob, hooks: RunHooks): Promise<ResultDocument>;
  close(): Promise<void>;
}
