// The port between the queue and whatever executes a job (the worker pool in production).
import type { ResultDocument } from '../contracts/result-document.js';
import type { JobOptions, JobPriority } from '../store/jobs-repository.js';

export interface RunnableJob {
  id: string;
  inputPath: string;
  fileName: string;
  options: JobOptions;
  /** Only a runner that queues again (the cluster's shared queue) needs these two. */
  priority?: JobPriority;
  timeoutMs?: number;
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
  /** Jobs handed on but not started yet (waiting in the cluster's shared queue); they count against the queue depth. */
  readonly backlog?: number;
  /** Why no job can be handed on right now (the shared queue is unreachable); undefined when it can. */
  readonly unavailable?: string;
  /** True when jobs run on other machines (the shared queue): a shutdown need not wait for them. */
  readonly finishesElsewhere?: boolean;
  run(job: RunnableJob, hooks: RunHooks): Promise<ResultDocument>;
  close(): Promise<void>;
}
