// The agent containers on one server: state, version and port, the serving container's resource use, and a
// log viewer with a chosen tail length. All reads, so a read-only console shows them too.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { agentLogsMethod, agentStatsMethod, listAgentContainersMethod } from '../../../../electron/core/contracts/deploy.js';
import { useConsole } from '../../api/console-context.js';
import { Badge, ErrorNotice, asErrorInfo } from '../../components/common.js';
import { formatBytes, formatWhen } from './server-format.js';

export const logTailChoices = [100, 200, 1000, 5000] as const;

function StatsLine({ serverId }: { serverId: string }) {
  const client = useConsole();
  const stats = useQuery({ queryKey: ['deploy-stats', serverId], queryFn: () => client.invoke(agentStatsMethod, { serverId }), refetchInterval: 5000, retry: false });
  if (stats.error) return <p className="muted">Resource use unavailable: {asErrorInfo(stats.error).message}</p>;
  if (!stats.data) return null;
  const { cpuPercent, memoryBytes, memoryLimitBytes, pids } = stats.data;
  return (
    <dl className="facts" aria-label="agent resource use">
      <dt>CPU</dt>
      <dd>{cpuPercent.toFixed(1)} %</dd>
      <dt>Memory</dt>
      <dd>
        {formatBytes(memoryBytes)} of {memoryLimitBytes > 0 ? formatBytes(memoryLimitBytes) : 'no limit'}
      </dd>
      <dt>Processes</dt>
      <dd>{pids}</dd>
    </dl>
  );
}

function LogViewer({ serverId, containers }: { serverId: string; containers: Array<{ id: string; name: string }> }) {
  const client = useConsole();
  const [containerId, setContainerId] = useState<string>('');
  const [tail, setTail] = useState<number>(200);
  const [follow, setFollow] = useState(false);
  const [shown, setShown] = useState(false);
  const logs = useQuery({
    queryKey: ['deploy-logs', serverId, containerId, tail],
    queryFn: () => client.invoke(agentLogsMethod, { serverId, containerId: containerId || undefined, tail }),
    enabled: shown,
    refetchInterval: follow ? 3000 : false,
    retry: false,
  });
  return (
    <div className="log-viewer">
      <div className="row">
        <label className="field inline">
          <span>Container</span>
          <select aria-label="log container" value={containerId} onChange={(e) => setContainerId(e.target.value)}>
            <option value="">serving agent</option>
            {containers.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          <span>Last lines</span>
          <select aria-label="log tail" value={tail} onChange={(e) => setTail(Number(e.target.value))}>
            {logTailChoices.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label className="toggle">
          <input type="checkbox" checked={follow} disabled={!shown} onChange={(e) => setFollow(e.target.checked)} /> follow
        </label>
        <button type="button" className="small" onClick={() => (shown ? void logs.refetch() : setShown(true))} disabled={logs.isFetching}>
          {shown ? (logs.isFetching ? 'Loading…' : 'Refresh logs') : 'Show logs'}
        </button>
      </div>
      {logs.error && <ErrorNotice error={asErrorInfo(logs.error)} />}
      {logs.data && (
        <pre className="log" aria-label="container logs">
          {logs.data.text || '(no output)'}
        </pre>
      )}
    </div>
  );
}

export function ContainersPanel({ serverId }: { serverId: string }) {
  const client = useConsole();
  const containers = useQuery({
    queryKey: ['deploy-containers', serverId],
    queryFn: () => client.invoke(listAgentContainersMethod, { serverId }),
    // Each look opens an SSH channel to the server's Docker socket: after an error, wait for Refresh/Retry.
    refetchInterval: (q) => (q.state.error ? false : 10_000),
    retry: false,
  });
  const list = containers.data?.containers ?? [];
  return (
    <section className="card" aria-label="containers">
      <header className="card-head">
        <h3>Containers</h3>
        <button type="button" className="small ghost" onClick={() => void containers.refetch()} disabled={containers.isFetching}>
          Refresh
        </button>
      </header>
      {containers.error ? (
        <ErrorNotice error={asErrorInfo(containers.error)} onRetry={() => void containers.refetch()} />
      ) : !containers.data ? (
        <p className="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p className="muted">No agent container on this server yet. Deploy one below; provisioning installs Docker first.</p>
      ) : (
        <>
          <table className="table" aria-label="agent containers">
            <thead>
              <tr>
                <th>Name</th>
                <th>State</th>
                <th>Version</th>
                <th>Port</th>
                <th>Deployed</th>
              </tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <tr key={c.id} data-running={c.running}>
                  <td title={c.image}>{c.name}</td>
                  <td>
                    <Badge tone={c.running ? 'ok' : 'warn'}>{c.state}</Badge>
                  </td>
                  <td className="mono">{c.version}</td>
                  <td className="mono">{c.port}</td>
                  <td>{formatWhen(c.deployedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <StatsLine serverId={serverId} />
        </>
      )}
      {!containers.error && <LogViewer serverId={serverId} containers={list} />}
    </section>
  );
}
