// Deploy, upgrade, roll back and restart the agent on one server. Each is a long operation with live
// progress and cancel; rollback and restart ask first because they interrupt the serving agent.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { deployAgentMethod, getDeploySettingsMethod, restartAgentMethod, rollbackAgentMethod } from '../../../../electron/core/contracts/deploy.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { ErrorNotice, asErrorInfo } from '../../components/common.js';
import { ConfirmButton } from '../../components/ConfirmButton.js';
import { DeploySettingsForm } from './DeploySettingsForm.js';
import { FormField } from './FormField.js';
import { OperationProgress, useLatestOperation } from '../../components/OperationProgress.js';
import { fieldErrors } from './server-format.js';

type ActionKind = 'deploy' | 'rollback' | 'restart';
const actionTitle: Record<ActionKind, string> = { deploy: 'Deploy', rollback: 'Rollback', restart: 'Restart' };
const actionKinds: readonly ActionKind[] = ['deploy', 'rollback', 'restart'];

export function DeployPanel({ serverId }: { serverId: string }) {
  const client = useConsole();
  const readOnly = useReadOnly();
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: ['deploy-settings', serverId], queryFn: () => client.invoke(getDeploySettingsMethod, { serverId }), retry: false });
  const saved = settings.data?.settings ?? null;
  const [editingSettings, setEditingSettings] = useState(false);
  // image stays null until typed, so the saved settings' image fills it.
  const [form, setForm] = useState<{ image: string | null; version: string; source: 'transfer' | 'registry'; credentialName: string }>({
    image: null,
    version: '',
    source: 'transfer',
    credentialName: '',
  });
  const [touched, setTouched] = useState(false);
  const [started, setStarted] = useState<{ id: string; kind: ActionKind } | null>(null);
  const latest = useLatestOperation(serverId, actionKinds);
  // What this panel started wins; otherwise the newest one on record (e.g. still running after a reload).
  const operation = started ?? (latest as { id: string; kind: ActionKind } | null);
  const [running, setRunning] = useState(false);

  const image = form.image ?? saved?.agentImage ?? 'mediafleet/agent';
  const input = {
    serverId,
    image: image.trim(),
    version: form.version.trim(),
    source: form.source === 'transfer' ? { kind: 'transfer' as const } : { kind: 'registry' as const, credentialName: form.credentialName.trim() || undefined },
  };
  const errors = fieldErrors(deployAgentMethod.input, input);
  const start = useMutation({
    mutationFn: async (kind: ActionKind) => {
      const started =
        kind === 'deploy'
          ? await client.invoke(deployAgentMethod, input)
          : kind === 'rollback'
            ? await client.invoke(rollbackAgentMethod, { serverId })
            : await client.invoke(restartAgentMethod, { serverId });
      return { id: started.operationId, kind };
    },
    onSuccess: (op) => {
      setStarted(op);
      setRunning(true);
    },
  });
  const busy = readOnly || running || start.isPending;
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setTouched(true);
    if (Object.keys(errors).length === 0) start.mutate('deploy');
  };

  return (
    <section className="card" aria-label="deploy">
      <header className="card-head">
        <h3>Deploy</h3>
        <div className="row">
          <ConfirmButton
            label="Roll back…"
            question="Roll back to the previous version? The current agent stops serving."
            confirmLabel="Roll back"
            disabled={busy}
            onConfirm={() => start.mutate('rollback')}
          />
          <ConfirmButton label="Restart…" question="Restart the agent? Running jobs are retried after it is back." confirmLabel="Restart" disabled={busy} onConfirm={() => start.mutate('restart')} />
        </div>
      </header>
      {settings.error ? (
        <ErrorNotice error={asErrorInfo(settings.error)} onRetry={() => void settings.refetch()} />
      ) : (
        settings.data &&
        (saved && !editingSettings ? (
          <p className="row" data-testid="deploy-settings-summary">
            <span>
              Serves <strong>{saved.domain}</strong> with <span className="mono">{`${saved.agentImage}:${saved.agentVersion}`}</span>
            </span>
            {!readOnly && (
              <button type="button" className="small ghost" onClick={() => setEditingSettings(true)}>
                Edit deploy settings
              </button>
            )}
          </p>
        ) : readOnly ? (
          <p className="muted">No deploy settings saved for this server.</p>
        ) : (
          <>
            {!saved && <p className="muted">Before the first deploy, say where this server serves the agent and which image it runs.</p>}
            <DeploySettingsForm serverId={serverId} current={saved} onSaved={() => setEditingSettings(false)} />
          </>
        ))
      )}
      {readOnly ? (
        <p className="muted">Read-only console: deploying, rolling back and restarting are turned off.</p>
      ) : !saved ? null : (
        <form className="form deploy-form" aria-label="deploy the agent" onSubmit={submit} noValidate>
          <h4>Deploy or upgrade</h4>
          <div className="form-grid two">
            <FormField label="Image" error={touched && errors.image}>
              {(props) => <input {...props} value={image} onChange={(e) => setForm({ ...form, image: e.target.value })} placeholder="mediafleet/agent" />}
            </FormField>
            <FormField label="Version" error={touched && errors.version}>
              {(props) => <input {...props} value={form.version} onChange={(e) => setForm({ ...form, version: e.target.value })} placeholder={saved?.agentVersion ?? '0.2.0'} />}
            </FormField>
          </div>
          <fieldset className="auth-choice">
            <legend className="muted">How the image reaches the server</legend>
            <label className="toggle">
              <input type="radio" name="image-source" checked={form.source === 'transfer'} onChange={() => setForm({ ...form, source: 'transfer' })} />
              Copy it from this computer over SSH (docker save | docker load; no registry needed)
            </label>
            <label className="toggle">
              <input type="radio" name="image-source" checked={form.source === 'registry'} onChange={() => setForm({ ...form, source: 'registry' })} />
              The server pulls it from a registry
            </label>
            {form.source === 'registry' && (
              <label className="field">
                <span>Registry credential (name in the vault, optional)</span>
                <input value={form.credentialName} onChange={(e) => setForm({ ...form, credentialName: e.target.value })} />
              </label>
            )}
          </fieldset>
          <div className="row">
            <button type="submit" disabled={busy}>
              {start.isPending && start.variables === 'deploy' ? 'Starting…' : 'Deploy'}
            </button>
            <span className="muted">Health-gated: traffic moves only when the new agent answers /v1/health; otherwise the old one keeps serving.</span>
          </div>
        </form>
      )}
      {start.error && <ErrorNotice error={asErrorInfo(start.error)} />}
      {operation && (
        <OperationProgress
          key={operation.id}
          operationId={operation.id}
          title={actionTitle[operation.kind]}
          onStateChange={(state) => {
            setRunning(state === 'running');
            if (state === 'running') return;
            void queryClient.invalidateQueries({ queryKey: ['deploy-containers', serverId] });
            void queryClient.invalidateQueries({ queryKey: ['deploy-stats', serverId] });
            void queryClient.invalidateQueries({ queryKey: ['deploy-settings', serverId] });
          }}
        />
      )}
    </section>
  );
}
