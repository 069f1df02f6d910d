// Benchmarks: run the agent's own benchmark on a chosen agent (progress, cancel), and compare agents by their
// latest run — per-analysis p50, images per hour — with each agent's hardware facts next to its figures.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { imageAnalysisNames, type AnalysisName } from '#agent/contracts/result-document.js';
import { benchmarkHistory, startBenchmark, type BenchmarkRun } from '../../../../electron/core/contracts/benchmarks.js';
import type { OperationRecord } from '../../../../electron/core/contracts/operations.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { EmptyState, ErrorNotice, ViewHeader, asErrorInfo } from '../../components/common.js';
import { OperationProgress, useRunningOperations } from '../../components/OperationProgress.js';
import { AgentPicker, AnalysisPicker, useAgentList } from '../../components/pickers.js';
import { AnalysisP50Chart, ImagesPerHourChart, colourOf } from './BenchmarkCharts.js';
import { formatBytes, latestRunPerAgent, optionsText } from './bench-figures.js';
import './benchmarks.css';

function RunForm({ running, onStarted }: { running: readonly OperationRecord[]; onStarted: (operationId: string | null) => void }) {
  const client = useConsole();
  const readOnly = useReadOnly();
  const queryClient = useQueryClient();
  const agents = useAgentList();
  const [agentId, setAgentId] = useState('local');
  const [rounds, setRounds] = useState(1);
  const [chosen, setChosen] = useState<Set<AnalysisName>>(new Set());
  const start = useMutation({
    mutationFn: () =>
      client.invoke(startBenchmark, { agentId, options: { rounds, analyses: chosen.size ? [...chosen] : undefined } }),
    // The last run's outcome goes as soon as a new one is asked for: a new run never shows under "Finished in 15 s".
    onMutate: () => onStarted(null),
    onSuccess: ({ operationId }) => {
      onStarted(operationId);
      void queryClient.invalidateQueries({ queryKey: ['operations-running'] });
    },
  });
  const list = agents.data ?? [];
  const selected = list.some((a) => a.id === agentId) ? agentId : (list[0]?.id ?? '');
  const busy = running.some((op) => op.targetId === selected);
  return (
    <form
      className="card bench-form"
      aria-label="run a benchmark"
      onSubmit={(e) => {
        e.preventDefault();
        start.mutate();
      }}
    >
      <div className="row">
        <AgentPicker agents={list} value={selected} onChange={setAgentId} />
        <label className="field">
          <span>Rounds</span>
          <select value={rounds} onChange={(e) => setRounds(Number(e.target.value))}>
            {[1, 2, 3, 5].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <AnalysisPicker
          names={imageAnalysisNames}
          chosen={chosen}
          onChange={setChosen}
          legend="Analyses (none ticked = all; one is a quick run)"
          className="analyses bench-analyses"
        />
        <span className="spacer" />
        <button type="submit" disabled={readOnly || !selected || busy || start.isPending} title={readOnly ? 'read-only console: running is turned off' : undefined}>
          {busy ? 'Running…' : 'Run benchmark'}
        </button>
      </div>
      {readOnly && <p className="muted">This console is read-only: you can compare stored benchmarks, not run new ones.</p>}
      {agents.error && <ErrorNotice error={asErrorInfo(agents.error)} onRetry={() => void agents.refetch()} />}
      {start.error && <ErrorNotice error={asErrorInfo(start.error)} />}
    </form>
  );
}

function HardwareFacts({ run, index }: { run: BenchmarkRun; index: number }) {
  const hw = run.report.hardware;
  return (
    <div className="card hardware" aria-label={`hardware of ${run.agentName}`}>
      <div className="card-head">
        <strong>
          <span className="swatch" style={{ background: colourOf(index) }} aria-hidden="true" />
          {run.agentName}
        </strong>
        <span className="muted">{new Date(run.finishedAt).toLocaleString()}</span>
      </div>
      <dl className="metrics">
        <dt>CPU</dt>
        <dd>{hw.cpuModel}</dd>
        <dt>Cores</dt>
        <dd>{hw.cores}</dd>
        <dt>RAM</dt>
        <dd>{formatBytes(hw.memoryBytes)}</dd>
        <dt>Backend</dt>
        <dd>{hw.backend}</dd>
        <dt>Workers</dt>
        <dd>{run.report.workers}</dd>
        <dt>Suite p50</dt>
        <dd>{run.report.suite_p50_ms} ms</dd>
        <dt>Peak RSS</dt>
        <dd>{run.report.rss_mb} MB</dd>
        <dt>Run</dt>
        <dd>{optionsText(run)}</dd>
      </dl>
    </div>
  );
}

function HistoryTable({ runs }: { runs: readonly BenchmarkRun[] }) {
  return (
    <table className="table" aria-label="benchmark history">
      <thead>
        <tr>
          <th>Agent</th>
          <th>Finished</th>
          <th>Run</th>
          <th>Suite p50</th>
          <th>Images/hour</th>
          <th>CPU · cores · RAM</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id}>
            <td>{run.agentName}</td>
            <td>{new Date(run.finishedAt).toLocaleString()}</td>
            <td>{optionsText(run)}</td>
            <td>{run.report.suite_p50_ms} ms</td>
            <td>{run.report.images_per_hour.toLocaleString('en')}</td>
            <td className="muted">
              {run.report.hardware.cpuModel} · {run.report.hardware.cores} · {formatBytes(run.report.hardware.memoryBytes)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function BenchmarksView() {
  const client = useConsole();
  const queryClient = useQueryClient();
  const history = useQuery({ queryKey: ['bench-history'], queryFn: () => client.invoke(benchmarkHistory, { limit: 200 }) });
  const running = useRunningOperations(['benchmark']);
  // The run this view started stays on screen with its outcome (or its error) until the next one starts.
  const [startedHere, setStartedHere] = useState<string | null>(null);
  const shown = [...new Set([...(startedHere ? [startedHere] : []), ...running.map((op) => op.operationId)])];
  const runs = history.data ?? [];
  const latest = latestRunPerAgent(runs);

  return (
    <div className="view benchmarks-view">
      <ViewHeader title="Benchmarks" subtitle="How fast each agent analyses images, measured on the agent itself, to compare server sizes." />
      <RunForm running={running} onStarted={setStartedHere} />
      {shown.length > 0 && (
        <div className="bench-ops" aria-label="benchmark operations">
          {shown.map((id) => (
            <OperationProgress
              key={id}
              operationId={id}
              showSteps={false}
              onStateChange={(state) => state !== 'running' && void queryClient.invalidateQueries({ queryKey: ['bench-history'] })}
            />
          ))}
        </div>
      )}
      {history.error && <ErrorNotice error={asErrorInfo(history.error)} onRetry={() => void history.refetch()} />}
      {history.isSuccess && runs.length === 0 ? (
        <EmptyState title="No benchmarks yet">
          Run one on This computer to see how many images per hour it analyses. Run it on each server&apos;s agent too, and the charts here compare them.
        </EmptyState>
      ) : (
        latest.length > 0 && (
          <>
            <section className="bench-compare" aria-label="agents compared">
              <div className="bench-charts">
                <AnalysisP50Chart runs={latest} />
                <ImagesPerHourChart runs={latest} />
              </div>
              <div className="bench-hardware">
                {latest.map((run, i) => (
                  <HardwareFacts key={run.id} run={run} index={i} />
                ))}
              </div>
            </section>
            <h2 className="section-title">History</h2>
            <HistoryTable runs={runs} />
          </>
        )
      )}
    </div>
  );
}
