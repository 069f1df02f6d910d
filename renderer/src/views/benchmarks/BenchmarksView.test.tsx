// @vitest-environment jsdom
// The Benchmarks view against a fake console that answers like the contract (zod-checked input and output):
// running shows progress and can be cancelled, a finished run lands in the charts with its hardware facts,
// and a read-only console can look but not run.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { BenchmarkOperation, BenchmarkRun } from '../../../../electron/core/contracts/benchmarks.js';
import { contractFakeTransport } from '../server/contract-fake-transport.js';
import { BenchmarksView } from './BenchmarksView.js';
import { latestRunPerAgent, measuredAnalyses, niceMax, operationText } from './bench-figures.js';
import { renderWithConsole } from '../server/render-with-console.js';

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

const op = (state: BenchmarkOperation['state'], patch: Partial<BenchmarkOperation> = {}): BenchmarkOperation => ({
  operationId: 'op-1',
  agentId: 'local',
  agentName: 'This computer',
  state,
  startedAt: '2026-11-24T12:00:00.000Z',
  finishedAt: state === 'running' ? null : '2026-11-24T12:00:30.000Z',
  elapsedMs: 12_000,
  expectedMs: 30_000,
  progress: state === 'running' ? 0.4 : state === 'succeeded' ? 1 : null,
  imagesDone: null,
  imagesTotal: null,
  timeoutMs: 900_000,
  runId: null,
  error: null,
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

  it('calls an estimate an estimate, and says a cancelled run still finishes on the agent', () => {
    expect(operationText(op('running'))).toMatch(/about 40% \(estimated from the last run of 30 s\)/);
    expect(operationText(op('running', { expectedMs: null, progress: null }))).toMatch(/First run on this agent/);
    expect(operationText(op('canceled'))).toMatch(/still finishes the images it had queued/);
  });

  it("shows the agent's own count when it streams one, and says its cancel stops the run", () => {
    expect(operationText(op('running', { imagesDone: 3, imagesTotal: 8, progress: 3 / 8 }))).toMatch(/: 3 of 8 images analysed\.$/);
    expect(operationText(op('canceled', { imagesDone: 3, imagesTotal: 8 }))).toMatch(/the agent stopped the rest of the run/);
  });
});

describe('Benchmarks view', () => {
  it('tells a new user what to do, runs a quick benchmark with progress and cancel, then charts the result', async () => {
    let operations: BenchmarkOperation[] = [];
    let history: BenchmarkRun[] = [];
    const transport = contractFakeTransport({
      'benchmarks:agents': agents,
      'benchmarks:operations': () => operations,
      'benchmarks:history': () => history,
      'benchmarks:start': () => {
        operations = [op('running')];
        return operations[0];
      },
      'benchmarks:cancel': () => ({ canceled: true }),
    });
    renderWithConsole(<BenchmarksView />, transport);
    expect(await screen.findByText('No benchmarks yet')).toBeTruthy();

    const form = screen.getByRole('form', { name: 'run a benchmark' });
    await within(form).findByRole('option', { name: 'vps-large' });
    fireEvent.click(within(form).getByRole('checkbox', { name: 'nsfw' }));
    fireEvent.click(within(form).getByRole('button', { name: 'Run benchmark' }));
    const row = await screen.findByRole('listitem', { name: 'benchmark on This computer' });
    expect(transport.callsOf('benchmarks:start')).toEqual([{ agentId: 'local', options: { rounds: 1, analyses: ['nsfw'] }, timeoutMs: 900_000 }]);
    expect(within(row).getByRole('progressbar').getAttribute('aria-valuenow')).toBe('40');
    // The same agent cannot be started twice while it runs.
    expect((within(form).getByRole('button', { name: 'Running…' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(within(row).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(transport.callsOf('benchmarks:cancel')).toEqual([{ operationId: 'op-1' }]));

    // The run finishes (the view polls while something runs) and the history now holds two agents' runs.
    history = [
      run('r2', 'local', 'This computer', '2026-11-24T12:00:30Z', { decode: 10, nsfw: 90 }, 12000),
      run('r1', 'a2', 'vps-large', '2026-11-24T11:00:00Z', { decode: 5, nsfw: 40, faces: 120 }, 30000, hardware('Intel Xeon Gold', 8, 16)),
    ];
    operations = [op('succeeded', { runId: 'r2' })];
    await screen.findByText(/Finished on This computer/, undefined, { timeout: 3000 });
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
    const transport = contractFakeTransport({
      'benchmarks:agents': agents,
      'benchmarks:operations': () => [op('failed', { error: { code: 'AGENT_FORBIDDEN', message: 'the agent refused: this needs a token with scope admin' } })],
      'benchmarks:history': () => [],
    });
    renderWithConsole(<BenchmarksView />, transport);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/scope admin[\s\S]*AGENT_FORBIDDEN/);
  });

  it('read-only: lists stored runs but cannot run or cancel', async () => {
    const transport = contractFakeTransport(
      {
        'benchmarks:agents': agents,
        'benchmarks:operations': () => [op('running')],
        'benchmarks:history': () => [run('r1', 'local', 'This computer', '2026-11-24T11:00:00Z', { nsfw: 50 }, 8000)],
      },
      { readOnly: true },
    );
    renderWithConsole(<BenchmarksView />, transport);
    await screen.findByTestId('p50-chart');
    const row = await screen.findByRole('listitem', { name: 'benchmark on This computer' });
    expect((within(row).getByRole('button', { name: 'Cancel' }) as HTMLButtonElement).disabled).toBe(true);
    const runButton = within(screen.getByRole('form', { name: 'run a benchmark' })).getByRole('button');
    expect((runButton as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText(/read-only: you can compare stored benchmarks/)).toBeTruthy();
    expect(transport.calls.every((c) => ['benchmarks:agents', 'benchmarks:operations', 'benchmarks:history'].includes(c.method))).toBe(true);
  });
});
