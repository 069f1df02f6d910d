// Fleet: every server and agent with its health, refreshed every 5 s, plus open alerts and adding a server.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { localAgentStatus } from '../../../../electron/core/contracts/analyze.js';
import { acknowledgeAlert, healthSnapshot, listAlerts } from '../../../../electron/core/contracts/health.js';
import { addServer, listServers } from '../../../../electron/core/contracts/servers.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { Badge, EmptyState, ErrorNotice, ViewHeader, asErrorInfo } from '../../components/common.js';
import { useUiStore } from '../../state/ui-store.js';
import { FleetGrid } from './FleetGrid.js';

function AddServerForm({ onDone }: { onDone: () => void }) {
  const client = useConsole();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ name: '', host: '', port: '22', user: 'root', privateKey: '', password: '' });
  const [authKind, setAuthKind] = useState<'key' | 'generate'>('generate');
  const add = useMutation({
    mutationFn: () =>
      client.invoke(addServer, {
        name: form.name,
        host: form.host,
        port: Number(form.port),
        user: form.user,
        auth: authKind === 'key' ? { kind: 'key', privateKey: form.privateKey } : { kind: 'generate', password: form.password, disablePasswordLogin: true },
      }),
    onSuccess: (server) => {
      void queryClient.invalidateQueries({ queryKey: ['servers'] });
      onDone();
      useUiStore.getState().openServer(server.id);
    },
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    add.mutate();
  };
  const field = (key: keyof typeof form, label: string, props: Record<string, unknown> = {}) => (
    <label className="field">
      <span>{label}</span>
      <input value={form[key]} onChange={(e) => setForm({ ...form, [key]: e.target.value })} required {...props} />
    </label>
  );
  return (
    <form className="card form" onSubmit={submit} aria-label="add a server">
      <h3>Add a server</h3>
      <div className="form-grid">
        {field('name', 'Name', { placeholder: 'vps-paris-1' })}
        {field('host', 'Host', { placeholder: '203.0.113.10' })}
        {field('port', 'SSH port', { inputMode: 'numeric', pattern: '[0-9]+' })}
        {field('user', 'User')}
      </div>
      <fieldset className="auth-choice">
        <legend className="muted">How the console logs in</legend>
        <label className="toggle">
          <input type="radio" name="auth" checked={authKind === 'generate'} onChange={() => setAuthKind('generate')} />
          Password once: the console installs its own key, then turns password login off
        </label>
        <label className="toggle">
          <input type="radio" name="auth" checked={authKind === 'key'} onChange={() => setAuthKind('key')} />
          An existing private key
        </label>
      </fieldset>
      {authKind === 'generate' ? (
        <label className="field">
          <span>Password (used once, never stored)</span>
          <input type="password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} required autoComplete="off" />
        </label>
      ) : (
        <label className="field">
          <span>Private key (stored in the vault, never in the database)</span>
          <textarea value={form.privateKey} onChange={(e) => setForm({ ...form, privateKey: e.target.value })} rows={4} required placeholder="-----BEGIN OPENSSH PRIVATE KEY-----" />
        </label>
      )}
      {add.error && <ErrorNotice error={asErrorInfo(add.error)} />}
      <div className="row">
        <button type="submit" disabled={add.isPending}>
          {add.isPending ? 'Adding…' : 'Add server'}
        </button>
        <button type="button" className="ghost" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
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
  const names = useMemo(() => new Map((servers.data ?? []).map((s) => [s.id, s.name])), [servers.data]);

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
      <section className="card local-agent" aria-label="This computer">
        <h3>This computer</h3>
        <Badge tone={local.data?.state === 'running' ? 'ok' : local.data?.state === 'starting' ? 'info' : 'bad'}>{local.data?.state ?? '…'}</Badge>
        <span className="muted">{local.data?.url ?? local.data?.message ?? 'The built-in agent analyses files on this machine at no cost.'}</span>
      </section>
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
      ) : health.data && health.data.length === 0 ? (
        <EmptyState title="No servers yet">
          Add a VPS you reach over SSH: the console checks it, installs Docker and deploys the agent. Until then, files are analysed on This computer.
        </EmptyState>
      ) : (
        <FleetGrid snapshot={health.data ?? []} names={names} alerts={alerts.data ?? []} onOpen={openServer} />
      )}
    </div>
  );
}
