// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AnalysisSubmission } from '../../../../electron/core/contracts/analyze.js';
import { applySubmissionUpdate, filterJobs } from './jobs-filter.js';
import { JobsTable } from './JobsTable.js';

const job = (i: number, stage: AnalysisSubmission['stage'], extra: Partial<AnalysisSubmission> = {}): AnalysisSubmission => ({
  submissionId: `s${i}`,
  fileName: `file-${i}.jpg`,
  bytes: 100,
  analyses: null,
  agentId: 'local',
  stage,
  progress: 0.5,
  agentStage: null,
  jobId: `job-${i}`,
  submittedAt: new Date(2026, 0, 1, 12, 0, i % 60).toISOString(),
  finishedAt: null,
  error: stage === 'failed' ? { code: 'CORRUPT_MEDIA', message: 'cannot decode the image' } : null,
  ...extra,
});

afterEach(cleanup);
// jsdom has no layout: give elements the size of a 600 px tall list so the virtualizer has a window to fill.
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 600 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 1000 });
});

describe('jobs filter', () => {
  const jobs = [job(1, 'done'), job(2, 'failed'), job(3, 'running'), job(4, 'queued', { fileName: 'holiday.png' })];
  it('filters by stage, by "in progress", and by text in name, job id or error', () => {
    expect(filterJobs(jobs, { text: '', stage: 'failed' }).map((j) => j.submissionId)).toEqual(['s2']);
    expect(filterJobs(jobs, { text: '', stage: 'active' }).map((j) => j.submissionId)).toEqual(['s3', 's4']);
    expect(filterJobs(jobs, { text: 'HOLIDAY', stage: 'all' }).map((j) => j.submissionId)).toEqual(['s4']);
    expect(filterJobs(jobs, { text: 'decode', stage: 'all' }).map((j) => j.submissionId)).toEqual(['s2']);
    expect(filterJobs(jobs, { text: 'job-3', stage: 'all' }).map((j) => j.submissionId)).toEqual(['s3']);
  });
});

describe('live updates', () => {
  it('patch one submission into the cached list: others stay the same objects; new ones go on top', () => {
    const list = [job(3, 'running'), job(2, 'done'), job(1, 'failed')];
    const moved = applySubmissionUpdate(list, { ...list[0], progress: 0.9 })!;
    expect(moved[0].progress).toBe(0.9);
    expect(moved[1]).toBe(list[1]);
    expect(list[0].progress).toBe(0.5); // the cached array is not mutated
    expect(applySubmissionUpdate(list, job(4, 'queued'))!.map((j) => j.submissionId)).toEqual(['s4', 's3', 's2', 's1']);
    expect(applySubmissionUpdate(undefined, job(4, 'queued'))).toBeUndefined();
  });

  it('no filter gives the same array back, so the table does not re-render for nothing', () => {
    const list = [job(1, 'done')];
    expect(filterJobs(list, { text: '  ', stage: 'all' })).toBe(list);
  });
});

describe('JobsTable', () => {
  it('renders only a window of rows out of 10,000', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => job(i, 'done'));
    render(<JobsTable jobs={many} readOnly={false} onRetry={() => undefined} onCancel={() => undefined} />);
    const rows = screen.getAllByRole('row').length - 1; // minus the header
    expect(rows).toBeGreaterThan(5);
    expect(rows).toBeLessThan(60);
    expect(screen.getByText('file-0.jpg')).toBeTruthy();
    expect(screen.queryByText('file-9999.jpg')).toBeNull();
  });

  it('after a scroll, shows the rows of the new window (rows are reused, their content follows)', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => job(i, 'done'));
    render(<JobsTable jobs={many} readOnly={false} onRetry={() => undefined} onCancel={() => undefined} />);
    const scroller = screen.getByTestId('jobs-scroll');
    scroller.scrollTop = 44 * 5000;
    fireEvent.scroll(scroller);
    expect(await screen.findByText('file-5000.jpg')).toBeTruthy();
    expect(screen.queryByText('file-0.jpg')).toBeNull();
    const indexes = screen.getAllByRole('row').slice(1).map((r) => Number(r.getAttribute('aria-rowindex')));
    expect(new Set(indexes).size).toBe(indexes.length);
    expect(Math.min(...indexes)).toBeGreaterThan(4900);
  });

  it('offers retry for failed jobs and cancel for running ones, and calls back with the id', () => {
    const onRetry = vi.fn();
    const onCancel = vi.fn();
    render(<JobsTable jobs={[job(1, 'failed'), job(2, 'running'), job(3, 'done')]} readOnly={false} onRetry={onRetry} onCancel={onCancel} />);
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onRetry).toHaveBeenCalledWith('s1');
    expect(onCancel).toHaveBeenCalledWith('s2');
    expect(screen.getAllByRole('button')).toHaveLength(2); // nothing to do for the finished job
  });

  it('disables retry and cancel in a read-only console', () => {
    const onRetry = vi.fn();
    render(<JobsTable jobs={[job(1, 'failed'), job(2, 'running')]} readOnly onRetry={onRetry} onCancel={() => undefined} />);
    const retry = screen.getByRole('button', { name: 'Retry' }) as HTMLButtonElement;
    expect(retry.disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Cancel' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(retry);
    expect(onRetry).not.toHaveBeenCalled();
  });
});
