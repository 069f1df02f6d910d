// @vitest-environment jsdom
// The Jobs view follows running files from their progress events, without fetching the whole list again.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisSubmission } from '../../../../electron/core/contracts/analyze.js';
import { ConsoleClient } from '../../api/client.js';
import { ConsoleProvider } from '../../api/console-context.js';
import { contractFakeTransport } from '../server/contract-fake-transport.js';
import { JobsView } from './JobsView.js';

const job = (i: number, stage: AnalysisSubmission['stage'], progress = 0.1): AnalysisSubmission => ({
  submissionId: `s${i}`,
  fileName: `file-${i}.jpg`,
  bytes: 100,
  analyses: null,
  agentId: 'local',
  stage,
  progress,
  agentStage: null,
  jobId: `job-${i}`,
  submittedAt: new Date(Date.UTC(2026, 0, 1, 12, 0, i % 60)).toISOString(),
  finishedAt: null,
  error: null,
});

beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 600 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 1000 });
});
afterEach(cleanup);

describe('Jobs view', () => {
  it('applies progress events to the shown rows, adds new submissions on top, and lists only once', async () => {
    const jobs = Array.from({ length: 2000 }, (_, i) => job(2000 - i, i % 2 ? 'done' : 'running'));
    const transport = contractFakeTransport({ 'analyze:list': () => jobs });
    render(
      <QueryClientProvider client={new QueryClient()}>
        <ConsoleProvider client={new ConsoleClient(transport)}>
          <JobsView />
        </ConsoleProvider>
      </QueryClientProvider>,
    );
    expect(await screen.findByText('file-2000.jpg')).toBeTruthy();
    expect(screen.getByText('2000 of 2000 shown')).toBeTruthy();
    act(() => transport.emit('analyze', { ...jobs[0], progress: 0.73 }));
    expect(await screen.findByText('73%')).toBeTruthy();
    act(() => transport.emit('analyze', job(2001, 'queued')));
    expect(await screen.findByText('file-2001.jpg')).toBeTruthy();
    expect(screen.getByText('2001 of 2001 shown')).toBeTruthy();
    expect(transport.callsOf('analyze:list')).toHaveLength(1);

    fireEvent.change(screen.getByLabelText('filter jobs'), { target: { value: 'FILE-1999' } });
    await waitFor(() => expect(screen.getByText('1 of 2001 shown')).toBeTruthy());
  });
});
