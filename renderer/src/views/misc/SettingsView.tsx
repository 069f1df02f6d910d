// Settings: how this console is connected, the built-in agent, the servers it knows, agents' API tokens, and
// renting GPUs on Vast.ai (the key, the GPU image and its registry login).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { localAgentStatus } from '../../../../electron/core/contracts/agents.js';
import { listServers, removeServer } from '../../../../electron/core/contracts/servers.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { Badge, ErrorNotice, ViewHeader, asErrorInfo } from '../../components/common.js';
import { AgentTokensSection } from './AgentTokensSection.js';
import { ServerPublicKey } from './ServerPublicKey.js';
import { VastSettingsSection } from './VastSettingsSection.js';

export function SettingsView() {
  const client = useConsole();
  const readOnly = useReadOnly();
  const queryClient = useQueryClient();
  const local = useQuery({ queryKey: ['local-agent'], queryFn: () => client.invoke(localAgentStatus, {}) });
  const servers = useQuery({ queryKey: ['servers'], queryFn: () => client.invoke(listServers, {}), retry: false });
  const remove = useMutation({
    mutationFn: (serverId: string) => client.invoke(removeServer, { serverId }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['servers'] }),
  });
  return (
    <div className="view">
      <ViewHeader title="Settings" />
      <section className="card">
        <h3>This console</h3>
        <dl className="facts">
          <dt>Connection</dt>
          <dd>{client.transport.kind === 'ipc' ? 'desktop app' : 'browser (headless console on 127.0.0.1)'}</dd>
          <dt>Mode</dt>
          <dd>{readOnly ? <Badge tone="warn">read-only</Badge> : <Badge tone="ok">full control</Badge>}</dd>
          <dt>Built-in agent</dt>
          <dd>
            {local.data?.state ?? '…'} {local.data?.url && <span className="mono">{local.data.url}</span>}
          </dd>
        </dl>
      </section>
      <section className="card">
        <h3>Servers and their keys</h3>
        {servers.error ? (
          <ErrorNotice error={asErrorInfo(servers.error)} />
        ) : (servers.data ?? []).length === 0 ? (
          <p className="muted">No servers. Add one from the Fleet view.</p>
        ) : (
          <ul className="plain">
            {(servers.data ?? []).map((s) => (
              <li key={s.id} className="row">
                <strong>{s.name}</strong> <span className="mono">{`${s.user}@${s.host}:${s.port}`}</span>
                <span className="muted" title="the server's host key, pinned at first contact">{s.hostKeyFingerprint ?? 'host key not pinned yet'}</span>
                <ServerPublicKey serverId={s.id} serverName={s.name} />
                <button type="button" className="small ghost" disabled={readOnly || remove.isPending} onClick={() => window.confirm(`Remove ${s.name}?`) && remove.mutate(s.id)}>
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
        {remove.error && <ErrorNotice error={asErrorInfo(remove.error)} />}
      </section>
      <AgentTokensSection />
      <VastSettingsSection />
    </div>
  );
}
