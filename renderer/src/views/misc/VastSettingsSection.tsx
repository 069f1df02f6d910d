// Settings › GPUs (Vast.ai): the API key (masked; the console checks it with Vast.ai before it keeps it, then shows
// the account's email and credit), the GPU image a rental has Vast pull, and the login to that image's registry
// (kept in the vault; only whether one is saved is ever shown). A read-only console shows the state, no inputs.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState, type FormEvent } from 'react';
import {
  GpuImageReference,
  VastApiKey,
  VastImageLogin,
  saveVastKeyMethod,
  setVastSettingsMethod,
  vastAccountMethod,
  vastSettingsMethod,
  type VastSettingsView,
} from '../../../../electron/core/contracts/vast.js';
import type { InputOf } from '../../../../electron/core/contracts/define.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { Badge, ErrorNotice, asErrorInfo } from '../../components/common.js';
import { FormField } from '../server/FormField.js';
import { describeOfferFilters } from '../fleet/gpu-rentals.js';
import { GpuImagePublishPanel } from './GpuImagePublishPanel.js';
import './vast-settings.css';

const usd = (n: number) => `USD ${n.toFixed(2)}`;

function AccountState() {
  const client = useConsole();
  const account = useQuery({ queryKey: ['vast-account', 'checked'], queryFn: () => client.invoke(vastAccountMethod, {}), retry: false });
  if (account.error) return <ErrorNotice error={asErrorInfo(account.error)} onRetry={() => void account.refetch()} />;
  if (!account.data) return <p className="muted">Checking the key with Vast.ai…</p>;
  const a = account.data;
  if (!a.configured) {
    return (
      <p className="muted" data-testid="vast-account">
        <Badge tone="warn">no key</Badge> No Vast.ai API key is saved: renting GPUs is off.
      </p>
    );
  }
  if (a.error) {
    return (
      <div data-testid="vast-account">
        <p className="muted">
          <Badge tone="bad">key saved, not accepted now</Badge> Vast.ai did not accept the saved key just now:
        </p>
        <ErrorNotice error={a.error} onRetry={() => void account.refetch()} />
      </div>
    );
  }
  return (
    <p data-testid="vast-account">
      <Badge tone="ok">key saved</Badge> Account {a.email ?? '(no e-mail given)'} · credit <strong>{a.creditUsd !== null ? usd(a.creditUsd) : 'unknown'}</strong>
    </p>
  );
}

function ApiKeyForm() {
  const client = useConsole();
  const queryClient = useQueryClient();
  const [key, setKey] = useState('');
  const [tried, setTried] = useState(false);
  const check = VastApiKey.safeParse(key);
  const save = useMutation({
    mutationFn: (apiKey: string) => client.invoke(saveVastKeyMethod, { apiKey }),
    // The key is in the mutation's variables: keep it no longer than the call.
    gcTime: 0,
    onSuccess: () => {
      setKey('');
      setTried(false);
      void queryClient.invalidateQueries({ queryKey: ['vast-account'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (check.success) save.mutate(check.data);
  };
  return (
    <form className="vast-key-form" onSubmit={submit} aria-label="Vast.ai API key" noValidate>
      <FormField label="API key (from vast.ai › Account › API keys)" error={tried && !check.success && check.error.issues[0]?.message}>
        {(p) => (
          <input
            {...p}
            type="password"
            value={key}
            autoComplete="off"
            spellCheck={false}
            placeholder="paste the key; it is checked with Vast.ai before it is saved"
            onChange={(e) => {
              setKey(e.target.value);
              if (save.error) save.reset();
            }}
          />
        )}
      </FormField>
      <button type="submit" disabled={save.isPending}>
        {save.isPending ? 'Checking with Vast.ai…' : 'Check and save'}
      </button>
      {save.error && <ErrorNotice error={asErrorInfo(save.error)} />}
      {save.data && (
        <p role="status" className="vast-key-saved">
          Saved. Vast.ai account {save.data.email ?? '(no e-mail given)'}, credit {usd(save.data.creditUsd)}.
        </p>
      )}
    </form>
  );
}

type ImageField = 'gpuImage' | 'registry' | 'username' | 'password';

function ImageSettingsForm({ current }: { current: VastSettingsView }) {
  const client = useConsole();
  const queryClient = useQueryClient();
  const [image, setImage] = useState(current.gpuImage ?? '');
  const [login, setLogin] = useState({ registry: '', username: '', password: '' });
  const [errors, setErrors] = useState<Partial<Record<ImageField, string>>>({});
  // A publish sets the image too (Build and publish, below): the field follows it.
  useEffect(() => setImage(current.gpuImage ?? ''), [current.gpuImage]);
  const save = useMutation({
    mutationFn: (input: InputOf<typeof setVastSettingsMethod>) => client.invoke(setVastSettingsMethod, input),
    gcTime: 0,
    onSuccess: (saved) => {
      queryClient.setQueryData(['vast-settings'], saved);
      setImage(saved.gpuImage ?? '');
      setLogin({ registry: '', username: '', password: '' });
    },
  });
  const loginTyped = login.registry.trim() !== '' || login.username.trim() !== '' || login.password !== '';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next: Partial<Record<ImageField, string>> = {};
    const imageCheck = image.trim() === '' ? null : GpuImageReference.safeParse(image);
    if (imageCheck && !imageCheck.success) next.gpuImage = imageCheck.error.issues[0]?.message;
    const loginCheck = loginTyped ? VastImageLogin.safeParse(login) : null;
    if (loginCheck && !loginCheck.success) {
      for (const issue of loginCheck.error.issues) {
        const field = issue.path[0] as ImageField;
        next[field] ??= issue.message;
      }
    }
    setErrors(next);
    if (Object.keys(next).length > 0) return;
    save.mutate({ gpuImage: imageCheck ? imageCheck.data! : null, ...(loginCheck?.success ? { imageLogin: loginCheck.data } : {}) });
  };
  const loginField = (name: 'registry' | 'username' | 'password', label: string, placeholder: string) => (
    <FormField label={label} error={errors[name]}>
      {(p) => (
        <input
          {...p}
          type={name === 'password' ? 'password' : 'text'}
          value={login[name]}
          placeholder={placeholder}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => setLogin({ ...login, [name]: e.target.value })}
        />
      )}
    </FormField>
  );
  return (
    <form className="vast-image-form" onSubmit={submit} aria-label="GPU image" noValidate>
      <FormField label="GPU image reference (what Vast.ai pulls)" error={errors.gpuImage}>
        {(p) => <input {...p} value={image} spellCheck={false} placeholder="registry.example.com/team/mediafleet-gpu:1.0" onChange={(e) => setImage(e.target.value)} />}
      </FormField>
      <fieldset>
        <legend>
          Registry login {current.imageLogin.configured ? <Badge tone="ok">saved</Badge> : <Badge tone="info">none: a public image</Badge>}
        </legend>
        <p className="muted">
          {current.imageLogin.configured
            ? 'A login is saved (it is never shown). Type all three to replace it.'
            : 'For a private registry: Vast.ai logs in with it before pulling the image.'}
        </p>
        <div className="form-grid">
          {loginField('registry', 'Registry', 'registry.example.com')}
          {loginField('username', 'User name', 'robot')}
          {loginField('password', 'Password or access token', current.imageLogin.configured ? 'saved' : '')}
        </div>
      </fieldset>
      <div className="row">
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save image settings'}
        </button>
        {current.imageLogin.configured && (
          <button type="button" className="ghost" disabled={save.isPending} onClick={() => save.mutate({ imageLogin: null })}>
            Remove the registry login
          </button>
        )}
        {save.isSuccess && (
          <span role="status" className="muted">
            Saved. New rentals use it.
          </span>
        )}
      </div>
      {save.error && <ErrorNotice error={asErrorInfo(save.error)} />}
    </form>
  );
}

/** The filters Add GPU starts from (kept there with "Keep as default"), in words, with Clear for an operator. */
function DefaultFilters({ current, readOnly }: { current: VastSettingsView; readOnly: boolean }) {
  const client = useConsole();
  const queryClient = useQueryClient();
  const clear = useMutation({
    mutationFn: () => client.invoke(setVastSettingsMethod, { defaultFilters: null }),
    onSuccess: (saved) => queryClient.setQueryData(['vast-settings'], saved),
  });
  return (
    <div className="row" data-testid="vast-default-filters">
      <span className="muted">Add GPU starts from:</span>{' '}
      <span>{current.defaultFilters ? describeOfferFilters(current.defaultFilters) : 'the built-in filters (any verified GPU with a direct port, 32 GB disk)'}</span>
      {current.defaultFilters && !readOnly && (
        <button type="button" className="small ghost" disabled={clear.isPending} onClick={() => clear.mutate()}>
          Clear
        </button>
      )}
      {clear.error && <ErrorNotice error={asErrorInfo(clear.error)} />}
    </div>
  );
}

export function VastSettingsSection() {
  const client = useConsole();
  const readOnly = useReadOnly();
  const headingId = useId();
  const settings = useQuery({ queryKey: ['vast-settings'], queryFn: () => client.invoke(vastSettingsMethod, {}), retry: false });
  return (
    <section className="card vast-settings" aria-labelledby={headingId}>
      <h3 id={headingId}>GPUs (Vast.ai)</h3>
      <p className="muted">
        The console rents GPUs on Vast.ai for heavy work and destroys them when they are done or you press Destroy (Fleet). The API key stays in this
        console&apos;s vault.
      </p>
      <AccountState />
      {!readOnly && <ApiKeyForm />}
      {settings.error ? (
        <ErrorNotice error={asErrorInfo(settings.error)} onRetry={() => void settings.refetch()} />
      ) : !settings.data ? (
        <p className="muted">Loading…</p>
      ) : readOnly ? (
        <dl className="facts" data-testid="vast-image-state">
          <dt>GPU image</dt>
          <dd className="mono">{settings.data.gpuImage ?? 'not set'}</dd>
          <dt>Registry login</dt>
          <dd>{settings.data.imageLogin.configured ? 'saved' : 'none'}</dd>
        </dl>
      ) : (
        <ImageSettingsForm current={settings.data} />
      )}
      {settings.data && <DefaultFilters current={settings.data} readOnly={readOnly} />}
      <GpuImagePublishPanel />
      {readOnly && (
        <p className="notice-warn" role="note">
          This console is read-only: the key, the image and the login are changed from a console with full control.
        </p>
      )}
    </section>
  );
}
