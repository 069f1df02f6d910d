// One-click HTTPS for a server: domain, e-mail and staging; the certificate's expiry and issuer; every
// attempt with its reason; and, while the CA may not be asked again, when the next attempt is allowed.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { certificateStatusMethod, enableHttpsMethod } from '../../../../electron/core/contracts/ssl.js';
import { useConsole, useReadOnly } from '../../api/console-context.js';
import { Badge, ErrorNotice, asErrorInfo } from '../../components/common.js';
import { FormField } from './FormField.js';
import { OperationProgress, useLatestOperation } from '../../components/OperationProgress.js';
import { describeCertificate, fieldErrors, formatWhen } from './server-format.js';

const sslKinds = ['ssl'] as const;

export function HttpsPanel({ serverId, now = () => new Date() }: { serverId: string; now?: () => Date }) {
  const client = useConsole();
  const readOnly = useReadOnly();
  const queryClient = useQueryClient();
  const status = useQuery({ queryKey: ['ssl-status', serverId], queryFn: () => client.invoke(certificateStatusMethod, { serverId }), retry: false });
  const [form, setForm] = useState<{ domain: string | null; email: string; staging: boolean }>({ domain: null, email: '', staging: false });
  const [touched, setTouched] = useState(false);
  const [startedId, setOperationId] = useState<string | null>(null);
  const latest = useLatestOperation(serverId, sslKinds);
  const operationId = startedId ?? latest?.id ?? null;
  const [running, setRunning] = useState(false);

  // Until the person types a domain, the one the certificate is for fills the field.
  const domain = form.domain ?? status.data?.domain ?? '';
  const input = { serverId, domain: domain.trim(), email: form.email.trim(), staging: form.staging };
  const errors = fieldErrors(enableHttpsMethod.input, input);
  const cert = status.data ? describeCertificate(status.data, now()) : null;
  const enable = useMutation({
    mutationFn: () => client.invoke(enableHttpsMethod, input),
    onSuccess: (started) => {
      setOperationId(started.operationId);
      setRunning(true);
    },
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setTouched(true);
    if (Object.keys(errors).length === 0) enable.mutate();
  };
  const blockedUntil = cert?.retryNotBefore ?? null;

  return (
    <section className="card" aria-label="https">
      <header className="card-head">
        <h3>HTTPS</h3>
        {cert && <Badge tone={cert.tone}>{cert.headline}</Badge>}
      </header>
      {status.error ? (
        <ErrorNotice error={asErrorInfo(status.error)} onRetry={() => void status.refetch()} />
      ) : (
        status.data && (
          <>
            <dl className="facts" aria-label="certificate">
              <dt>Domain</dt>
              <dd>{status.data.domain || '—'}</dd>
              <dt>Expires</dt>
              <dd>{formatWhen(status.data.notAfter)}</dd>
              <dt>Issuer</dt>
              <dd>{status.data.issuer ?? '—'}</dd>
            </dl>
            {blockedUntil && (
              <p className="notice-warn" data-testid="next-attempt">
                The CA may not be asked again before <strong>{blockedUntil.toLocaleString()}</strong> (failed attempts are spaced out so a rate limit is not
                hit). The current certificate stays in place.
              </p>
            )}
            {status.data.attempts.length > 0 && (
              <ol className="plain attempts" aria-label="certificate attempts">
                {[...status.data.attempts].reverse().map((a, i) => (
                  <li key={`${a.at}-${i}`}>
                    <Badge tone={a.ok ? 'ok' : 'bad'}>{a.ok ? 'issued' : 'failed'}</Badge> <span className="muted">{formatWhen(a.at)}</span>
                    {!a.ok && (
                      <span>
                        {' '}
                        {a.reason ?? 'no reason given'} {a.code && <code>{a.code}</code>}
                      </span>
                    )}
                  </li>
                ))}
              </ol>
            )}
          </>
        )
      )}
      {readOnly ? (
        <p className="muted">Read-only console: requesting certificates is turned off.</p>
      ) : (
        <form className="form" aria-label="enable https" onSubmit={submit} noValidate>
          <div className="form-grid two">
            <FormField label="Domain" error={touched && errors.domain}>
              {(props) => <input {...props} value={domain} onChange={(e) => setForm({ ...form, domain: e.target.value })} placeholder="agent.example.com" />}
            </FormField>
            <FormField label="E-mail for expiry notices" error={touched && errors.email}>
              {(props) => <input {...props} type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} placeholder="ops@example.com" />}
            </FormField>
          </div>
          <label className="toggle">
            <input type="checkbox" checked={form.staging} onChange={(e) => setForm({ ...form, staging: e.target.checked })} />
            Staging (untrusted test certificate, no rate limits)
          </label>
          <div className="row">
            <button type="submit" disabled={running || enable.isPending || blockedUntil !== null}>
              {enable.isPending ? 'Starting…' : 'Enable HTTPS'}
            </button>
            <span className="muted">The domain's DNS must point at this server; port 80 must be open for the HTTP-01 challenge.</span>
          </div>
        </form>
      )}
      {enable.error && <ErrorNotice error={asErrorInfo(enable.error)} />}
      {operationId && (
        <OperationProgress
          key={operationId}
          operationId={operationId}
          title="HTTPS"
          onStateChange={(state) => {
            setRunning(state === 'running');
            if (state === 'running') return;
            void queryClient.invalidateQueries({ queryKey: ['ssl-status', serverId] });
          }}
        />
      )}
    </section>
  );
}
