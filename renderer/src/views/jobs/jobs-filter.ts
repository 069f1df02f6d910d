// Filtering of the Jobs list (by state and by text in the file name, request id, agent or error), and applying
// one live request update to the cached list without fetching all of it again.
import type { AnalysisRequest, RequestState } from '../../../../electron/core/contracts/requests.js';
import { canRetryError } from '../../errors/error-texts.js';

export interface JobsFilter {
  text: string;
  state: RequestState | 'active' | 'all';
}

const activeStates = new Set<RequestState>(['pending', 'uploading', 'queued', 'running']);

// Lower-cased search text per request object. Requests are replaced, never mutated, so an object's text cannot
// go stale; typing in the filter then costs one includes() per job instead of several toLowerCase().
const haystacks = new WeakMap<AnalysisRequest, string>();
function haystackOf(job: AnalysisRequest): string {
  let text = haystacks.get(job);
  if (text === undefined) {
    text = `${job.fileName}\n${job.requestId}\n${job.agentJobId ?? ''}\n${job.agentName ?? ''}\n${job.clientLabel ?? ''}\n${job.error?.message ?? ''}`.toLowerCase();
    haystacks.set(job, text);
  }
  return text;
}

export function filterJobs(jobs: readonly AnalysisRequest[], filter: JobsFilter): readonly AnalysisRequest[] {
  const needle = filter.text.trim().toLowerCase();
  // No filter: the same array, so the table sees no change at all.
  if (!needle && filter.state === 'all') return jobs;
  return jobs.filter((job) => {
    if (filter.state === 'active' && !activeStates.has(job.state)) return false;
    if (filter.state !== 'all' && filter.state !== 'active' && job.state !== filter.state) return false;
    return !needle || haystackOf(job).includes(needle);
  });
}

/**
 * The cached list (newest first) with one request's new state: replaced where it is, or added on top when it is
 * new. Untouched requests stay the same objects, so their rows do not re-render.
 */
export function applyRequestUpdate(list: readonly AnalysisRequest[] | undefined, update: AnalysisRequest): AnalysisRequest[] | undefined {
  if (!list) return undefined;
  const at = list.findIndex((s) => s.requestId === update.requestId);
  if (at === -1) return [update, ...list];
  const next = list.slice();
  next[at] = update;
  return next;
}

/** Removes deleted requests from the cached list. */
export function withoutRequests(list: readonly AnalysisRequest[] | undefined, ids: ReadonlySet<string>): AnalysisRequest[] | undefined {
  return list?.filter((r) => !ids.has(r.requestId));
}

export const canCancel = (job: AnalysisRequest): boolean => activeStates.has(job.state);
/** Canceled jobs and failures that may pass; never a permanent failure (an empty file fails the same way again). */
export const canRetry = (job: AnalysisRequest): boolean => job.state === 'canceled' || (job.state === 'failed' && canRetryError(job.error?.code ?? 'ERROR'));

/** How long a request took (or has taken so far), as "850 ms", "12 s", "3 min 5 s"; empty before it started. */
export function durationText(job: Pick<AnalysisRequest, 'startedAt' | 'finishedAt'>, now = Date.now()): string {
  if (!job.startedAt) return '';
  const ms = (job.finishedAt ? Date.parse(job.finishedAt) : now) - Date.parse(job.startedAt);
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/**
 * The progress column: the agent's progress while running, the bytes sent while uploading, each said with its
 * stage so a file that moves from sending (100%) to running (10%) does not look as if it went back.
 */
export function progressText(job: Pick<AnalysisRequest, 'state' | 'progress'>): string {
  if (job.state === 'uploading') return `sending ${Math.round(job.progress * 100)}%`;
  if (job.state === 'running') return `${Math.round(job.progress * 100)}%`;
  return '';
}
