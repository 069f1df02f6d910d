// Small building blocks every view uses: progress, errors that say what to do, empty states, badges.
import type { ReactNode } from 'react';
import { describeError } from '../errors/error-texts.js';

export function ProgressBar({ value, label }: { value: number | null; label: string }) {
  const pct = value === null ? undefined : Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
      <div className={`progress-fill${pct === undefined ? ' indeterminate' : ''}`} style={{ width: pct === undefined ? '30%' : `${pct}%` }} />
    </div>
  );
}

/**
 * An error as a person reads it: what happened, the detail when it names something useful, the next step, and
 * whether trying again can help (texts by code in errors/error-texts.ts). Retry is offered only where it can.
 */
export function ErrorNotice({ error, onRetry }: { error: { code: string; message: string }; onRetry?: () => void }) {
  const shown = describeError(error);
  const pending = error.code === 'NOT_IMPLEMENTED' || error.code === 'UNKNOWN_METHOD';
  return (
    <div className={`error-notice${pending ? ' pending' : ''}`} role="alert" data-code={error.code} data-kind={shown.kind}>
      <strong className="error-title">{shown.title}</strong>
      {shown.detail && <span className="error-detail">{shown.detail}</span>}
      <span className="error-next">{shown.next}</span>
      <span className="error-foot muted">
        {shown.kind === 'permanent' && <span className="error-permanent">Permanent: retrying gives the same result. </span>}
        <code>{error.code}</code>
      </span>
      {onRetry && shown.retryable && (
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
