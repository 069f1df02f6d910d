// Filtering of the Jobs list (by stage and by text in the file name, job id or error), and applying one live
// submission update to the cached list without fetching all of it again.
import type { AnalysisSubmission, SubmissionStage } from '../../../../electron/core/contracts/analyze.js';

export interface JobsFilter {
  text: string;
  stage: SubmissionStage | 'active' | 'all';
}

const activeStages = new Set<SubmissionStage>(['upload', 'queued', 'running']);

// Lower-cased search text per submission object. Submissions are replaced, never mutated, so an object's text
// cannot go stale; typing in the filter then costs one includes() per job instead of three toLowerCase().
const haystacks = new WeakMap<AnalysisSubmission, string>();
function haystackOf(job: AnalysisSubmission): string {
  let text = haystacks.get(job);
  if (text === undefined) {
    text = `${job.fileName}\n${job.jobId ?? ''}\n${job.error?.message ?? ''}`.toLowerCase();
    haystacks.set(job, text);
  }
  return text;
}

export function filterJobs(jobs: readonly AnalysisSubmission[], filter: JobsFilter): readonly AnalysisSubmission[] {
  const needle = filter.text.trim().toLowerCase();
  // No filter: the same array, so the table sees no change at all.
  if (!needle && filter.stage === 'all') return jobs;
  return jobs.filter((job) => {
    if (filter.stage === 'active' && !activeStages.has(job.stage)) return false;
    if (filter.stage !== 'all' && filter.stage !== 'active' && job.stage !== filter.stage) return false;
    return !needle || haystackOf(job).includes(needle);
  });
}

/**
 * The cached list (newest first) with one submission's new state: replaced where it is, or added on top when
 * it is new. Untouched submissions stay the same objects, so their rows do not re-render.
 */
export function applySubmissionUpdate(list: readonly AnalysisSubmission[] | undefined, update: AnalysisSubmission): AnalysisSubmission[] | undefined {
  if (!list) return undefined;
  const at = list.findIndex((s) => s.submissionId === update.submissionId);
  if (at === -1) return [update, ...list];
  const next = list.slice();
  next[at] = update;
  return next;
}

export const canCancel = (job: AnalysisSubmission): boolean => activeStages.has(job.stage);
export const canRetry = (job: AnalysisSubmission): boolean => job.stage === 'failed' || job.stage === 'canceled';
