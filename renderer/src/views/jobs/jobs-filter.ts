// Filtering of the Jobs list: by stage and by text in the file name, job id or error.
import type { AnalysisSubmission, SubmissionStage } from '../../../../electron/core/contracts/analyze.js';

export interface JobsFilter {
  text: string;
  stage: SubmissionStage | 'active' | 'all';
}

const activeStages = new Set<SubmissionStage>(['upload', 'queued', 'running']);

export function filterJobs(jobs: readonly AnalysisSubmission[], filter: JobsFilter): AnalysisSubmission[] {
  const needle = filter.text.trim().toLowerCase();
  return jobs.filter((job) => {
    if (filter.stage === 'active' && !activeStages.has(job.stage)) return false;
    if (filter.stage !== 'all' && filter.stage !== 'active' && job.stage !== filter.stage) return false;
    if (!needle) return true;
    return (
      job.fileName.toLowerCase().includes(needle) ||
      (job.jobId ?? '').toLowerCase().includes(needle) ||
      (job.error?.message ?? '').toLowerCase().includes(needle)
    );
  });
}

export const canCancel = (job: AnalysisSubmission): boolean => activeStages.has(job.stage);
export const canRetry = (job: AnalysisSubmission): boolean => job.stage === 'failed' || job.stage === 'canceled';
