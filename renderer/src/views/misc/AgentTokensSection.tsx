// Settings › Agent tokens: the API tokens of one agent (This computer or a server's agent) — list them, create
// one for a script or another program (its secret is shown once, here, with a copy button), and revoke one
// after asking. A read-only console lists them only.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent } from 'react';
import { localAgentStatus } from '../../../../electron/core/contracts/agents.js';
import {
  TokenLabel,
  TokenScope,
  TokenTenant,
  createAgentToken,
  listAgentTokens,
  revokeAgentToken,
  type AgentTokenRecord,
} from '../../../../electron/core/contracts/tokens.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { Badge, EmptyState, ErrorNotice, asErrorInfo } from '../../components/common.js';
import { ConfirmButton } from '../../components/ConfirmButton.js';
import { AgentPicker, useAgentList } from '../../components/pickers.js';
import { FormField } from '../server/FormField.js';
import './agent-tokens.css';

const scopeHelp: Record<TokenScope, string> = {
  read: 'read — results and job status only',
  submit: 'submit — send media and read results',
  admin: 'admin — everything, including tokens',
};

const when = (iso: string): string => new Date(iso).toLocaleString();

interface NewSecret {
  agentName: string;
  token: string;
  record: AgentTokenRecord;
}

/** The secret of a token just created: shown once, never kept anywhere else by the console. */
function NewTokenSecret({ secret, onDone }: { secret: NewSecret; onDone: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [copy, setCopy] = useState<'idle' | 'copied' | 'manual'>('idle');
  const copyToClipboard = async () => {
    try {
      await navigator.clipboard.writeText(secret.token);
      setCopy('copied');
    } catch {
      // No clipboard access (e.g. a page that is not a secure context): select it for Ctrl+C instead.
      input.current?.select();
      setCopy('manual');
    }
  };
  const { record } = secret;
  return (
    <div className="token-secret" role="region" aria-label="new token">
      <strong>
        New {record.scope} token for {record.tenant}
        {record.label ? ` (${record.label})` : ''} on {secret.agentName}
      </strong>
      <p className="notice-warn" role="note">
        Copy it now: it will not be shown again. The agent keeps only a hash of it; if it is lost, revoke it and create another.
      </p>
      <div className="row">
        <input ref={input} className="mono token-secret-value" readOnly value={secret.token} aria-label="token secret" onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={() => void copyToClipboard()}>
          Copy
        </button>
        <span className="muted" aria-live="polite">
          {copy === 'copied' ? 'Copied.' : copy === 'manual' ? 'Selected: press Ctrl+C (⌘C) to copy.' : ''}
        </span>
        <span className="spacer" />
        <button type="button" className="ghost" onClick={onDone}>
          Done, hide it
        </button>
      </div>
    </div>
  );
}

/** Revoke, after an inline question; Escape or "Keep it" backs out. */
function RevokeButton({ token, disabled, disabledReason, onRevoke }: { token: AgentTokenRecord; disabled: boolean; disabledReason?: string; onRevoke: () => void }) {
  const name = token.label ?? token.tenant;
  return (
    <ConfirmButton
      label="Revoke…"
      ariaLabel={`Revoke ${token.scope} token ${name}`}
      className="small ghost"
      disabled={disabled}
      title={disabledReason}
      question={`Revoke the ${token.scope} token "${name}"? Programs using it are refused from now on.`}
      confirmLabel="Revoke"
      keepLabel="Keep it"
      onConfirm={onRevoke}
    />
  );
}

function CreateTokenForm({ disabled, pending, onCreate }: { disabled: boolean; pending: boolean; onCreate: (input: { scope: TokenScope; tenant: string; label?: string }) => void }) {
  const [scope, setScope] = useState<TokenScope>('submit');
  const [tenant, setTenant] = useState('');
  const [label, setLabel] = useState('');
  const [tried, setTried] = useState(false);
  const tenantCheck = TokenTenant.safeParse(tenant);
  const labelCheck = TokenLabel.safeParse(label);
  const tenantError = tried && !tenantCheck.success && tenantCheck.error.issues[0]?.message;
  const labelError = !labelCheck.success && labelCheck.error.issues[0]?.message;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (!tenantCheck.success || !labelCheck.success) return;
    onCreate({ scope, tenant: tenantCheck.data, label: label.trim() ? label.trim() : undefined });
    setTenant('');
    setLabel('');
    setTried(false);
  };
  return (
    <form className="token-form" onSubmit={submit} aria-label="create a token">
      <fieldset disabled={disabled}>
        <legend>Create a token</legend>
        <div className="token-form-grid">
          <FormField label="Scope">
            {(p) => (
              <select {...p} value={scope} onChange={(e) => setScope(TokenScope.parse(e.target.value))}>
                {TokenScope.options.map((s) => (
                  <option key={s} value={s}>
                    {scopeHelp[s]}
                  </option>
                ))}
              </select>
            )}
          </FormField>
          <FormField label="Tenant (whose jobs and faces it sees)" error={tenantError}>
            {(p) => <input {...p} value={tenant} maxLength={100} placeholder="e.g. studio-a" onChange={(e) => setTenant(e.target.value)} />}
          </FormField>
          <FormField label="Label (optional)" error={labelError}>
            {(p) => <input {...p} value={label} placeholder="e.g. nightly import script" onChange={(e) => setLabel(e.target.value)} />}
          </FormField>
          <button type="submit" disabled={pending}>
            {pending ? 'Creating…' : 'Create token'}
          </button>
        </div>
      </fieldset>
    </form>
  );
}

function TokensTable({ tokens, readOnly, revoking, onRevoke }: { tokens: AgentTokenRecord[]; readOnly: boolean; revoking: boolean; onRevoke: (t: AgentTokenRecord) => void }) {
  // Agents up to now do not track last use; the column appears once one does.
  const showLastUsed = tokens.some((t) => t.lastUsedAt !== null);
  return (
    <table className="table tokens-table" aria-label="agent tokens">
      <thead>
        <tr>
          <th scope="col">Scope</th>
          <th scope="col">Tenant</th>
          <th scope="col">Label</th>
          <th scope="col">Created</th>
          {showLastUsed && <th scope="col">Last used</th>}
          <th scope="col">State</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {tokens.map((t) => (
          <tr key={t.id} className={t.revokedAt ? 'revoked' : undefined} data-testid={`token-${t.id}`}>
            <td>
              <Badge tone={t.scope === 'admin' || t.scope === 'all-tenants' ? 'warn' : 'info'}>{t.scope}</Badge>
            </td>
            <td className="mono">{t.tenant}</td>
            <td>
              {t.label ?? <span className="muted">—</span>} {t.usedByConsole && <Badge tone="ok">this console</Badge>}
            </td>
            <td>{when(t.createdAt)}</td>
            {showLastUsed && <td>{t.lastUsedAt ? when(t.lastUsedAt) : <span className="muted">never</span>}</td>}
            <td>{t.revokedAt ? <span className="muted">revoked {when(t.revokedAt)}</span> : 'active'}</td>
            <td className="token-actions">
              {!t.revokedAt && (
                <RevokeButton
                  token={t}
                  disabled={readOnly || revoking || t.usedByConsole}
                  disabledReason={
                    t.usedByConsole ? 'The console uses this token to manage the agent' : readOnly ? 'Read-only console: revoking needs full control' : undefined
                  }
                  onRevoke={() => onRevoke(t)}
                />
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AgentTokensSection() {
  const client = useConsole();
  const readOnly = useReadOnly();
  const queryClient = useQueryClient();
  const headingId = useId();
  const agents = useAgentList();
  const [agentId, setAgentId] = useState('local');
  const list = agents.data ?? [];
  const selected = list.some((a) => a.id === agentId) ? agentId : (list[0]?.id ?? '');
  const agentName = list.find((a) => a.id === selected)?.name ?? selected;
  // A read-only console does not start the built-in agent just to list its tokens (as in Faces).
  const local = useQuery({ queryKey: ['local-agent'], queryFn: () => client.invoke(localAgentStatus, {}), enabled: readOnly && selected === 'local' });
  const localStopped = readOnly && selected === 'local' && local.data !== undefined && local.data.state !== 'running';
  const tokens = useQuery({
    queryKey: ['agent-tokens', selected],
    queryFn: () => client.invoke(listAgentTokens, { agentId: selected }),
    enabled: selected !== '' && (!(readOnly && selected === 'local') || local.data?.state === 'running'),
  });
  const [secret, setSecret] = useState<NewSecret | null>(null);
  const create = useMutation({
    mutationFn: (input: { scope: TokenScope; tenant: string; label?: string }) => client.invoke(createAgentToken, { agentId: selected, ...input }),
    // The answer holds the secret: keep it in this component's state only, not in the mutation cache.
    gcTime: 0,
    onSuccess: (created) => {
      setSecret({ agentName, token: created.token, record: created.record });
      create.reset();
    },
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['agent-tokens', selected] }),
  });
  const revoke = useMutation({
    mutationFn: (tokenId: string) => client.invoke(revokeAgentToken, { agentId: selected, tokenId }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['agent-tokens', selected] }),
  });
  const rows = tokens.data ?? [];
  const others = rows.filter((t) => !t.usedByConsole);
  return (
    <section className="card agent-tokens" aria-labelledby={headingId}>
      <div className="card-head">
        <h3 id={headingId}>Agent tokens</h3>
        <AgentPicker
          agents={list}
          value={selected}
          className="field inline"
          onChange={(id) => {
            setAgentId(id);
            create.reset();
            revoke.reset();
          }}
        />
      </div>
      <p className="muted">
        A token lets a script or another program use this agent&apos;s API directly: send media, read results, or manage the agent. Give each program its own
        token, so one can be revoked without touching the others.
      </p>
      {readOnly && (
        <p className="notice-warn" role="note">
          This console is read-only: tokens are listed, but creating or revoking one needs a console with full control.
        </p>
      )}
      {agents.error && <ErrorNotice error={asErrorInfo(agents.error)} onRetry={() => void agents.refetch()} />}
      {secret && <NewTokenSecret secret={secret} onDone={() => setSecret(null)} />}
      {create.error && <ErrorNotice error={asErrorInfo(create.error)} />}
      {revoke.error && <ErrorNotice error={asErrorInfo(revoke.error)} />}
      {localStopped ? (
        <p className="muted">The built-in agent is not running, and a read-only console does not start it.</p>
      ) : tokens.error ? (
        <ErrorNotice error={asErrorInfo(tokens.error)} onRetry={() => void tokens.refetch()} />
      ) : tokens.isLoading && selected !== '' ? (
        <p className="muted">Loading tokens…</p>
      ) : (
        <>
          {rows.length > 0 && <TokensTable tokens={rows} readOnly={readOnly} revoking={revoke.isPending} onRevoke={(t) => revoke.mutate(t.id)} />}
          {tokens.isSuccess && others.length === 0 && (
            <EmptyState title="No tokens for other programs yet">
              {rows.length > 0 ? 'Only the token this console itself uses is here. ' : ''}
              Create a <strong>submit</strong> token for a script that sends media to {agentName}, or a <strong>read</strong> token for one that only
              fetches results.
            </EmptyState>
          )}
        </>
      )}
      <CreateTokenForm disabled={readOnly || selected === ''} pending={create.isPending} onCreate={(input) => create.mutate(input)} />
    </section>
  );
}
