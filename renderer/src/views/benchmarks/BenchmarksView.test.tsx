// @vitest-environment jsdom
// The Benchmarks view against a fake console that answers like the contract (zod-checked input and output):
// running shows progress (the operation's events) and can be cancelled, a finished run lands in the charts with
// its hardware facts, and a read-only console can look but not run.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { BenchmarkRun } from '../../../../electron/core/contracts/benchmarks.js';
import type { OperationRecord } from '../../../../electron/core/contracts/operations.js';
import { contractFakeTransport } from '../../../../test-harness/renderer/contract-fake-transport.js';
import { BenchmarksView } from './BenchmarksView.js';
import { latestRunPerAgent, measuredAnalyses, niceMax } from './bench-figures.js';
import { renderWithConsole } from '../../../../test-harness/renderer/render-with-console.js';

const hardware = (cpuModel: string, cores: number, gb: number) => ({
  cpuModel,
  cores,
  memoryBytes: gb * 1024 ** 3,
  platform: 'linux',
  arch: 'x64',
  node: 'v20.20.0',
  backend: 'tfjs-wasm + onnxruntime-cpu',
});

const run = (id: string, agentId: string, agentName: string, finishedAt: string, p50: Record<string, number>, imagesPerHour: number, hw = hardware('AMD EPYC', 2, 4)): BenchmarkRun => ({
  id,
  agentId,
  agentName,
  startedAt: finishedAt,
  finishedAt,
  options: { rounds: 1, analyses: null },
  report: {
    hardware: hw,
    workers: 1,
    images: 9,
    rounds: 1,
    analyses: Object.fromEntries(Object.entries(p50).map(([k, v]) => [k, { p50_ms: v, p95_ms: v * 1.5 }])),
    suite_p50_ms: 700,
    suite_p95_ms: 900,
    images_per_hour: imagesPerHour,
    rss_mb: 800,
  },
});

const op = (status: OperationRecord['status'], patch: Partial<OperationRecord> = {}): OperationRecord => ({
  operationId: 'op-1',
  kind: 'benchmark',
  targetId: 'local',
  title: 'Benchmark on This computer',
  status,
  resumable: false,
  startedAt: '2026-11-24T12:00:00.000Z',
  finishedAt: status === 'running' ? null : '2026-11-24T12:00:30.000Z',
  progress: status === 'running' ? 0.4 : status === 'succeeded' ? 1 : null,
  error: null,
  steps: [],
  detail: { agentId: 'local', agentName: 'This computer', expectedMs: 30_000 },
  ...patch,
});

const agents = () => [
  { id: 'local', name: 'This computer', kind: 'local', baseUrl: null },
  { id: 'a2', name: 'vps-large', kind: 'registered', baseUrl: 'https://vps-large.example' },
];

afterEach(cleanup);

describe('bench figures', () => {
  it('keeps the newest run per agent, orders analyses decode-first, and rounds axes up', () => {
    const runs = [
      run('r3', 'a2', 'vps-large', '2026-11-24T10:00:00Z', { ocr: 300, decode: 5 }, 9000),
      run('r2', 'local', 'This computer', '2026-11-24T09:00:00Z', { faces: 100 }, 5000),
      run('r1', 'a2', 'vps-large', '2026-11-23T09:00:00Z', { faces: 200 }, 4000),
    ];
    expect(latestRunPerAgent(runs).map((r) => r.id)).toEqual(['r3', 'r2']);
    expect(measuredAnalyses(runs)).toEqual(['decode', 'faces', 'ocr']);
    expect([niceMax(0), niceMax(7), niceMax(130), niceMax(2001)]).toEqual([1, 10, 200, 5000]);
  });

});

describe('Benchmarks view', () => {
  it('tells a new user what to do, runs a quick benchmark with progress and cancel, then charts the result', async () => {
    let record = op('running');
    let started = false;
    let history: BenchmarkRun[] = [];
    const transport = contractFakeTransport({
      'agents:list': agents,
      'operations:list': (i: { status?: string }) => (started && (i.status === undefined || record.status === i.status) ? [record] : []),
      'operations:status': () => record,
      'operations:events': () => [],
      'operations:cancel': () => ({ canceled: true }),
      'benchmarks:history': () => history,
      'benchmarks:start': () => {
        started = true;
        return { operationId: 'op-1' };
      },
    });
    renderWithConsole(<BenchmarksView />, transport);
    expect(await screen.findByText('No benchmarks yet')).toBeTruthy();

    const form = screen.getByRole('form', { name: 'run a benchmark' });
    await within(form).findByRole('option', { name: 'vps-large' });
    fireEvent.click(within(form).getByRole('checkbox', { name: 'nsfw' }));
    fireEvent.click(within(form).getByRole('button', { name: 'Run benchmark' }));
    const row = await screen.findByRole('group', { name: 'Benchmark on This computer operation' });
    expect(transport.callsOf('benchmarks:start')).toEqual([{ agentId: 'local', options: { rounds: 1, analyses: ['nsfw'] }, timeoutMs: 900_000 }]);
    act(() => transport.emit('operation', { operationId: 'op-1', seq: 3, phase: 'bench.run:log', progress: 0.4, line: '4 of 10 images' }));
    await waitFor(() => expect(within(row).getByRole('progressbar').getAttribute('aria-valuenow')).toBe('40'));
    expect(within(row).getByLabelText('Benchmark on This computer log').textContent).toContain('4 of 10 images');
    // The same agent cannot be started twice while it runs.
    await waitFor(() => expect((within(form).getByRole('button', { name: 'Running…' }) as HTMLButtonElement).disabled).toBe(true));
    fireEvent.click(within(row).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(transport.callsOf('operations:cancel')).toEqual([{ operationId: 'op-1' }]));

    // The run finishes and the history now holds two agents' runs.
    history = [
      run('r2', 'local', 'This computer', '2026-11-24T12:00:30Z', { decode: 10, nsfw: 90 }, 12000),
      run('r1', 'a2', 'vps-large', '2026-11-24T11:00:00Z', { decode: 5, nsfw: 40, faces: 120 }, 30000, hardware('Intel Xeon Gold', 8, 16)),
    ];
    record = op('succeeded', { detail: { runId: 'r2' } });
    act(() => transport.emit('operation', { operationId: 'op-1', seq: 4, phase: 'done', progress: 1, done: true, line: 'finished' }));
    await waitFor(() => expect(row.getAttribute('data-state')).toBe('succeeded'));
    const p50 = await screen.findByTestId('p50-chart');
    expect(p50.querySelectorAll('rect[data-analysis=nsfw]')).toHaveLength(2);
    // Only vps-large measured faces: one bar, its own.
    expect([...p50.querySelectorAll('rect[data-analysis=faces]')].map((r) => r.getAttribute('data-agent'))).toEqual(['vps-large']);
    expect(screen.getByTestId('throughput-chart').textContent).toMatch(/12,000[\s\S]*30,000/);
    const facts = screen.getByLabelText('hardware of vps-large');
    expect(facts.textContent).toMatch(/Intel Xeon Gold[\s\S]*8[\s\S]*16 GB/);
    expect(within(screen.getByRole('table', { name: 'benchmark history' })).getAllByRole('row')).toHaveLength(3);
  });

  it('shows why a run failed, with what to do', async () => {
    const failed = op('failed', { error: { code: 'AGENT_FORBIDDEN', message: 'the agent refused: this needs a token with scope admin' } });
    const transport = contractFakeTransport({
      'agents:list': agents,
      'operations:list': () => [{ ...failed, status: 'running' as const }],
      'operations:status': () => failed,
      'operations:events': () => [],
      'benchmarks:history': () => [],
    });
    renderWithConsole(<BenchmarksView />, transport);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/scope admin[\s\S]*AGENT_FORBIDDEN/);
  });

  it('read-only: lists stored runs but cannot run or cancel', async () => {
    const transport = contractFakeTransport(
      {
        'agents:list': agents,
        'operations:list': () => [op('running')],
        'operations:status': () => op('running'),
        'operations:events': () => [],
        'benchmarks:history': () => [run('r1', 'local', 'This computer', '2026-11-24T11:00:00Z', { nsfw: 50 }, 8000)],
      },
      { readOnly: true },
    );
    renderWithConsole(<BenchmarksView />, transport);
    await screen.findByTestId('p50-chart');
    const row = await screen.findByRole('group', { name: 'Benchmark on This computer operation' });
    expect((within(row).getByRole('button', { name: 'Cancel' }) as HTMLButtonElement).disabled).toBe(true);
    const runButton = within(screen.getByRole('form', { name: 'run a benchmark' })).getByRole('button');
    expect((runButton as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText(/read-only: you can compare stored benchmarks/)).toBeTruthy();
    expect(transport.calls.every((c) => ['agents:list', 'operations:list', 'operations:status', 'operations:events', 'benchmarks:history'].includes(c.method))).toBe(true);
  });
});

describe('Benchmarks: the last outcome gives way to a new run', () => {
  it('the finished run leaves the screen the moment Run is clicked, before the console answers, and the new run shows', async () => {
    const records = new Map<string, OperationRecord>();
    // Each start is answered when the test says so, with the operation it names.
    let answerStart: ((record: OperationRecord) => void) | null = null;
    const transport = contractFakeTransport({
      'agents:list': agents,
      'operations:list': (i: { status?: string }) => [...records.values()].filter((r) => i.status === undefined || r.status === i.status),
      'operations:status': (i: { operationId: string }) => records.get(i.operationId)!,
      'operations:events': () => [],
      'benchmarks:history': () => [],
      'benchmarks:start': () =>
        new Promise<{ operationId: string }>((resolve) => {
          answerStart = (record) => {
            records.set(record.operationId, record);
            resolve({ operationId: record.operationId });
          };
        }),
    });
    renderWithConsole(<BenchmarksView />, transport);
    const form = screen.getByRole('form', { name: 'run a benchmark' });
    await within(form).findByRole('option', { name: 'vps-large' });
    const shown = () => screen.queryAllByRole('group', { name: 'Benchmark on This computer operation' });

    // A first run from this view that has finished: its outcome stays on screen.
    fireEvent.click(within(form).getByRole('button', { name: 'Run benchmark' }));
    await waitFor(() => expect(answerStart).not.toBeNull());
    act(() => answerStart!(op('succeeded', { operationId: 'first' })));
    await waitFor(() => expect(shown().map((g) => g.getAttribute('data-state'))).toEqual(['succeeded']));

    // The next click: the last outcome goes at once, while the console has not answered yet.
    answerStart = null;
    fireEvent.click(within(form).getByRole('button', { name: 'Run benchmark' }));
    await waitFor(() => expect(answerStart).not.toBeNull());
    expect(shown()).toHaveLength(0);
    act(() => answerStart!(op('running', { operationId: 'second' })));
    await waitFor(() => expect(shown().map((g) => g.getAttribute('data-state'))).toEqual(['running']));
  });
});
