// The jobs list, virtualized so thousands of rows scroll smoothly: only the visible rows are in the DOM.
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useRef, type CSSProperties } from 'react';
import type { AnalysisRequest } from '../../../../electron/core/contracts/requests.js';
import { describeError } from '../../errors/error-texts.js';
import { resultHref } from '../../state/route.js';
import { canCancel, canRetry, durationText, progressText } from './jobs-filter.js';

const ROW_HEIGHT = 44;
// One formatter for all rows: toLocaleTimeString builds a new one per call, which dominates a fast scroll.
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

const JobRow = memo(function JobRow({
  job,
  readOnly,
  onRetry,
  onCancel,
}: {
  job: AnalysisRequest;
  readOnly: boolean;
  onRetry: (id: string) => void;
  onCancel: (id: string) => void;
}) {
  const error = job.error ? describeError(job.error) : null;
  return (
    <>
      <span className="job-file" title={job.clientLabel ? `${job.fileName} (for ${job.clientLabel})` : job.fileName}>
        {/* A read-only console lists jobs without opening their files or results. */}
        {readOnly ? job.fileName : <a href={resultHref(job.requestId)}>{job.fileName}</a>}
      </span>
      <span className={`job-stage stage-${job.state}`}>{job.state}</span>
      <span className="job-agent" title={job.decision ?? undefined}>
        {job.agentName ?? ''}
      </span>
      <span className="job-analyses" title={job.analyses?.join(', ') ?? 'all that fit the media'}>
        {job.analyses?.join(', ') ?? 'all'}
      </span>
      <span className="job-progress">{progressText(job)}</span>
      <span className="job-duration">{durationText(job)}</span>
      <span className="job-attempts" title={job.attempts > 1 ? `sent to ${job.attempts} agents in turn` : undefined}>
        {job.attempts || ''}
      </span>
      <span className="job-time">{timeFormat.format(new Date(job.submittedAt))}</span>
      <span className="job-error" title={error ? [error.detail, `Next: ${error.next}`].filter(Boolean).join('\n') : undefined} data-kind={error?.kind}>
        {error && (
          <>
            {error.kind === 'permanent' && <span className="job-permanent">permanent</span>}
            {error.title}
          </>
        )}
      </span>
      <span className="job-actions">
        {!readOnly && canRetry(job) && (
          <button type="button" className="small" onClick={() => onRetry(job.requestId)}>
            Retry
          </button>
        )}
        {!readOnly && canCancel(job) && (
          <button type="button" className="small ghost" onClick={() => onCancel(job.requestId)}>
            Cancel
          </button>
        )}
      </span>
    </>
  );
});

const rowStyle = (start: number): CSSProperties => ({ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${start}px)` });

export function JobsTable({
  jobs,
  readOnly,
  onRetry,
  onCancel,
}: {
  jobs: readonly AnalysisRequest[];
  readOnly: boolean;
  onRetry: (id: string) => void;
  onCancel: (id: string) => void;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: jobs.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    // Render the new rows in their own task instead of synchronously inside the scroll event, so the browser's
    // frame (scroll, layout, paint) and React's render are two short tasks, not one long one. The overscan
    // rows cover the gap.
    useFlushSync: false,
  });
  const items = virtualizer.getVirtualItems();
  // Rows are keyed by slot (index modulo the largest window seen), not by job: a row scrolled out is reused for
  // the row scrolled in, so a scroll updates a few text nodes instead of creating and collecting DOM rows.
  // Any contiguous window of at most `slots` rows has distinct keys.
  const slots = useRef(1);
  slots.current = Math.max(slots.current, items.length);
  return (
    <div className="jobs-table" role="table" aria-label="jobs" aria-rowcount={jobs.length}>
      <div className="jobs-head" role="row">
        <span>File</span>
        <span>State</span>
        <span>Agent</span>
        <span>Analyses</span>
        <span>Progress</span>
        <span>Duration</span>
        <span>Attempts</span>
        <span>Submitted</span>
        <span>Error</span>
        <span />
      </div>
      <div ref={scrollRef} className="jobs-scroll" data-testid="jobs-scroll">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((row) => (
            <div key={row.index % slots.current} role="row" aria-rowindex={row.index + 2} className="jobs-row" style={rowStyle(row.start)}>
              <JobRow job={jobs[row.index]} readOnly={readOnly} onRetry={onRetry} onCancel={onCancel} />
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
