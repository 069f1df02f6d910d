// Messages between the queue's worker pool (main thread) and a worker thread that runs one job at a time.
import type { ResultDocument } from '../contracts/result-document.js';
import type { JobOptions } from '../store/jobs-repository.js';
import type { InstalledModel } from './analyzer-port.js';

export interface WorkerInit {
  agent: { id: string; version: string };
  /** Analyses whose models the worker loads before it says it is ready. */
  warmUp: string[];
  /** Nice value the worker thread sets on itself (0: none). */
  nice: number;
  /** Video keyframe thumbnails go to <thumbnailsRoot>/<job id>/ (the API serves them); none written when absent. */
  thumbnailsRoot?: string;
}

export type ToWorker =
  | { type: 'run'; jobId: string; inputPath: string; fileName: string; options: JobOptions }
  | { type: 'cancel'; jobId: string; reason: { code: string; message: string } }
  | { type: 'describe-models'; requestId: number };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; jobId: string; stage: string; progress: number }
  | { type: 'succeeded'; jobId: string; result: ResultDocument }
  | { type: 'failed'; jobId: string; error: { code: string; message: string } }
  | { type: 'models'; requestId: number; models: InstalledModel[] };
