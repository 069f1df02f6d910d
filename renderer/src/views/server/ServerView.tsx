// Server: one server's preflight facts, its provisioning run (live step list and log, cancellable), its agent
// containers, deploy/rollback/restart, HTTPS, and a terminal.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { startProvision } from '../../../../electron/core/contracts/provision.js';
import { listServers, preflight, testConnection } from '../../../../electron/core/contracts/servers.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { Badge, EmptyState, ErrorNotice, ViewHeader, asErrorInfo } from '../../components/common.js';
import { OperationProgress, useLatestOperation } from '../../components/OperationProgress.js';
import { useUiStore } from '../../state/ui-store.js';
import { ContainersPanel } from './ContainersPanel.js';
import { DeployPanel } from './DeployPanel.js';
import { HttpsPanel } from './HttpsPanel.js';
import { TerminalPanel } from './TerminalPanel.js';

function ProvisionPanel({ serverId }: { serverId: string }) {
  const client = useConsole();
  const readOnly = useReadOnly();
  const queryClient = useQueryClient();
  const latest = useLatestOperation(serverId, ['provision']);
  const [running, setRunning] = useState(false);
  const start = useMutation({
    mutationFn: () => client.invoke(startProvision, { serverId }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['operations', serverId] }),
  });
  return (
    <section className="card" aria-label="provisioning">
      <header className="card-head">
        <h3>Provisioning</h3>
        <div className="row">
          <button type="button" disabled={readOnly || running || start.isPending} onClick={() => start.mutate()}>
            {latest ? 'Provision again' : 'Provision'}
          </button>
        </div>
      </header>
      {start.error && <ErrorNotice error={asErrorInfo(start.error)} />}
      {!latest ? (
        <p className="muted">Not provisioned yet. Provisioning creates a service user, hardens SSH, opens the firewall for 22/80/443 and installs Docker. Every step is checked first and skipped when already done.</p>
      ) : (
        <OperationProgress key={latest.id} operationId={latest.id} title="Provisioning" onStateChange={(state) => setRunning(state === 'running')} />
      )}
    </section>
  );
}

function PreflightPanel({ serverId }: { serverId: string }) {
  const client = useConsole();
  const readOnly = useReadOnly();
  const test = useMutation({ mutationFn: () => client.invoke(testConnection, { serverId }) });
  const check = useMutation({ mutationFn: () => client.invoke(preflight, { serverId }) });
  const report = check.data;
  return (
    <section className="card" aria-label="preflight">
      <header className="card-head">
        <h3>Preflight</h3>
        <div className="row">
          <button type="button" className="ghost" disabled={readOnly || test.isPending} onClick={() => test.mutate()}>
            {test.isPending ? 'Connecting…' : 'Test connection'}
          </button>
          <button type="button" disabled={readOnly || check.isPending} onClick={() => check.mutate()}>
            {check.isPending ? 'Checking…' : 'Run preflight'}
          </button>
        </div>
      </header>
      {test.data && (
        <p>
          <Badge tone={test.data.ok ? 'ok' : 'bad'}>{test.data.ok ? 'reachable' : 'unreachable'}</Badge> {Math.round(test.data.latencyMs)} ms, host key {test.data.hostKeyFingerprint}
        </p>
      )}
      {(test.error || check.error) && <ErrorNotice error={asErrorInfo(test.error ?? check.error)} />}
      {report && (
        <>
          <dl className="facts">
            <dt>OS</dt>
            <dd>{report.os.prettyName}</dd>
            <dt>CPU / RAM</dt>
            <dd>
              {report.cpuCount} cores, {(report.memoryBytes / 1024 ** 3).toFixed(1)} GB
            </dd>
            <dt>Disk free</dt>
            <dd>
              {(report.diskFreeBytes / 1024 ** 3).toFixed(1)} of {(report.diskTotalBytes / 1024 ** 3).toFixed(1)} GB
            </dd>
            <dt>sudo</dt>
            <dd>{report.sudo}</dd>
            <dt>Docker</dt>
            <dd>{report.docker.present ? report.docker.version : 'not installed'}</dd>
          </dl>
          <ul className="checks">
            {report.checks.map((c) => (
              <li key={c.id}>
                <Badge tone={c.status === 'pass' ? 'ok' : c.status === 'warn' ? 'warn' : 'bad'}>{c.status}</Badge> {c.label}: <span className="muted">{c.detail}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

export function ServerView() {
  const client = useConsole();
  const setView = useUiStore((s) => s.setView);
  const servers = useQuery({ queryKey: ['servers'], queryFn: () => client.invoke(listServers, {}), retry: false });
  const selected = useUiStore((s) => s.serverId);
  const setSelected = useUiStore((s) => s.openServer);
  const serverId = selected ?? servers.data?.[0]?.id ?? null;
  const server = servers.data?.find((s) => s.id === serverId);
  return (
    <div className="view">
      <ViewHeader
        title={server ? server.name : 'Server'}
        subtitle={server ? `${server.user}@${server.host}:${server.port}` : undefined}
        actions={
          servers.data && servers.data.length > 1 ? (
            <select aria-label="server" value={serverId ?? ''} onChange={(e) => setSelected(e.target.value)}>
              {servers.data.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          ) : undefined
        }
      />
      {servers.error ? (
        <ErrorNotice error={asErrorInfo(servers.error)} onRetry={() => void servers.refetch()} />
      ) : !server ? (
        <EmptyState title="No server selected">
          <button type="button" onClick={() => setView('fleet')}>
            Add a server in Fleet
          </button>{' '}
          first; its preflight, provisioning and terminal show here.
        </EmptyState>
      ) : (
        <div className="server-grid">
          <PreflightPanel serverId={server.id} />
          <ProvisionPanel serverId={server.id} />
          <ContainersPanel key={`containers-${server.id}`} serverId={server.id} />
          <DeployPanel key={`deploy-${server.id}`} serverId={server.id} />
          <HttpsPanel key={`https-${server.id}`} serverId={server.id} />
          <TerminalPanel target={server.id} />
        </div>
      )}
    </div>
  );
}
