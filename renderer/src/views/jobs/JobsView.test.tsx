// @vitest-environment jsdom
// The Jobs view lists the console's stored requests and follows running files from their events, without
// fetching the whole list again; the batches above it show their progress and take pause, resume and export.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AgentErasure, BatchSummary } from '../../../../electron/core/contracts/requests.js';
import { ConsoleClient } from '../../api/client.js';
import { ConsoleProvider } from '../../api/console-context.js';
import { contractFakeTransport, type FakeAnswer } from '../../../../test-harness/renderer/contract-fake-transport.js';
import { sampleRequest as job } from '../../../../test-harness/renderer/sample-requests.js';
import { countErasures, removedText } from './ErasuresPanel.js';
import { JobsView } from './JobsView.js';

const batch = (extra: Partial<BatchSummary> = {}): BatchSummary => ({
  batchId: 'b1',
  label: 'holiday (240 files)',
  clientLabel: 'Acme',
  target: { kind: 'fleet' },
  state: 'running',
  total: 240,
  done: 100,
  failed: 2,
  canceled: 0,
  remaining: 138,
  skipped: [{ path: '/photos/notes.txt', reason: 'is not media' }],
  createdAt: '2026-01-01T12:00:00.000Z',
  finishedAt: null,
  filesPerHour: 1240,
  expectedEndAt: '2026-01-01T12:40:00.000Z',
  ...extra,
});

beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 600 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 1000 });
});
afterEach(cleanup);

function renderJobs(answers: Record<string, FakeAnswer>, opts: { readOnly?: boolean } = {}) {
  const transport = contractFakeTransport({ 'batches:list': () => [], 'requests:erasures': () => [], ...answers }, opts);
  render(
    <QueryClientProvider client={new QueryClient()}>
      <ConsoleProvider client={new ConsoleClient(transport)}>
        <JobsView />
      </ConsoleProvider>
    </QueryClientProvider>,
  );
  return transport;
}

describe('Jobs view', () => {
  it('applies request events to the shown rows, adds new requests on top, and lists only once', async () => {
    const jobs = Array.from({ length: 2000 }, (_, i) => job(2000 - i, i % 2 ? 'done' : 'running'));
    const transport = renderJobs({ 'requests:list': () => jobs });
    expect(await screen.findByText('file-2000.jpg')).toBeTruthy();
    expect(screen.getByText('2000 of 2000 shown')).toBeTruthy();
    act(() => transport.emit('request', { ...jobs[0], progress: 0.73 }));
    expect(await screen.findByText('73%')).toBeTruthy();
    act(() => transport.emit('request', job(2001, 'queued')));
    expect(await screen.findByText('file-2001.jpg')).toBeTruthy();
    expect(screen.getByText('2001 of 2001 shown')).toBeTruthy();
    expect(transport.callsOf('requests:list')).toEqual([{ limit: 10_000 }]);

    fireEvent.change(screen.getByLabelText('filter jobs'), { target: { value: 'FILE-1999' } });
    await waitFor(() => expect(screen.getByText('1 of 2001 shown')).toBeTruthy());
  });

  it('shows a batch with its counts and pace, pauses and resumes it, and exports its results', async () => {
    let state: BatchSummary = batch();
    const transport = renderJobs({
      'requests:list': () => [job(1, 'done', { batchId: 'b1' })],
      'batches:list': () => [state],
      'batches:pause': () => (state = batch({ state: 'paused' })),
      'batches:resume': () => (state = batch({ state: 'running' })),
      'batches:export': () => ({ fileName: 'holiday.jsonl', mime: 'application/x-ndjson', text: '{}\n' }),
    });
    const row = await screen.findByLabelText('batch holiday (240 files)');
    expect(within(row).getByTestId('batch-counts').textContent).toBe('100 done · 2 failed · 138 remaining of 240');
    expect(row.textContent).toMatch(/about 1,240 files\/h · ends about/);
    expect(row.textContent).toMatch(/fleet · for Acme/);
    expect(within(row).getByText('1 skipped').getAttribute('title')).toBe('/photos/notes.txt: is not media');
    fireEvent.click(within(row).getByRole('button', { name: 'Pause' }));
    fireEvent.click(await within(row).findByRole('button', { name: 'Resume' }));
    expect(await within(row).findByRole('button', { name: 'Pause' })).toBeTruthy();
    expect(transport.callsOf('batches:pause')).toEqual([{ batchId: 'b1' }]);
    expect(transport.callsOf('batches:resume')).toEqual([{ batchId: 'b1' }]);
    // A later event (from the dispatcher) moves the counts on.
    act(() => transport.emit('batch', batch({ done: 238, remaining: 0, state: 'done', finishedAt: '2026-01-01T12:39:00.000Z' })));
    await waitFor(() => expect(within(row).getByTestId('batch-counts').textContent).toBe('238 done · 2 failed · 0 remaining of 240'));
    URL.createObjectURL = () => 'blob:export';
    URL.revokeObjectURL = () => undefined;
    fireEvent.click(within(row).getByRole('button', { name: 'Export JSONL' }));
    await waitFor(() => expect(transport.callsOf('batches:export')).toEqual([{ batchId: 'b1', format: 'jsonl' }]));
  });
});

describe('deleting a batch', () => {
  it("asks first, erases the agents' copies by default, and says what happened to each", async () => {
    let batches: BatchSummary[] = [batch({ state: 'done', done: 238, remaining: 0, finishedAt: '2026-01-01T12:39:00.000Z' })];
    const transport = renderJobs({
      'requests:list': () => [],
      'batches:list': () => batches,
      'requests:delete': () => {
        batches = [];
        return { deleted: 240, erasure: { erased: 238, pending: 2, failed: 0 } };
      },
    });
    const row = await screen.findByLabelText('batch holiday (240 files)');
    fireEvent.click(within(row).getByRole('button', { name: 'Delete…' }));
    const confirm = within(row).getByRole('group', { name: 'delete holiday (240 files)' });
    expect(confirm.textContent).toMatch(/Delete its 240 requests and their results\?/);
    expect((within(confirm).getByRole('checkbox') as HTMLInputElement).checked).toBe(true);
    expect(transport.callsOf('requests:delete')).toEqual([]);
    fireEvent.click(within(confirm).getByRole('button', { name: 'Delete' }));
    expect((await screen.findByRole('status')).textContent).toBe('Deleted 240 requests with their results; 238 erased on the agents, 2 waiting for their agent to be back.');
    expect(transport.callsOf('requests:delete')).toEqual([{ batchId: 'b1', eraseOnAgents: true }]);
    await waitFor(() => expect(screen.queryByLabelText('batch holiday (240 files)')).toBeNull());
  });
});

describe('Jobs view, read-only', () => {
  it("lists this console's jobs for support staff, saying that files and actions stay closed", async () => {
    const failed = job(1, 'failed', { error: { code: 'EMPTY_FILE', message: 'the file is empty' } });
    renderJobs({ 'requests:list': () => [failed, job(2, 'running')], 'batches:list': () => [batch()] }, { readOnly: true });
    expect(await screen.findByText('file-1.jpg')).toBeTruthy();
    expect(screen.getByText(/Read-only: jobs are listed with their state and reason; their files and results stay closed/)).toBeTruthy();
    expect(screen.getByText('The file is empty')).toBeTruthy();
    expect(await screen.findByLabelText('batch holiday (240 files)')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Pause' })).toBeNull();
  });
});

describe('erasures on agents', () => {
  const erasure = (id: number, state: AgentErasure['state'], extra: Partial<AgentErasure> = {}): AgentErasure => ({
    id,
    agentId: 'a1',
    agentName: 'vps-2',
    agentJobId: `job-${id}`,
    requestId: `r${id}`,
    queuedAt: '2026-01-01T12:00:00.000Z',
    state,
    tries: state === 'pending' ? 3 : 1,
    lastError: state === 'erased' ? null : { code: 'AGENT_UNREACHABLE', message: 'vps-2 did not answer' },
    erasedAt: state === 'erased' ? '2026-01-01T12:01:00.000Z' : null,
    removed: state === 'erased' ? { input: 1, result: 1, faces: 2 } : null,
    ...extra,
  });

  it('is hidden while nothing was queued, then lists what a deletion queued: erased with what went, waiting with why', async () => {
    let erasures: AgentErasure[] = [];
    let batches: BatchSummary[] = [batch({ state: 'done', done: 3, total: 3, remaining: 0, failed: 0 })];
    renderJobs({
      'requests:list': () => [],
      'batches:list': () => batches,
      'requests:erasures': () => erasures,
      'requests:delete': () => {
        batches = [];
        erasures = [erasure(3, 'pending'), erasure(2, 'erased'), erasure(1, 'failed', { agentName: null, lastError: { code: 'AGENT_REMOVED', message: 'the agent was removed from this console' } })];
        return { deleted: 3, erasure: { erased: 1, pending: 1, failed: 1 } };
      },
    });
    const row = await screen.findByLabelText('batch holiday (240 files)');
    expect(screen.queryByLabelText('erasures on agents')).toBeNull();
    fireEvent.click(within(row).getByRole('button', { name: 'Delete…' }));
    fireEvent.click(within(within(row).getByRole('group', { name: 'delete holiday (240 files)' })).getByRole('button', { name: 'Delete' }));
    const panel = await screen.findByLabelText('erasures on agents');
    expect(within(panel).getByText('1 waiting for their agent · 1 erased · 1 given up')).toBeTruthy();
    const rows = within(within(panel).getByRole('table', { name: 'erasure queue' })).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.getAttribute('data-state'))).toEqual(['pending', 'erased', 'failed']);
    expect(rows[0]!.textContent).toContain('waiting for the agent');
    expect(rows[0]!.textContent).toContain('AGENT_UNREACHABLE: vps-2 did not answer');
    expect(rows[1]!.textContent).toContain('1 input, 1 result, 2 faces');
    // An agent since removed is named by its id; why it was given up is said.
    expect(rows[2]!.textContent).toContain('a1');
    expect(rows[2]!.textContent).toContain('AGENT_REMOVED: the agent was removed from this console');
  });

  it('says when the agent had already forgotten the job', () => {
    expect(removedText(null)).toBe('nothing left on the agent');
    expect(removedText({ input: 0 })).toBe('nothing left on the agent');
    expect(countErasures([erasure(1, 'pending'), erasure(2, 'pending'), erasure(3, 'erased')])).toEqual({ pending: 2, erased: 1, failed: 0 });
  });
});
