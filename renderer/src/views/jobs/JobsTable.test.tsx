// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sampleRequest } from '../../../../test-harness/renderer/sample-requests.js';
import { applyRequestUpdate, durationText, filterJobs, progressText } from './jobs-filter.js';
import { JobsTable } from './JobsTable.js';

const job = sampleRequest;

afterEach(cleanup);
// jsdom has no layout: give elements the size of a 600 px tall list so the virtualizer has a window to fill.
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 600 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 1000 });
});

describe('jobs filter', () => {
  const jobs = [job(1, 'done'), job(2, 'failed'), job(3, 'running'), job(4, 'queued', { fileName: 'holiday.png' })];
  it('filters by stage, by "in progress", and by text in name, job id or error', () => {
    expect(filterJobs(jobs, { text: '', state: 'failed' }).map((j) => j.requestId)).toEqual(['r2']);
    expect(filterJobs(jobs, { text: '', state: 'active' }).map((j) => j.requestId)).toEqual(['r3', 'r4']);
    expect(filterJobs(jobs, { text: 'HOLIDAY', state: 'all' }).map((j) => j.requestId)).toEqual(['r4']);
    expect(filterJobs(jobs, { text: 'decode', state: 'all' }).map((j) => j.requestId)).toEqual(['r2']);
    expect(filterJobs(jobs, { text: 'job-3', state: 'all' }).map((j) => j.requestId)).toEqual(['r3']);
  });
});

describe('live updates', () => {
  it('patch one request into the cached list: others stay the same objects; new ones go on top', () => {
    const list = [job(3, 'running'), job(2, 'done'), job(1, 'failed')];
    const moved = applyRequestUpdate(list, { ...list[0], progress: 0.9 })!;
    expect(moved[0].progress).toBe(0.9);
    expect(moved[1]).toBe(list[1]);
    expect(list[0].progress).toBe(0.5); // the cached array is not mutated
    expect(applyRequestUpdate(list, job(4, 'queued'))!.map((j) => j.requestId)).toEqual(['r4', 'r3', 'r2', 'r1']);
    expect(applyRequestUpdate(undefined, job(4, 'queued'))).toBeUndefined();
  });

  it('says progress with its stage, so sending 100% then running 10% does not read as going back; durations in words', () => {
    expect(progressText(job(1, 'uploading', { progress: 1 }))).toBe('sending 100%');
    expect(progressText(job(1, 'running', { progress: 0.1 }))).toBe('10%');
    expect(progressText(job(1, 'queued'))).toBe('');
    expect(durationText(job(1, 'done'))).toBe('2 s');
    expect(durationText({ startedAt: '2026-01-01T12:00:00.000Z', finishedAt: '2026-01-01T12:03:05.000Z' })).toBe('3 min 5 s');
    expect(durationText({ startedAt: '2026-01-01T12:00:00.000Z', finishedAt: '2026-01-01T12:00:00.250Z' })).toBe('250 ms');
    expect(durationText(job(1, 'pending'))).toBe('');
  });

  it('no filter gives the same array back, so the table does not re-render for nothing', () => {
    const list = [job(1, 'done')];
    expect(filterJobs(list, { text: '  ', state: 'all' })).toBe(list);
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

  it('offers retry for failures that may pass and canceled jobs, never for a permanent failure; cancel for running ones', () => {
    const onRetry = vi.fn();
    const onCancel = vi.fn();
    const transient = job(4, 'failed', { error: { code: 'AGENT_UNREACHABLE', message: 'the agent at http://x did not answer' } });
    render(<JobsTable jobs={[job(1, 'failed'), job(2, 'running'), job(3, 'done'), transient, job(5, 'canceled')]} readOnly={false} onRetry={onRetry} onCancel={onCancel} />);
    const row = (file: string) => screen.getByText(file).closest('[role=row]') as HTMLElement;
    // CORRUPT_MEDIA: the same file fails the same way; the row says so in words, not in the agent's message.
    expect(within(row('file-1.jpg')).queryByRole('button')).toBeNull();
    expect(row('file-1.jpg').querySelector('.job-error')!.textContent).toBe('permanentThe file is damaged or cut short, so it cannot be decoded');
    expect(row('file-1.jpg').querySelector('.job-error')!.getAttribute('title')).toMatch(/^Cannot decode the image\nNext: Get a complete copy/);
    fireEvent.click(within(row('file-4.jpg')).getByRole('button', { name: 'Retry' }));
    fireEvent.click(within(row('file-5.jpg')).getByRole('button', { name: 'Retry' }));
    fireEvent.click(within(row('file-2.jpg')).getByRole('button', { name: 'Cancel' }));
    expect(onRetry.mock.calls).toEqual([['r4'], ['r5']]);
    expect(onCancel).toHaveBeenCalledWith('r2');
    // A job links to its result, and says where it ran and how often it was sent.
    expect(within(row('file-3.jpg')).getByRole('link', { name: 'file-3.jpg' }).getAttribute('href')).toBe('#/analyze/r3');
    expect(row('file-3.jpg').querySelector('.job-agent')!.textContent).toBe('This computer');
    expect(row('file-3.jpg').querySelector('.job-agent')!.getAttribute('title')).toBe('earliest finish: This computer, about 2 s');
    expect(row('file-3.jpg').querySelector('.job-attempts')!.textContent).toBe('1');
  });

  it('read-only: the jobs are listed with their stage and reason, without actions or links to the files', () => {
    render(<JobsTable jobs={[job(1, 'failed'), job(2, 'running'), job(3, 'done'), job(5, 'canceled')]} readOnly onRetry={() => undefined} onCancel={() => undefined} />);
    expect(screen.queryAllByRole('button')).toEqual([]);
    expect(screen.queryAllByRole('link')).toEqual([]);
    expect(screen.getByText('The file is damaged or cut short, so it cannot be decoded')).toBeTruthy();
    expect(screen.getAllByRole('row')).toHaveLength(5);
  });
});

