// The agents the dispatcher sends work to, besides This computer: deployed onto a server, added by URL (installed
// by hand, or a cluster's front agent), or rented. An agent added by URL is checked by the console first and
// refused with the reason (unreachable, not an agent, token rejected) before anything is stored.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { addAgent, localAgentId, removeAgent, type AgentSummary } from '../../../../electron/core/contracts/agents.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { Badge, ErrorNotice, asErrorInfo } from '../../components/common.js';
import { useAgentList } from '../../components/pickers.js';
import { FormField } from '../server/FormField.js';

const originText: Record<AgentSummary['origin'], string> = { local: 'built in', deployed: 'deployed on a server', manual: 'added by URL', rented: 'rented GPU' };

/** What is wrong with the form as typed, per field (the console checks the agent itself on submit). */
export function agentFormErrors(form: { name: string; url: string; token: string }): Partial<Record<'name' | 'url' | 'token', string>> {
  const errors: Partial<Record<'name' | 'url' | 'token', string>> = {};
  if (!form.name.trim()) errors.name = 'Give the agent a name';
  let url: URL | null = null;
  try {
    url = new URL(form.url.trim());
  } catch {
    url = null;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol)) errors.url = 'An http:// or https:// address, e.g. https://agent.example.com';
  if (form.token.trim().length < 8) errors.token = 'Paste a token made on the agent (npm run agent -- token create --scope submit)';
  return errors;
}

function AddAgentForm({ onDone }: { onDone: () => void }) {
  const client = useConsole();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ name: '', url: '', token: '' });
  const [submitted, setSubmitted] = useState(false);
  const errors = agentFormErrors(form);
  const add = useMutation({
    mutationFn: () => client.invoke(addAgent, { name: form.name.trim(), url: form.url.trim(), token: form.token.trim() }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['agents'] });
      onDone();
    },
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setSubmitted(true);
    if (Object.keys(errors).length === 0) add.mutate();
  };
  const field = (name: 'name' | 'url' | 'token', placeholder: string, type = 'text') => (
    <FormField label={{ name: 'Name', url: 'URL', token: 'Token' }[name]} error={submitted && errors[name]}>
      {(props) => (
        <input
          {...props}
          type={type}
          value={form[name]}
          placeholder={placeholder}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => {
            setForm({ ...form, [name]: e.target.value });
            if (add.error) add.reset();
          }}
        />
      )}
    </FormField>
  );
  return (
    <form className="card form" onSubmit={submit} aria-label="add an agent" noValidate>
      <h3>Add an agent by URL</h3>
      <p className="muted">An agent installed by hand, or the front agent of a cluster. The console checks it answers as an agent and accepts the token before keeping it.</p>
      <div className="form-grid">
        {field('name', 'gpu-box')}
        {field('url', 'https://agent.example.com')}
        {field('token', 'mf_…', 'password')}
      </div>
      {add.error && <ErrorNotice error={asErrorInfo(add.error)} />}
      <div className="row">
        <button type="submit" disabled={add.isPending}>
          {add.isPending ? 'Checking the agent…' : 'Add the agent'}
        </button>
        <button type="button" className="ghost" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function AgentsSection() {
  const client = useConsole();
  const readOnly = useReadOnly();
  const queryClient = useQueryClient();
  const agents = useAgentList();
  const [adding, setAdding] = useState(false);
  const remove = useMutation({
    mutationFn: (agentId: string) => client.invoke(removeAgent, { agentId }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['agents'] }),
  });
  const others = (agents.data ?? []).filter((a) => a.id !== localAgentId);
  return (
    <section className="card agents" aria-label="agents">
      <div className="row">
        <h2 className="section-title">Agents</h2>
        <span className="spacer" />
        <button type="button" className="small" onClick={() => setAdding(true)} disabled={readOnly || adding} title={readOnly ? 'read-only console' : undefined}>
          Add an agent by URL
        </button>
      </div>
      {adding && <AddAgentForm onDone={() => setAdding(false)} />}
      {remove.error && <ErrorNotice error={asErrorInfo(remove.error)} />}
      {others.length === 0 ? (
        <p className="muted">Only This computer so far. Deploy the agent onto a server, or add one by URL, and files are spread over them.</p>
      ) : (
        <ul className="agent-list">
          {others.map((a) => (
            <li key={a.id} aria-label={`agent ${a.name}`}>
              <strong>{a.name}</strong> <span className="muted">{a.baseUrl}</span> <Badge tone="info">{originText[a.origin]}</Badge>
              {a.costClass === 'per-second' && <Badge tone="warn">costs per second</Badge>}
              {!readOnly && a.origin === 'manual' && (
                <button type="button" className="small ghost" onClick={() => remove.mutate(a.id)} disabled={remove.isPending}>
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
