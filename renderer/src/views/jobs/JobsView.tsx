// Jobs: every file sent for analysis from this console, newest first; filter, retry, cancel.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useDeferredValue, useEffect, useMemo, useState } from 'react';
import { cancelAnalysis, listSubmissions, retryAnalysis, SubmissionStage, type AnalysisSubmission } from '../../../../electron/core/contracts/analyze.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { EmptyState, ErrorNotice, ViewHeader, asErrorInfo } from '../../components/common.js';
import { useUiStore } from '../../state/ui-store.js';
import { applySubmissionUpdate, filterJobs, type JobsFilter } from './jobs-filter.js';
import { JobsTable } from './JobsTable.js';

export function JobsView() {
  const client = useConsole();
  const readOnly = useReadOnly();
  const queryClient = useQueryClient();
  const setView = useUiStore((s) => s.setView);
  const [filter, setFilter] = useState<JobsFilter>({ text: '', stage: 'all' });
  const [actionError, setActionError] = useState<{ code: string; message: string } | null>(null);
  const jobs = useQuery({ queryKey: ['submissions'], queryFn: () => client.invoke(listSubmissions, {}), enabled: !readOnly });
  // Each progress event carries the whole submission: patch it into the cached list. (Refetching the list on
  // every event re-sent and re-compared all 10,000 jobs several times a second while files were running.)
  useEffect(
    () => client.on<AnalysisSubmission>('analyze', (update) => queryClient.setQueryData<AnalysisSubmission[]>(['submissions'], (list) => applySubmissionUpdate(list, update))),
    [client, queryClient],
  );
  // Typing stays responsive: the 10,000-row filter runs at lower priority than the keystroke.
  const deferredFilter = useDeferredValue(filter);
  const visible = useMemo(() => filterJobs(jobs.data ?? [], deferredFilter), [jobs.data, deferredFilter]);
  const act = useCallback(
    async (action: Promise<unknown>) => {
      setActionError(null);
      try {
        await action;
      } catch (err) {
        setActionError(asErrorInfo(err));
      }
      void queryClient.invalidateQueries({ queryKey: ['submissions'] });
    },
    [queryClient],
  );
  const onRetry = useCallback((id: string) => void act(client.invoke(retryAnalysis, { submissionId: id })), [act, client]);
  const onCancel = useCallback((id: string) => void act(client.invoke(cancelAnalysis, { submissionId: id })), [act, client]);

  return (
    <div className="view">
      <ViewHeader title="Jobs" subtitle={jobs.data ? `${visible.length} of ${jobs.data.length} shown` : undefined} />
      <div className="filters">
        <input type="search" placeholder="Filter by file, job id or error" aria-label="filter jobs" value={filter.text} onChange={(e) => setFilter({ ...filter, text: e.target.value })} />
        <select aria-label="stage" value={filter.stage} onChange={(e) => setFilter({ ...filter, stage: e.target.value as JobsFilter['stage'] })}>
          <option value="all">all stages</option>
          <option value="active">in progress</option>
          {SubmissionStage.options.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      {actionError && <ErrorNotice error={actionError} />}
      {readOnly ? (
        <EmptyState title="Jobs are hidden in read-only mode">Support mode shows health, spend, benchmarks and the audit log.</EmptyState>
      ) : jobs.error ? (
        <ErrorNotice error={asErrorInfo(jobs.error)} onRetry={() => void jobs.refetch()} />
      ) : jobs.data && jobs.data.length === 0 ? (
        <EmptyState title="No jobs yet">
          <button type="button" onClick={() => setView('analyze')}>
            Analyze a file
          </button>{' '}
          to start one.
        </EmptyState>
      ) : (
        <JobsTable jobs={visible} readOnly={readOnly} onRetry={onRetry} onCancel={onCancel} />
      )}
    </div>
  );
}
