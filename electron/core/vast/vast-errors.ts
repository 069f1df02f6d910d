// Vast.ai failures as ConsoleErrors with stable codes and messages that say what to do next. Vast's error
// bodies vary (`{success:false,error,msg}`, some without `success` or `error`, some with `message`, 429s as
// plain text), so the mapping reads whatever is there and falls back on the HTTP status.
import { ConsoleError } from '../contracts/define.js';

export const vastErrorCodes = [
  'VAST_AUTH_FAILED',
  'VAST_FORBIDDEN',
  'VAST_NO_CREDIT',
  'VAST_OFFER_GONE',
  'VAST_RATE_LIMITED',
  'VAST_UNAVAILABLE',
  'VAST_BAD_REQUEST',
  'VAST_BID_TOO_LOW',
  'VAST_LABEL_TOO_LONG',
  'VAST_ENDPOINT_GONE',
  'VAST_BAD_RESPONSE',
  'VAST_CREATE_OUTCOME_UNKNOWN',
  'VAST_LABEL_NOT_UNIQUE',
  'VAST_ENV_TOO_LONG',
  'VAST_ONSTART_TOO_LONG',
  'VAST_INVALID_REQUEST',
  'VAST_FILTER_OUT_OF_RANGE',
  'VAST_INSTANCE_NOT_FOUND',
  'VAST_NOT_CONFIGURED',
  'VAST_IMAGE_NOT_SET',
  'VAST_RENT_FAILED',
  'VAST_NO_OFFER_LEFT',
  'VAST_BOOT_FAILED',
  'VAST_PAIRING_FAILED',
  'VAST_DESTROY_UNCONFIRMED',
  'VAST_RENTAL_NOT_FOUND',
  'VAST_KEY_OTHER_ACCOUNT',
  'VAST_ERROR',
  'CANCELED',
] as const;
export type VastErrorCode = (typeof vastErrorCodes)[number];

export interface VastErrorDetails {
  /** HTTP status of the last answer, when there was one. */
  status?: number;
  /** Vast's own `error` field (e.g. `no_such_ask`), when it sent one. */
  vastError?: string;
  /** The instance concerned, e.g. the stopped contract a refused bid leaves behind. */
  instanceId?: number;
  /** More instances concerned (a label that matched several). */
  instanceIds?: number[];
  /** The label a create was sent with, so a caller can record it and a reconcile can find the instance. */
  label?: string;
  /** Whether the instance named in `instanceId` was destroyed again by the client. */
  destroyed?: boolean;
}

export class VastError extends ConsoleError {
  constructor(
    override readonly code: VastErrorCode,
    message: string,
    readonly details: VastErrorDetails = {},
  ) {
    super(code, message);
    this.name = 'VastError';
  }
}

/** The parts of an error body Vast may send, whichever of them it sent. */
export interface VastErrorBody {
  success?: unknown;
  error?: unknown;
  msg?: unknown;
  message?: unknown;
  detail?: unknown;
}

/** A short human text of what Vast said, from JSON or plain text; never more than 300 characters. */
export function vastMessageOf(body: unknown, text: string): string {
  if (body && typeof body === 'object') {
    const b = body as VastErrorBody;
    for (const candidate of [b.msg, b.message, b.detail, b.error]) {
      if (typeof candidate === 'string' && candidate.trim()) return candidate.trim().slice(0, 300);
    }
  }
  const plain = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return plain.slice(0, 300);
}

export function vastErrorFieldOf(body: unknown): string | undefined {
  if (body && typeof body === 'object') {
    const error = (body as VastErrorBody).error;
    if (typeof error === 'string' && error) return error;
  }
  return undefined;
}

const noCreditErrors = new Set(['missing_billing', 'insufficient_credit', 'insufficient_funds', 'no_credit']);

/**
 * Maps a non-2xx answer (or a 2xx with `success:false`) to a VastError. `what` names the action in words
 * ("renting offer 123") so the message reads as a sentence.
 */
export function vastErrorFromResponse(what: string, status: number, body: unknown, text: string): VastError {
  const vastError = vastErrorFieldOf(body);
  const said = vastMessageOf(body, text);
  const saidPart = said ? ` (Vast.ai said: ${said})` : '';
  const details: VastErrorDetails = { status, vastError };
  if (status === 401 || vastError === 'auth_error') {
    return new VastError(
      'VAST_AUTH_FAILED',
      `Vast.ai refused the API key while ${what}${saidPart}. Check the key in Settings → GPUs: paste a current key from your Vast.ai account page (Account → API keys).`,
      details,
    );
  }
  if (status === 403) {
    return new VastError(
      'VAST_FORBIDDEN',
      `The Vast.ai API key may not do this (${what})${saidPart}. Use an account key with instance read and write permissions, not a restricted or per-instance key.`,
      details,
    );
  }
  if (status === 402 || (vastError && noCreditErrors.has(vastError))) {
    return new VastError('VAST_NO_CREDIT', `Vast.ai refused ${what}: the account has no credit or billing set up${saidPart}. Add credit on Vast.ai (Billing), then try again.`, details);
  }
  if (vastError === 'no_such_ask' || ((status === 404 || status === 410) && /\boffers?\b|\basks?\b/i.test(said))) {
    return new VastError('VAST_OFFER_GONE', `The offer is no longer available (rented by someone else or withdrawn) while ${what}${saidPart}. Search offers again and pick another.`, details);
  }
  if (vastError === 'deprecated_endpoint' || (status === 410 && /deprecat/i.test(said))) {
    return new VastError('VAST_ENDPOINT_GONE', `Vast.ai retired the endpoint used for ${what}${saidPart}. This is not a key problem: update Mediafleet.`, details);
  }
  if (vastError === 'label_too_long') {
    return new VastError('VAST_LABEL_TOO_LONG', `Vast.ai refused the instance label while ${what}${saidPart}. Labels are at most 256 characters.`, details);
  }
  if (vastError === 'invalid_price') {
    return new VastError('VAST_BID_TOO_LOW', `Vast.ai refused the bid while ${what}${saidPart}. Bid at least the offer's min_bid, or rent on demand.`, details);
  }
  if (status === 429) {
    return new VastError('VAST_RATE_LIMITED', `Vast.ai kept answering "too many requests" while ${what}${saidPart}. Wait a minute and try again; other programs using the same key (the CLI, the web console) share its limits.`, details);
  }
  if (status >= 500) {
    return new VastError('VAST_UNAVAILABLE', `Vast.ai had a server error (HTTP ${status}) while ${what}${saidPart}. Try again in a few minutes; status.vast.ai says whether Vast.ai is down.`, details);
  }
  if (status === 400 || status === 404 || status === 422) {
    return new VastError('VAST_BAD_REQUEST', `Vast.ai refused the request while ${what} (HTTP ${status})${saidPart}. Check the values named there.`, details);
  }
  return new VastError('VAST_ERROR', `Vast.ai answered HTTP ${status} while ${what}${saidPart}.`, details);
}
