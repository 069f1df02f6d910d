// The one way every long operation is drawn (provisioning, deploy, rollback, restart, HTTPS, benchmarks, model
// pulls): its persisted record for the steps, the recorded events for a view that attaches late, live
// 'operation' events after that; a progress bar that never goes back, the steps, the log, one Cancel button
// while it runs, and Resume where an interrupted or failed operation of its kind can continue.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import type { OperationEvent } from '../../../electron/core/contracts/define.js';
import {
  cancelOperation,
  listOperations,
  operationEvent,
  operationEvents,
  operationStatus,
  resumeOperation,
  type OperationKind,
  type OperationRecord,
} from '../../../electron/core/contracts/operations.js';
import { useConsole, useReadOnly } from '../api/console-context.js';
import { Badge, ErrorNotice, ProgressBar, asErrorInfo } from './common.js';
import { mergeOperationEvents, summariseOperation, type OperationState } from './operation-log.js';

const stateTone: Record<OperationState, 'ok' | 'warn' | 'bad' | 'info'> = {
  running: 'info',
  succeeded: 'ok',
  failed: 'bad',
  canceled: 'warn',
  interrupted: 'bad',
};

const stepTone = (status: string): 'ok' | 'warn' | 'bad' | 'info' =>
  status === 'failed' ? 'bad' : status === 'canceled' ? 'warn' : status === 'applied' || status === 'satisfied' ? 'ok' : 'info';

/** The newest operation of these kinds on a target (one still running after a reload, or the last result). */
export function useLatestOperation(targetId: string, kinds: readonly OperationKind[]): { id: string; kind: OperationKind } | null {
  const client = useConsole();
  const ops = useQuery({
    queryKey: ['operations', targetId, kinds.join(',')],
    queryFn: () => client.invoke(listOperations, { targetId, kinds: [...kinds], limit: 1 }),
    retry: false,
  });
  const latest = ops.data?.[0];
  return latest ? { id: latest.operationId, kind: latest.kind } : null;
}

/** Operations of these kinds that are running now (after a reload too); refreshed when one starts or ends. */
export function useRunningOperations(kinds: readonly OperationKind[]): OperationRecord[] {
  const client = useConsole();
  const queryClient = useQueryClient();
  const key = ['operations-running', kinds.join(',')];
  const ops = useQuery({ queryKey: key, queryFn: () => client.invoke(listOperations, { kinds: [...kinds], status: 'running' }), retry: false });
  useEffect(
    () =>
      client.on(operationEvent, (event) => {
        if (event.phase === 'start' || event.done) void queryClient.invalidateQueries({ queryKey: key });
      }),
    [client, queryClient, key.join('|')],
  );
  return ops.data ?? [];
}

export function useOperation(operationId: string) {
  const client = useConsole();
  const [events, setEvents] = useState<OperationEvent[]>([]);
  const status = useQuery({
    queryKey: ['operation', operationId],
    queryFn: () => client.invoke(operationStatus, { operationId }),
    retry: false,
  });
  useEffect(() => {
    let stopped = false;
    setEvents([]);
    const off = client.on(operationEvent, (event) => {
      if (event.operationId !== operationId) return;
      setEvents((prev) => mergeOperationEvents(prev, [event]));
      // Steps change state at these moments; the record is read again then, not on a timer.
      if (event.done || event.phase === 'start' || /:(satisfied|applied|apply)$/.test(event.phase)) void status.refetch();
    });
    void client
      .invoke(operationEvents, { operationId, afterSeq: -1 })
      .then((recorded) => !stopped && setEvents((prev) => mergeOperationEvents(prev, recorded)))
      .catch(() => undefined);
    return () => {
      stopped = true;
      off();
    };
    // status.refetch belongs to the same query key, so operationId covers it.
  }, [client, operationId]);
  const summary = useMemo(() => summariseOperation(status.data, events), [status.data, events]);
  return { run: status.data, summary, statusError: status.error };
}

export function OperationProgress({
  operationId,
  title: givenTitle,
  onStateChange,
  showSteps = true,
}: {
  operationId: string;
  /** What the operation is called on screen (default: its own title, e.g. "Benchmark on vps-2"). */
  title?: string;
  onStateChange?: (state: OperationState) => void;
  /** A one-step operation (a benchmark) reads better without its step list. */
  showSteps?: boolean;
}) {
  const client = useConsole();
  const readOnly = useReadOnly();
  const { run, summary, statusError } = useOperation(operationId);
  const title = givenTitle ?? run?.title ?? 'Operation';
  const cancel = useMutation({ mutationFn: () => client.invoke(cancelOperation, { operationId }) });
  const resume = useMutation({ mutationFn: () => client.invoke(resumeOperation, { operationId }) });
  const running = summary.state === 'running';
  useEffect(() => {
    onStateChange?.(summary.state);
    // On each change of state, not when the parent passes a new callback.
  }, [summary.state]);
  return (
    <div className="operation" aria-label={`${title} operation`} role="group" data-state={summary.state}>
      <div className="row">
        <strong>{title}</strong>
        <Badge tone={stateTone[summary.state]}>{summary.state}</Badge>
        <span className="spacer" />
        {running && (
          <button type="button" className="small ghost" disabled={readOnly || cancel.isPending} onClick={() => cancel.mutate()}>
            {cancel.isPending ? 'Canceling…' : 'Cancel'}
          </button>
        )}
        {!running && run?.resumable && (
          <button type="button" className="small" disabled={readOnly || resume.isPending} onClick={() => resume.mutate()} title="Continue where it stopped; every step is checked again first">
            {resume.isPending ? 'Resuming…' : 'Resume'}
          </button>
        )}
      </div>
      <ProgressBar value={summary.progress} label={`${title} progress`} />
      {showSteps && run && run.steps.length > 0 && (
        <ol className="steps" data-testid="operation-steps">
          {run.steps.map((s) => (
            <li key={s.stepId} data-status={s.status}>
              <Badge tone={stepTone(s.status)}>{s.status}</Badge> {s.title}
              {s.alreadySatisfied && <span className="muted"> (already done)</span>}
              {s.error && <div className="step-error">{s.error}</div>}
            </li>
          ))}
        </ol>
      )}
      {summary.error && <ErrorNotice error={summary.error} />}
      {statusError && <ErrorNotice error={asErrorInfo(statusError)} />}
      {cancel.error && <ErrorNotice error={asErrorInfo(cancel.error)} />}
      {resume.error && <ErrorNotice error={asErrorInfo(resume.error)} />}
      {summary.log && (
        <pre className="log" aria-label={`${title} log`}>
          {summary.log}
        </pre>
      )}
    </div>
  );
}
