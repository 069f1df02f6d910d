// Follows one long server operation (deploy, rollback, restart, HTTPS) the way the provisioning panel does:
// the persisted run for its steps, the recorded events for a late start, live 'operation' events after
// that; shows progress, steps, the log and a Cancel button while it runs.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import type { OperationEvent } from '../../../../electron/core/contracts/define.js';
import { cancelProvision, listProvisionRuns, provisionEvents, provisionStatus, type OperationKind } from '../../../../electron/core/contracts/provision.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { Badge, ErrorNotice, ProgressBar, asErrorInfo } from '../../components/common.js';
import { mergeOperationEvents, summariseOperation, type OperationState } from './operation-log.js';

const stateTone: Record<OperationState, 'ok' | 'warn' | 'bad' | 'info'> = {
  running: 'info',
  succeeded: 'ok',
  failed: 'bad',
  canceled: 'warn',
  interrupted: 'bad',
};

/** The newest operation of these kinds on the server (one still running after a reload, or the last result). */
export function useLatestOperation(serverId: string, kinds: readonly OperationKind[]) {
  const client = useConsole();
  const runs = useQuery({ queryKey: ['operations', serverId], queryFn: () => client.invoke(listProvisionRuns, { serverId, kind: null }), retry: false });
  const latest = runs.data?.filter((r) => kinds.includes(r.kind)).sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
  return latest ? { id: latest.operationId, kind: latest.kind } : null;
}

export function useOperation(operationId: string) {
  const client = useConsole();
  const [events, setEvents] = useState<OperationEvent[]>([]);
  const status = useQuery({
    queryKey: ['operation', operationId],
    queryFn: () => client.invoke(provisionStatus, { operationId }),
    refetchInterval: (q) => (q.state.data && q.state.data.status !== 'running' ? false : 1500),
    retry: false,
  });
  useEffect(() => {
    let stopped = false;
    setEvents([]);
    const off = client.on<OperationEvent>('operation', (event) => {
      if (event.operationId !== operationId) return;
      setEvents((prev) => mergeOperationEvents(prev, [event]));
      if (event.done) void status.refetch();
    });
    void client
      .invoke(provisionEvents, { operationId, afterSeq: -1 })
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

export function OperationProgress({ operationId, title, onStateChange }: { operationId: string; title: string; onStateChange?: (state: OperationState) => void }) {
  const client = useConsole();
  const readOnly = useReadOnly();
  const { run, summary, statusError } = useOperation(operationId);
  const cancel = useMutation({ mutationFn: () => client.invoke(cancelProvision, { operationId }) });
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
      </div>
      <ProgressBar value={summary.progress} label={`${title} progress`} />
      {run && run.steps.length > 0 && (
        <ol className="steps">
          {run.steps.map((s) => (
            <li key={s.stepId} data-status={s.status}>
              <Badge tone={s.status === 'failed' ? 'bad' : s.status === 'canceled' ? 'warn' : ['applied', 'satisfied'].includes(s.status) ? 'ok' : 'info'}>{s.status}</Badge> {s.title}
            </li>
          ))}
        </ol>
      )}
      {summary.error && <ErrorNotice error={summary.error} />}
      {statusError && <ErrorNotice error={asErrorInfo(statusError)} />}
      {cancel.error && <ErrorNotice error={asErrorInfo(cancel.error)} />}
      {summary.log && (
        <pre className="log" aria-label={`${title} log`}>
          {summary.log}
        </pre>
      )}
    </div>
  );
}
