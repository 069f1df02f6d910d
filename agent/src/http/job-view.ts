// A stored job as the API answers it (the JobView of the HTTP v1 contract).
import type { ResultDocument } from '../contracts/result-document.js';
import type { JobView } from '../contracts/http-v1.js';
import type { JobRecord } from '../store/jobs-repository.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function toJobView(job: JobRecord, withResult = true): JobView {
  return {
    id: job.id,
    status: job.status,
    progress: job.progress,
    stage: job.stage,
    priority: job.priority,
    file: job.fileName,
    attempts: job.attempts,
    createdAt: iso(job.createdAt)!,
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    ...(withResult && job.result !== undefined ? { result: job.result as ResultDocument } : {}),
    ...(job.error ? { error: job.error } : {}),
  };
}

/**
 * The JobView of a job as JSON text, with its stored result JSON (already checked against ResultDocument when the
 * job finished) spliced in as is: the same document toJobView gives, without parsing and re-serializing it.
 */
export function jobViewJson(job: JobRecord, resultJson: string | null): string {
  const view = JSON.stringify(toJobView({ ...job, result: undefined }));
  return resultJson === null ? view : `${view.slice(0, -1)},"result":${resultJson}}`;
}
