// Formatting and validation the Server view's panels share: sizes, times, certificate state, and the
// contract's own zod schemas turned into per-field messages for a form.
import type { z } from 'zod';
import type { CertificateStatus } from '../../../../electron/core/contracts/ssl.js';

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatWhen(iso: string | null): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export interface CertificateView {
  /** Whole days until the certificate expires (negative once expired), null without a certificate. */
  daysLeft: number | null;
  tone: 'ok' | 'warn' | 'bad' | 'info';
  headline: string;
  /** While set, the CA must not be asked again (bounded retries after failures or rate limits). */
  retryNotBefore: Date | null;
}

const DAY_MS = 86_400_000;

export function describeCertificate(status: z.output<typeof CertificateStatus>, now: Date): CertificateView {
  const next = status.nextAttemptAt ? new Date(status.nextAttemptAt) : null;
  const retryNotBefore = next && next.getTime() > now.getTime() ? next : null;
  if (!status.notAfter) {
    const lastFailed = status.attempts.at(-1)?.ok === false;
    return { daysLeft: null, tone: lastFailed ? 'bad' : 'info', headline: lastFailed ? 'No certificate: the last attempt failed' : 'No certificate yet', retryNotBefore };
  }
  const daysLeft = Math.floor((new Date(status.notAfter).getTime() - now.getTime()) / DAY_MS);
  if (daysLeft < 0) return { daysLeft, tone: 'bad', headline: 'Certificate expired', retryNotBefore };
  // certbot renews at 30 days left; under 14 means renewal has been failing.
  const tone = daysLeft < 14 ? 'warn' : 'ok';
  return { daysLeft, tone, headline: `Valid for ${daysLeft} more day${daysLeft === 1 ? '' : 's'}`, retryNotBefore };
}

/**
 * One schema issue in a person's words ("at most 65535", "required"), never zod's own wording: the schema says
 * what is allowed, the form says it plainly.
 */
export function issueText(issue: z.core.$ZodIssue): string {
  const i = issue as z.core.$ZodIssue & { minimum?: number | bigint; maximum?: number | bigint; origin?: string; expected?: string; input?: unknown };
  const isText = i.origin === 'string';
  switch (i.code) {
    case 'too_small':
      if (isText && Number(i.minimum) <= 1) return 'Required.';
      return isText ? `At least ${i.minimum} characters.` : `At least ${i.minimum}.`;
    case 'too_big':
      return isText ? `At most ${i.maximum} characters.` : `At most ${i.maximum}.`;
    case 'invalid_type':
      if (i.input === undefined || i.input === '') return 'Required.';
      return i.expected === 'number' || i.expected === 'int' ? 'A whole number.' : 'Not a valid value.';
    case 'not_multiple_of':
      return 'A whole number.';
    case 'invalid_format': {
      const format = (i as { format?: string }).format;
      if (format === 'email') return 'An e-mail address, like ops@example.com.';
      if (format === 'url') return 'A web address, like https://example.com.';
      return 'Letters, digits, dots, hyphens, underscores and plus signs, starting with a letter or digit.';
    }
    default:
      return 'Not a valid value.';
  }
}

/** Runs a contract input schema over form values; returns the first message per top-level field, in plain words. */
export function fieldErrors(schema: z.ZodType, value: unknown): Record<string, string> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return {};
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? 'form');
    errors[key] ??= issueText(issue);
  }
  return errors;
}
