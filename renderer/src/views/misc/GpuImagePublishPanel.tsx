// Settings › GPUs › "Build and publish the GPU image": the console builds deploy-templates/Dockerfile.gpu with
// this computer's Docker engine, pushes it to the operator's registry and checks the digest there (the
// `gpu-image:publish` operation, followed here with its steps and a Cancel). Once published, rentals pull that
// image by its digest with the login it was pushed with (the core sets it), so the form above shows it.
// A login typed here is saved first as registry credentials (vault only), then named in the publish.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { setRegistryCredentialsMethod } from '../../../../electron/core/contracts/deploy.js';
import { getGpuImage, publishGpuImage } from '../../../../electron/core/contracts/gpu-image.js';
import { GpuImageReference } from '../../../../electron/core/contracts/vast.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { ErrorNotice, asErrorInfo } from '../../components/common.js';
import { OperationProgress, useRunningOperations } from '../../components/OperationProgress.js';
import { FormField } from '../server/FormField.js';

const publishKinds = ['gpu-image'] as const;

/** The registry host of a reference (`host[:port]/path[:tag]`), or null when it names none. */
export function registryHostOf(image: string): string | null {
  const first = image.trim().split('/')[0] ?? '';
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : null;
}

/** The name the typed login is saved under: one per registry host, so publishing again replaces it. */
export const credentialNameFor = (host: string): string => `gpu-image-${host.replace(/[^A-Za-z0-9._-]/g, '-')}`.slice(0, 64);

function PublishedFacts() {
  const client = useConsole();
  const current = useQuery({ queryKey: ['gpu-image'], queryFn: () => client.invoke(getGpuImage, {}), retry: false });
  if (current.error) return <ErrorNotice error={asErrorInfo(current.error)} onRetry={() => void current.refetch()} />;
  const p = current.data?.published;
  if (!current.data) return null;
  if (!p) return <p className="muted" data-testid="gpu-image-published">No GPU image was published from this console yet.</p>;
  return (
    <dl className="facts" data-testid="gpu-image-published">
      <dt>Published</dt>
      <dd className="mono">{p.image}</dd>
      <dt>Digest</dt>
      <dd className="mono" title={p.digest}>
        {p.digest.slice(0, 19)}…
      </dd>
      <dt>Agent version</dt>
      <dd>{p.agentVersion}</dd>
      <dt>CUDA base</dt>
      <dd className="mono">{p.cudaBaseImage}</dd>
      <dt>When</dt>
      <dd>{new Date(p.publishedAt).toLocaleString()}</dd>
    </dl>
  );
}

export function GpuImagePublishPanel() {
  const client = useConsole();
  const readOnly = useReadOnly();
  const queryClient = useQueryClient();
  const [image, setImage] = useState('');
  const [login, setLogin] = useState({ username: '', password: '' });
  const [error, setError] = useState<string | null>(null);
  const [operationId, setOperationId] = useState<string | null>(null);
  const running = useRunningOperations(publishKinds);
  const shown = operationId ?? running[0]?.operationId ?? null;
  const publish = useMutation({
    mutationFn: async (input: { image: string; host: string; username: string; password: string }) => {
      let credentialName: string | undefined;
      if (input.username !== '') {
        credentialName = credentialNameFor(input.host);
        await client.invoke(setRegistryCredentialsMethod, { name: credentialName, serveraddress: input.host, username: input.username, password: input.password });
      }
      return client.invoke(publishGpuImage, { image: input.image, ...(credentialName ? { credentialName } : {}) });
    },
    // The password is in the variables: keep it no longer than the call.
    gcTime: 0,
    onSuccess: (started) => {
      setOperationId(started.operationId);
      setLogin({ username: '', password: '' });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const check = GpuImageReference.safeParse(image);
    const host = check.success ? registryHostOf(check.data) : null;
    if (!check.success) return setError(check.error.issues[0]?.message ?? 'not an image reference');
    if (!host) return setError('name the registry it goes to: registry.example.com/team/mediafleet-gpu:1.0 (Vast.ai pulls it from there)');
    if ((login.username === '') !== (login.password === '')) return setError('give both the user name and the password, or neither for a registry that takes anonymous pushes');
    setError(null);
    publish.mutate({ image: check.data, host, ...login });
  };
  return (
    <div className="gpu-image-publish" aria-label="publish the GPU image" role="group">
      <h4>The GPU image</h4>
      <PublishedFacts />
      {!readOnly && (
        <form onSubmit={submit} aria-label="build and publish the GPU image" noValidate>
          <p className="muted">Builds the agent&apos;s GPU image with this computer&apos;s Docker, pushes it to your registry and checks it there. New rentals then pull exactly that image.</p>
          <FormField label="Publish as" error={error ?? undefined}>
            {(p) => <input {...p} value={image} spellCheck={false} placeholder="registry.example.com/team/mediafleet-gpu:1.0" onChange={(e) => setImage(e.target.value)} />}
          </FormField>
          <div className="form-grid">
            <FormField label="Registry user (optional)">
              {(p) => <input {...p} value={login.username} autoComplete="off" spellCheck={false} onChange={(e) => setLogin({ ...login, username: e.target.value })} />}
            </FormField>
            <FormField label="Password or access token">
              {(p) => <input {...p} type="password" value={login.password} autoComplete="off" onChange={(e) => setLogin({ ...login, password: e.target.value })} />}
            </FormField>
          </div>
          <button type="submit" disabled={publish.isPending || running.length > 0}>
            {publish.isPending ? 'Starting…' : 'Build and publish'}
          </button>
          {publish.error && <ErrorNotice error={asErrorInfo(publish.error)} />}
        </form>
      )}
      {shown && (
        <OperationProgress
          operationId={shown}
          title="Publishing the GPU image"
          onStateChange={(state) => {
            if (state !== 'running') {
              void queryClient.invalidateQueries({ queryKey: ['gpu-image'] });
              void queryClient.invalidateQueries({ queryKey: ['vast-settings'] });
            }
          }}
        />
      )}
    </div>
  );
}
