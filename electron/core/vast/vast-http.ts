// The HTTP layer under the Vast.ai client: bearer auth, JSON-encoded query parameters, a minimum interval per
// endpoint, and bounded, cancellable retries of 429s (plain text, no Retry-After), 5xx and network failures.
// A request that must not be sent twice (create) is never resent once it may have reached Vast: the caller gets
// an AmbiguousOutcome instead and decides how to find out what happened.
import { ConsoleError } from '../contracts/define.js';
import { abortableSleep, canceledError } from './abortable-sleep.js';
import { vastMinIntervalsMs, type VastEndpoint } from './vast-endpoints.js';
import { VastError, vastErrorFromResponse } from './vast-errors.js';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  maxTries: number;
  /** No retry starts after this long since the first try. */
  maxTotalMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxTries: 6, maxTotalMs: 90_000, initialDelayMs: 500, maxDelayMs: 15_000 };

export interface VastHttpOptions {
  /** Without the `/api/v0` part, e.g. https://console.vast.ai (the CLI's VAST_URL). */
  baseUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
  minIntervalsMs?: Partial<Record<VastEndpoint, number>>;
  retry?: Partial<RetryPolicy>;
  /** Per try, body included. */
  requestTimeoutMs?: number;
  /** Per try of a create: Vast can take a while to schedule a contract. */
  createTimeoutMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** 0..1, for jitter. */
  random?: () => number;
  /** Monotonic milliseconds. */
  now?: () => number;
}

export type QueryValue = string | number | boolean | object | null | undefined;

export interface VastRequest {
  endpoint: VastEndpoint;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Starting with /api/v0/ or /api/v1/. */
  path: string;
  /** Objects and arrays are JSON-encoded, as Vast expects for `select_filters` and `order_by`. */
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** false for the anonymous endpoints (gpu_names). */
  auth?: boolean;
  /** The action in words, for error messages ("renting offer 123"). */
  what: string;
  /**
   * false: once the request may have reached Vast (timeout, reset, 5xx), it is not resent and AmbiguousOutcome is
   * thrown. 429s and refused connections are still retried: Vast did not act on those.
   */
  resendWhenAmbiguous: boolean;
  signal?: AbortSignal;
}

export interface VastResponse {
  status: number;
  /** Parsed JSON, or undefined when the body was not JSON. */
  body: unknown;
  text: string;
}

/** The request may or may not have been carried out by Vast; `reason` says what was seen. */
export class AmbiguousOutcome extends Error {
  constructor(
    readonly reason: string,
    readonly canceled: boolean,
  ) {
    super(reason);
    this.name = 'AmbiguousOutcome';
  }
}

type TryResult =
  | { kind: 'response'; response: VastResponse }
  | { kind: 'network'; code: string; reachedServer: boolean }
  | { kind: 'timeout' }
  | { kind: 'canceled' };

export class VastHttp {
  private readonly fetchImpl: typeof fetch;
  private readonly intervals: Record<VastEndpoint, number>;
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  /** Earliest monotonic time the next call to each endpoint may start. */
  private readonly nextSlot = new Map<VastEndpoint, number>();
  /** The end of the last call queued per endpoint. */
  private readonly lanes = new Map<VastEndpoint, Promise<void>>();

  constructor(private readonly options: VastHttpOptions) {
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.intervals = { ...vastMinIntervalsMs, ...options.minIntervalsMs };
    this.retry = { ...defaultRetryPolicy, ...options.retry };
    this.sleep = options.sleep ?? abortableSleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? (() => performance.now());
  }

  get baseUrl(): string {
    return this.options.baseUrl.replace(/\/+$/, '');
  }

  /**
   * Sends the request, spaced and retried; answers any non-retryable HTTP status as a VastError, a 2xx as its
   * response. Throws CANCELED when the signal aborts before anything could have reached Vast.
   */
  async send(request: VastRequest): Promise<VastResponse> {
    const started = this.now();
    let lastFailure: TryResult | undefined;
    for (let attempt = 1; ; attempt++) {
      const result = await this.inLane(request.endpoint, request.signal, () => this.tryOnce(request));
      if (result.kind === 'canceled') {
        if (!request.resendWhenAmbiguous) throw new AmbiguousOutcome('canceled while the request was in flight', true);
        throw canceledError();
      }
      if (result.kind === 'response') {
        const { status } = result.response;
        if (status >= 200 && status < 300) return result.response;
        const retryable = status === 429 || status >= 500;
        if (!retryable) throw vastErrorFromResponse(request.what, status, result.response.body, result.response.text);
        if (status >= 500 && !request.resendWhenAmbiguous) throw new AmbiguousOutcome(`HTTP ${status}`, false);
      } else if (result.kind === 'timeout') {
        if (!request.resendWhenAmbiguous) throw new AmbiguousOutcome(`no answer within ${this.timeoutFor(request)} ms`, false);
      } else if (result.reachedServer && !request.resendWhenAmbiguous) {
        throw new AmbiguousOutcome(`connection failed (${result.code}) after the request was sent`, false);
      }
      lastFailure = result;
      const delay = this.backoffDelay(request.endpoint, attempt);
      const elapsed = this.now() - started;
      if (attempt >= this.retry.maxTries || elapsed + delay > this.retry.maxTotalMs) {
        throw this.givingUp(request, lastFailure, attempt, elapsed);
      }
      // A 429 means our spacing was not enough (another client shares the key): hold this endpoint back.
      this.holdBack(request.endpoint, this.now() + delay);
    }
  }

  private timeoutFor(request: VastRequest): number {
    return request.endpoint === 'create' ? (this.options.createTimeoutMs ?? 60_000) : (this.options.requestTimeoutMs ?? 30_000);
  }

  private backoffDelay(endpoint: VastEndpoint, attempt: number): number {
    const exponential = Math.min(this.retry.maxDelayMs, this.retry.initialDelayMs * 2 ** (attempt - 1));
    const jittered = exponential * (0.75 + 0.5 * this.random());
    return Math.max(jittered, this.intervals[endpoint]);
  }

  /**
   * One call per endpoint at a time, each starting at least the endpoint's interval after the previous one was
   * answered: Vast measures arrivals, and a slow call followed by a fast one would otherwise arrive closer
   * together than they were sent.
   */
  private async inLane<T>(endpoint: VastEndpoint, signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
    const previous = this.lanes.get(endpoint) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.lanes.set(endpoint, previous.then(() => mine));
    try {
      await untilDoneOrAborted(previous, signal);
      await this.waitForSlot(endpoint, signal);
      try {
        return await call();
      } finally {
        this.holdBack(endpoint, this.now() + this.intervals[endpoint]);
      }
    } finally {
      release();
    }
  }

  private holdBack(endpoint: VastEndpoint, until: number): void {
    this.nextSlot.set(endpoint, Math.max(this.nextSlot.get(endpoint) ?? 0, until));
  }

  private async waitForSlot(endpoint: VastEndpoint, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw canceledError();
    const now = this.now();
    await this.sleep(Math.max(0, (this.nextSlot.get(endpoint) ?? 0) - now), signal);
  }

  private url(request: VastRequest): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value === undefined) continue;
      params.set(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
    }
    const qs = params.toString();
    return `${this.baseUrl}${request.path}${qs ? `?${qs}` : ''}`;
  }

  private async tryOnce(request: VastRequest): Promise<TryResult> {
    const timeout = AbortSignal.timeout(this.timeoutFor(request));
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'mediafleet-console' };
    if (request.auth !== false) headers.authorization = `Bearer ${this.options.apiKey}`;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    try {
      const res = await this.fetchImpl(this.url(request), {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal,
      });
      const text = await res.text();
      let body: unknown;
      const trimmed = text.trimStart();
      if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
      }
      return { kind: 'response', response: { status: res.status, body, text } };
    } catch (err) {
      if (request.signal?.aborted) return { kind: 'canceled' };
      if (timeout.aborted) return { kind: 'timeout' };
      const code = networkCodeOf(err);
      // Refused or unresolved: nothing reached Vast. Anything else (reset, socket closed) may have.
      const reachedServer = !['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH'].includes(code);
      return { kind: 'network', code, reachedServer };
    }
  }

  private givingUp(request: VastRequest, failure: TryResult, tries: number, elapsedMs: number): ConsoleError {
    const over = `${tries} tries over ${(elapsedMs / 1000).toFixed(1)} s`;
    if (failure.kind === 'response') {
      const error = vastErrorFromResponse(request.what, failure.response.status, failure.response.body, failure.response.text);
      return new VastError(error.code, `${error.message} (gave up after ${over})`, error.details);
    }
    const what = failure.kind === 'timeout' ? `no answer within ${this.timeoutFor(request)} ms` : `connection failed (${failure.kind === 'network' ? failure.code : ''})`;
    return new VastError(
      'VAST_UNAVAILABLE',
      `Could not reach Vast.ai at ${this.baseUrl} while ${request.what}: ${what}, ${over}. Check this computer's internet connection, then try again.`,
    );
  }
}

function untilDoneOrAborted(done: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return done;
  if (signal.aborted) return Promise.reject(canceledError());
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(canceledError());
    signal.addEventListener('abort', onAbort, { once: true });
    done.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, reject);
  });
}

function networkCodeOf(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return err instanceof Error ? err.message : 'unknown';
}
