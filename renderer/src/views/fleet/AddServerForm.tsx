// Adding a server: every field checked as it is typed (its message goes once it is fixed), a masked private
// key that can also be read from a file, and a server that cannot be reached yet kept to set up later.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { addServer } from '../../../../electron/core/contracts/servers.js';
import { useConsole } from '../../api/console-context.js';
import { ErrorNotice, asErrorInfo } from '../../components/common.js';
import { useUiStore } from '../../state/ui-store.js';
import { FormField } from '../server/FormField.js';
import { serverFormErrors, type ServerFormValues } from './server-form.js';

const unreachableCodes = new Set(['SSH_CONNECT_FAILED', 'SSH_TIMEOUT']);
/** A private key file is a few kB; anything much larger is not one. */
const maxKeyFileBytes = 64 * 1024;

export function AddServerForm({ onDone }: { onDone: () => void }) {
  const client = useConsole();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<ServerFormValues>({ name: '', host: '', port: '22', user: 'root', authKind: 'generate', password: '', privateKey: '' });
  const [passphrase, setPassphrase] = useState('');
  const [touched, setTouched] = useState<Set<keyof ServerFormValues>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [showKey, setShowKey] = useState(false);
  const [keyFile, setKeyFile] = useState<string | null>(null);
  const keyInput = useRef<HTMLInputElement>(null);
  const errors = serverFormErrors(form);
  const shown = (field: keyof ServerFormValues): string | false => (submitted || touched.has(field)) && (errors[field] ?? false);

  const add = useMutation({
    mutationFn: (keepIfUnreachable: boolean) =>
      client.invoke(addServer, {
        name: form.name.trim(),
        host: form.host.trim().replace(/^\[(.*)\]$/, '$1'),
        port: Number(form.port),
        user: form.user.trim(),
        auth:
          form.authKind === 'key'
            ? { kind: 'key', privateKey: form.privateKey.trim() + '\n', ...(passphrase ? { passphrase } : {}) }
            : { kind: 'generate', password: form.password, disablePasswordLogin: true },
        keepIfUnreachable,
      }),
    onSuccess: (server) => {
      void queryClient.invalidateQueries({ queryKey: ['servers'] });
      void queryClient.invalidateQueries({ queryKey: ['audit'] });
      onDone();
      useUiStore.getState().openServer(server.id);
    },
    onError: () => void queryClient.invalidateQueries({ queryKey: ['audit'] }),
  });
  const set = (field: keyof ServerFormValues, value: string): void => {
    setForm({ ...form, [field]: value });
    if (add.error) add.reset();
  };
  const blur = (field: keyof ServerFormValues) => () => setTouched((t) => new Set(t).add(field));
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setSubmitted(true);
    if (Object.keys(errors).length === 0) add.mutate(false);
  };
  const readKeyFile = async (file: File | undefined): Promise<void> => {
    if (!file) return;
    if (file.size > maxKeyFileBytes) {
      setKeyFile(`${file.name} is ${Math.round(file.size / 1024)} kB: too large for a private key`);
      return;
    }
    const text = await file.text();
    setForm((f) => ({ ...f, privateKey: text }));
    // A new key answers the last refusal: its message goes.
    add.reset();
    setKeyFile(file.name);
    setTouched((t) => new Set(t).add('privateKey'));
  };
  const error = add.error ? asErrorInfo(add.error) : null;
  const canKeep = error !== null && unreachableCodes.has(error.code);
  const input = (field: 'name' | 'host' | 'port' | 'user', placeholder: string, extra: Record<string, unknown> = {}) => (props: object) => (
    <input {...props} {...extra} value={form[field]} placeholder={placeholder} onChange={(e) => set(field, e.target.value)} onBlur={blur(field)} />
  );

  return (
    <form className="card form" onSubmit={submit} aria-label="add a server" noValidate>
      <h3>Add a server</h3>
      <div className="form-grid">
        <FormField label="Name" error={shown('name')}>
          {input('name', 'vps-paris-1')}
        </FormField>
        <FormField label="Host" error={shown('host')}>
          {input('host', '203.0.113.10 or vps.example.com', { autoCapitalize: 'off', spellCheck: false })}
        </FormField>
        <FormField label="SSH port" error={shown('port')}>
          {input('port', '22', { inputMode: 'numeric' })}
        </FormField>
        <FormField label="User" error={shown('user')}>
          {input('user', 'root', { autoCapitalize: 'off', spellCheck: false })}
        </FormField>
      </div>
      <fieldset className="auth-choice">
        <legend className="muted">How the console logs in</legend>
        <label className="toggle">
          <input type="radio" name="auth" checked={form.authKind === 'generate'} onChange={() => set('authKind', 'generate')} />
          Password once: the console installs its own key, then turns password login off
        </label>
        <label className="toggle">
          <input type="radio" name="auth" checked={form.authKind === 'key'} onChange={() => set('authKind', 'key')} />
          An existing private key
        </label>
      </fieldset>
      {form.authKind === 'generate' ? (
        <FormField label="Password (used once, never stored)" error={shown('password')}>
          {(props) => <input {...props} type="password" value={form.password} onChange={(e) => set('password', e.target.value)} onBlur={blur('password')} autoComplete="off" />}
        </FormField>
      ) : (
        <div className="key-fields">
          <FormField label="Private key (kept in the vault, never in the database)" error={shown('privateKey')}>
            {(props) => (
              <textarea
                {...props}
                className={showKey ? 'key-text' : 'key-text masked'}
                value={form.privateKey}
                onChange={(e) => {
                  set('privateKey', e.target.value);
                  setKeyFile(null);
                }}
                onBlur={blur('privateKey')}
                rows={4}
                spellCheck={false}
                autoComplete="off"
                placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
              />
            )}
          </FormField>
          <div className="row">
            <button type="button" className="ghost small" onClick={() => keyInput.current?.click()}>
              Choose key file…
            </button>
            <button type="button" className="ghost small" onClick={() => setShowKey((s) => !s)} aria-pressed={showKey} disabled={!form.privateKey}>
              {showKey ? 'Hide key' : 'Show key'}
            </button>
            {keyFile && <span className="muted">from {keyFile}</span>}
            <input ref={keyInput} type="file" hidden data-testid="key-file-input" onChange={(e) => void readKeyFile(e.target.files?.[0])} />
          </div>
          <label className="field">
            <span>Key passphrase (only if the key has one)</span>
            <input type="password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoComplete="off" />
          </label>
        </div>
      )}
      {error && <ErrorNotice error={error} />}
      {canKeep &&
        (form.authKind === 'key' ? (
          <div className="row keep-later">
            <button type="button" onClick={() => add.mutate(true)} disabled={add.isPending}>
              Keep it and set it up later
            </button>
            <span className="muted">The server is added without being reached; its host key is pinned at the first contact, from its Server view.</span>
          </div>
        ) : (
          <p className="muted keep-later">To keep a server that cannot be reached yet, log in with an existing private key: a password is used once and not kept.</p>
        ))}
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
