// Fleet: every server (from the moment it is added, with what it is doing) and agent with its health, refreshed
// every 5 s; agent cards add busy workers and their throughput over the last hour; above them the whole fleet's
// last hour in charts. Rented GPUs (GpusSection) and their automatic scaling (AutoscalePanel). Open alerts; adding a server.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { dispatchState, localAgentStatus } from '../../../../electron/core/contracts/agents.js';
import { acknowledgeAlert, healthHistory, healthSnapshot, listAlerts } from '../../../../electron/core/contracts/health.js';
import { listOperations } from '../../../../electron/core/contracts/operations.js';
import { listServers } from '../../../../electron/core/contracts/servers.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { Badge, EmptyState, ErrorNotice, ViewHeader, asErrorInfo } from '../../components/common.js';
import { useAgentList } from '../../components/pickers.js';
import { Sparkline } from '../../components/Sparkline.js';
import { useUiStore } from '../../state/ui-store.js';
import { AddServerForm } from './AddServerForm.js';
import { AgentsSection } from './AgentsSection.js';
import { AutoscalePanel } from './AutoscalePanel.js';
import { FleetDashboard } from './FleetDashboard.js';
import { FleetGrid, type FleetServer } from './FleetGrid.js';
import { GpusSection } from './GpusSection.js';
import { busyText, serverStateOf } from './fleet-states.js';

/** An agent's jobs per minute over the last hour, in one-minute buckets from the console's health history. */
function ThroughputChart({ targetId, name }: { targetId: string; name: string }) {
  const client = useConsole();
  const history = useQuery({
    queryKey: ['health-history', 'agent', targetId, 60],
    queryFn: () => client.invoke(healthHistory, { kind: 'agent', targetId, sinceMinutes: 60 }),
    refetchInterval: 60_000,
    retry: false,
  });
  const values = useMemo(() => (history.data ?? []).map((p) => p.jobsPerMinuteAvg ?? 0), [history.data]);
  const last = history.data?.at(-1)?.jobsPerMinuteAvg;
  return (
    <div className="throughput" data-testid="throughput">
      <span className="muted">Throughput, last hour{last !== undefined && last !== null ? `: ${last.toFixed(1)} jobs/min` : ''}</span>
      <Sparkline values={values} label={`${name} throughput, last hour`} />
    </div>
  );
}

export function FleetView() {
  const client = useConsole();
  const readOnly = useReadOnly();
  const queryClient = useQueryClient();
  const [adding, setAdding] = useState(false);
  const openServer = useUiStore((s) => s.openServer);
  const servers = useQuery({ queryKey: ['servers'], queryFn: () => client.invoke(listServers, {}), retry: false });
  const health = useQuery({ queryKey: ['health'], queryFn: () => client.invoke(healthSnapshot, {}), refetchInterval: 5000, retry: false });
  const alerts = useQuery({ queryKey: ['alerts'], queryFn: () => client.invoke(listAlerts, { openOnly: true }), refetchInterval: 5000, retry: false });
  const local = useQuery({ queryKey: ['local-agent'], queryFn: () => client.invoke(localAgentStatus, {}), refetchInterval: 3000 });
  const ack = useMutation({
    mutationFn: (alertId: number) => client.invoke(acknowledgeAlert, { alertId }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['alerts'] }),
  });
  const agents = useAgentList();
  const running = useQuery({
    queryKey: ['operations', 'running'],
    queryFn: () => client.invoke(listOperations, { status: 'running', limit: 100 }),
    refetchInterval: 5000,
    retry: false,
  });
  const dispatch = useQuery({ queryKey: ['dispatch-state'], queryFn: () => client.invoke(dispatchState, {}), refetchInterval: 5000, retry: false });
  const names = useMemo(() => {
    const map = new Map((servers.data ?? []).map((s) => [s.id, s.name]));
    for (const a of agents.data ?? []) map.set(a.id, a.name);
    return map;
  }, [servers.data, agents.data]);
  const fleetServers = useMemo<FleetServer[]>(() => {
    const byTarget = new Map((health.data ?? []).map((h) => [`${h.kind}:${h.targetId}`, h]));
    return (servers.data ?? []).map((server) => {
      const agent = (agents.data ?? []).find((a) => a.serverId === server.id);
      const op = (running.data ?? []).find((o) => o.targetId === server.id);
      return {
        id: server.id,
        name: server.name,
        host: server.host,
        state: serverStateOf({ serverHealth: byTarget.get(`server:${server.id}`), agentHealth: agent ? byTarget.get(`agent:${agent.id}`) : undefined, runningKind: op?.kind ?? null }),
      };
    });
  }, [servers.data, agents.data, running.data, health.data]);
  const busy = useMemo(() => new Map((dispatch.data ?? []).map((d) => [d.agentId, busyText(d.inFlight, d.workers)])), [dispatch.data]);

  return (
    <div className="view">
      <ViewHeader
        title="Fleet"
        subtitle="Servers and agents, refreshed every 5 seconds."
        actions={
          <button type="button" onClick={() => setAdding(true)} disabled={readOnly || adding} title={readOnly ? 'read-only console' : undefined}>
            Add a server
          </button>
        }
      />
      {adding && <AddServerForm onDone={() => setAdding(false)} />}
      <FleetDashboard />
      <section className="card local-agent" aria-label="This computer">
        <h3>This computer</h3>
        <Badge tone={local.data?.state === 'running' ? 'ok' : local.data?.state === 'starting' ? 'info' : 'bad'}>{local.data?.state ?? '…'}</Badge>
        <span className="muted">{local.data?.url ?? local.data?.message ?? 'The built-in agent analyses files on this machine at no cost.'}</span>
      </section>
      <AgentsSection />
      <GpusSection />
      <AutoscalePanel />
      {(alerts.data ?? []).length > 0 && (
        <section className="alerts" aria-label="open alerts">
          {(alerts.data ?? []).map((a) => (
            <div key={a.id} className="alert-row">
              <Badge tone="bad">{a.kind}</Badge>
              <span>{a.message}</span>
              <span className="muted">since {new Date(a.openedAt).toLocaleString()}</span>
              {!a.acknowledged && (
                <button type="button" className="small ghost" disabled={readOnly} onClick={() => ack.mutate(a.id)}>
                  Acknowledge
                </button>
              )}
            </div>
          ))}
        </section>
      )}
      {health.error ? (
        <ErrorNotice error={asErrorInfo(health.error)} onRetry={() => void health.refetch()} />
      ) : health.data && health.data.length === 0 && servers.data?.length === 0 ? (
        <EmptyState title="No servers yet">
          Add a VPS you reach over SSH: the console checks it, installs Docker and deploys the agent. Until then, files are analysed on This computer.
        </EmptyState>
      ) : (
        <FleetGrid snapshot={health.data ?? []} names={names} alerts={alerts.data ?? []} onOpen={openServer} servers={fleetServers} busy={busy} Chart={ThroughputChart} />
      )}
    </div>
  );
}
