// Jobs: every file sent for analysis from this console (kept in its store across restarts), newest first, with
// the agent it ran on, its attempts and how long it took; the latest batches above, with their progress and
// controls, and the erasures that deleting requests queued on the agents. Filter, retry, cancel; a row opens its
// result.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useDeferredValue, useEffect, useMemo, useState } from 'react';
import { cancelRequest, listRequests, requestEvent, retryRequest, RequestState, type AnalysisRequest } from '../../../../electron/core/contracts/requests.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { EmptyState, ErrorNotice, ViewHeader, asErrorInfo } from '../../components/common.js';
import { useUiStore } from '../../state/ui-store.js';
import { BatchesPanel } from './BatchesPanel.js';
import { ErasuresPanel } from './ErasuresPanel.js';
import { applyRequestUpdate, filterJobs, type JobsFilter } from './jobs-filter.js';
import { JobsTable } from './JobsTable.js';

/** The Jobs list holds this many of the newest requests (the batch benchmark's 10,000 stay responsive). */
export const JOBS_LIMIT = 10_000;
const jobsKey = ['requests', 'jobs'] as const;

export function JobsView() {
  const client = useConsole();
  const readOnly = useReadOnly();
  const queryClient = useQueryClient();
  const setView = useUiStore((s) => s.setView);
  const [filter, setFilter] = useState<JobsFilter>({ text: '', state: 'all' });
  const [actionError, setActionError] = useState<{ code: string; message: string } | null>(null);
  const jobs = useQuery({ queryKey: jobsKey, queryFn: () => client.invoke(listRequests, { limit: JOBS_LIMIT }) });
  // Each event carries the whole request: patch it into the cached list. (Refetching the list on every event
  // re-sent and re-compared all 10,000 jobs several times a second while files were running.)
  useEffect(() => client.on(requestEvent, (update) => queryClient.setQueryData<AnalysisRequest[]>(jobsKey, (list) => applyRequestUpdate(list, update))), [client, queryClient]);
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
    },
    [],
  );
  const onRetry = useCallback(
    (id: string) =>
      void act(
        client.invoke(retryRequest, { requestId: id }).then((fresh) => queryClient.setQueryData<AnalysisRequest[]>(jobsKey, (list) => applyRequestUpdate(list, fresh))),
      ),
    [act, client, queryClient],
  );
  const onCancel = useCallback((id: string) => void act(client.invoke(cancelRequest, { requestId: id })), [act, client]);

  return (
    <div className="view">
      <ViewHeader title="Jobs" subtitle={jobs.data ? `${visible.length} of ${jobs.data.length} shown` : undefined} />
      <BatchesPanel />
      <ErasuresPanel />
      <div className="filters">
        <input type="search" placeholder="Filter by file, agent, client, id or error" aria-label="filter jobs" value={filter.text} onChange={(e) => setFilter({ ...filter, text: e.target.value })} />
        <select aria-label="state" value={filter.state} onChange={(e) => setFilter({ ...filter, state: e.target.value as JobsFilter['state'] })}>
          <option value="all">all states</option>
          <option value="active">in progress</option>
          {RequestState.options.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      {actionError && <ErrorNotice error={actionError} />}
      {readOnly && <p className="muted">Read-only: jobs are listed with their state and reason; their files and results stay closed, and nothing can be retried or canceled here.</p>}
      {jobs.error ? (
        <ErrorNotice error={asErrorInfo(jobs.error)} onRetry={() => void jobs.refetch()} />
      ) : jobs.data && jobs.data.length === 0 ? (
        readOnly ? (
          <EmptyState title="No jobs yet">Files an operator analyses with this console show up here.</EmptyState>
        ) : (
          <EmptyState title="No jobs yet">
            <button type="button" onClick={() => setView('analyze')}>
              Analyze a file
            </button>{' '}
            to start one.
          </EmptyState>
        )
      ) : (
        <JobsTable jobs={visible} readOnly={readOnly} onRetry={onRetry} onCancel={onCancel} />
      )}
    </div>
  );
}
