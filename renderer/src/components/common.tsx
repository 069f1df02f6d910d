// Small building blocks every view uses: progress, errors that say what to do, empty states, badges.
import type { ReactNode } from 'react';

export function ProgressBar({ value, label }: { value: number | null; label: string }) {
  const pct = value === null ? undefined : Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
      <div className={`progress-fill${pct === undefined ? ' indeterminate' : ''}`} style={{ width: pct === undefined ? '30%' : `${pct}%` }} />
    </div>
  );
}

/** What to tell a person for an error code: what happened is in the message; this says what to do next. */
export function adviceFor(code: string): string {
  switch (code) {
    case 'READ_ONLY':
      return 'This console is read-only. Ask an operator, or start the console without --read-only.';
    case 'NOT_IMPLEMENTED':
    case 'UNKNOWN_METHOD':
      return 'This part of the console is not in this build yet.';
    case 'UNAUTHORIZED':
      return 'Open the URL the console printed at start; it carries the token.';
    case 'LOCAL_AGENT_UNAVAILABLE':
    case 'LOCAL_AGENT_FAILED':
    case 'LOCAL_AGENT_TIMEOUT':
      return 'The built-in agent could not start. Restart the console; if it keeps failing, add a server in Fleet.';
    case 'AGENT_UNREACHABLE':
    case 'CONSOLE_UNREACHABLE':
      return 'Check that it is running and reachable, then retry.';
    case 'CANCELED':
      return 'It was stopped on request; start it again when ready.';
    case 'AGENT_NOT_ADMIN':
    case 'AGENT_TOKEN_REJECTED':
    case 'AGENT_NO_TOKEN':
      return "Deploy the agent again from its server's Deploy panel, so the console gets an admin token for it.";
    case 'TOKEN_USED_BY_CONSOLE':
      return 'Revoke another token instead; to replace this one, deploy the agent again first.';
    case 'TOKEN_NOT_FOUND':
      return 'The list was out of date; it has been refreshed.';
    case 'DEPLOY_SETTINGS_MISSING':
      return "Save the server's deploy settings (domain, agent image, version) in its Deploy panel first.";
    case 'DOCKER_UNREACHABLE':
      return 'Provision the server (it installs Docker), then retry.';
    case 'AGENT_NOT_RUNNING':
      return 'Deploy the agent on this server first.';
    case 'CERT_RETRY_LATER':
      return 'The certificate authority limits requests: try again after the time shown.';
    case 'KEYFRAME_GONE':
      return 'Analyse the file again to get its keyframes back.';
    case 'AGENT_UNSUPPORTED_MEDIA':
    case 'AGENT_BAD_REQUEST':
      return 'Check that the file is an image, video or audio file that is not damaged.';
    default:
      return 'Retry; if it happens again, check the console log.';
  }
}

export function ErrorNotice({ error, onRetry }: { error: { code: string; message: string }; onRetry?: () => void }) {
  return (
    <div className={`error-notice${error.code === 'NOT_IMPLEMENTED' || error.code === 'UNKNOWN_METHOD' ? ' pending' : ''}`} role="alert">
      <strong>{error.message}</strong>
      <span className="muted">
        {adviceFor(error.code)} <code>{error.code}</code>
      </span>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="empty-state">
      <h3>{title}</h3>
      <div>{children}</div>
    </div>
  );
}

export function Badge({ tone, children }: { tone: 'ok' | 'warn' | 'bad' | 'info'; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

export function ViewHeader({ title, subtitle, actions }: { title: string; subtitle?: string; actions?: ReactNode }) {
  return (
    <header className="view-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <p className="muted">{subtitle}</p>}
      </div>
      {actions && <div className="view-actions">{actions}</div>}
    </header>
  );
}

/** Error shape from react-query's error (a ConsoleClientError or anything thrown). */
export function asErrorInfo(err: unknown): { code: string; message: string } {
  const e = err as { code?: unknown; message?: unknown };
  return { code: typeof e?.code === 'string' ? e.code : 'ERROR', message: typeof e?.message === 'string' ? e.message : String(err) };
}
