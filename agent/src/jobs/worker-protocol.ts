// Messages between the queue's worker pool (main thread) and a worker thread that runs one job at a time.
import type { AnalysisSettings } from '../config.js';
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
  /** The analysis settings from the validated config; a worker never reads process.env for them. */
  settings: AnalysisSettings;
}

export interface ModelLoadFailure {
  analysis: string;
  code: string;
  message: string;
}

export type ToWorker =
  | { type: 'run'; jobId: string; inputPath: string; fileName: string; options: JobOptions }
  | { type: 'cancel'; jobId: string; reason: { code: string; message: string } }
  | { type: 'describe-models'; requestId: number };

export type FromWorker =
  /** Models loaded; `failures` lists the warm-up analyses whose models failed to load (the agent is then not ready). */
  | { type: 'ready'; failures: ModelLoadFailure[] }
  | { type: 'progress'; jobId: string; stage: string; progress: number }
  | { type: 'succeeded'; jobId: string; result: ResultDocument }
  | { type: 'failed'; jobId: string; error: { code: string; message: string } }
  | { type: 'models'; requestId: number; models: InstalledModel[] }
  /** A runtime planned for the GPU runs on the CPU instead (runtimes/gpu), with why. */
  | { type: 'device-fallback'; analysis: string; reason: string };
