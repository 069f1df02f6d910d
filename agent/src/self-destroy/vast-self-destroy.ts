// The one Vast.ai call a rented instance makes of itself: DELETE {base}/instances/{CONTAINER_ID}/ with its own
// CONTAINER_API_KEY (a key that may act on this instance only). Orphaned instances keep billing, so it retries
// for as long as retrying can help: 429s (plain text, no Retry-After, so its own backoff), 5xx and network errors.
// A 404 / `no_such_instance` is done (dstack treats it so). The key is never logged.
import type { Logger } from '../logger.js';

export interface DestroyOutcome {
  outcome: 'destroyed' | 'already-gone';
  attempts: number;
}

/** Vast refused the destroy for a reason retrying cannot change (a wrong key, another instance's id). */
export class SelfDestroyRefused extends Error {
  override name = 'SelfDestroyRefused';
}

export type DestroyVerdict =
  | { verdict: 'destroyed'; why: string }
  | { verdict: 'gone'; why: string }
  | { verdict: 'retry'; why: string; mayHaveWorked: boolean }
  | { verdict: 'refused'; why: string };

function errorCodeOf(bodyText: string): string | undefined {
  try {
    const body = JSON.parse(bodyText) as { error?: unknown; success?: unknown };
    return typeof body.error === 'string' ? body.error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What one answer means. `earlierMayHaveWorked`: an earlier try ended without a clear answer (connection lost, a
 * timeout, a 5xx) and may have destroyed the instance; the instance key dies with its instance, so a 401 then most
 * likely means the earlier try worked. A first-try 401 is a wrong key: refused.
 */
export function classifyDestroyReply(status: number, bodyText: string, earlierMayHaveWorked: boolean): DestroyVerdict {
  const code = errorCodeOf(bodyText);
  const excerpt = bodyText.trim().slice(0, 200) || '(empty body)';
  if (status === 404 || code === 'no_such_instance' || code === 'not_found') return { verdict: 'gone', why: `Vast says there is no such instance (${status} ${code ?? excerpt})` };
  if (status >= 200 && status < 300) {
    let success: unknown;
    try {
      success = (JSON.parse(bodyText) as { success?: unknown }).success;
    } catch {
      success = undefined;
    }
    if (success === false) return { verdict: 'retry', why: `Vast answered ${status} without success: ${excerpt}`, mayHaveWorked: false };
    return { verdict: 'destroyed', why: `Vast answered ${status}` };
  }
  if (status === 429) return { verdict: 'retry', why: `rate limited (429: ${excerpt})`, mayHaveWorked: false };
  if (status >= 500) return { verdict: 'retry', why: `Vast answered ${status}: ${excerpt}`, mayHaveWorked: true };
  if (status === 401 && earlierMayHaveWorked) {
    return { verdict: 'gone', why: 'the instance key is no longer valid after an earlier try that got no clear answer: that try destroyed the instance (its key died with it)' };
  }
  if (status === 401) return { verdict: 'refused', why: `Vast does not accept CONTAINER_API_KEY (401: ${excerpt})` };
  if (status === 403) return { verdict: 'refused', why: `CONTAINER_API_KEY may not destroy instance CONTAINER_ID (403: ${excerpt}); is CONTAINER_ID this instance's id?` };
  return { verdict: 'refused', why: `Vast refused the destroy (${status}: ${excerpt})` };
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
  factor: number;
}

/** Destroy's own minimum interval per key is 3 s (the spec's x-rate-limit): trying sooner only earns another 429. */
export const defaultDestroyBackoff: Backoff = { initialMs: 3_000, maxMs: 60_000, factor: 2 };

export interface VastSelfDestroyOptions {
  /** e.g. https://console.vast.ai/api/v0 */
  baseUrl: string;
  containerId: string;
  apiKey: string;
  logger: Logger;
  backoff?: Backoff;
  requestTimeoutMs?: number;
  /**
   * Stops the retries (the agent is closing), but never a request already sent: Vast ends the container as it
   * destroys the instance, so the agent is often told to stop while the DELETE that did it is still answering.
   */
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Destroys this instance; resolves once Vast says it is destroyed or gone. Retries 429, 5xx and network errors
 * without end (with backoff and jitter, capped), since giving up leaves an instance billing; throws
 * SelfDestroyRefused for answers retrying cannot change, and the signal's reason when aborted.
 */
export async function destroyOwnInstance(options: VastSelfDestroyOptions): Promise<DestroyOutcome> {
  const { logger, signal } = options;
  const doFetch = options.fetch ?? fetch;
  const backoff = options.backoff ?? defaultDestroyBackoff;
  const url = `${options.baseUrl.replace(/\/+$/, '')}/instances/${encodeURIComponent(options.containerId)}/`;
  let delayMs = backoff.initialMs;
  let mayHaveWorked = false;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    logger.info({ url, attempt }, 'self-destroy: asking Vast.ai to destroy this instance');
    let verdict: DestroyVerdict;
    try {
      const res = await doFetch(url, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
        body: '{}',
        signal: AbortSignal.timeout(options.requestTimeoutMs ?? 30_000),
      });
      verdict = classifyDestroyReply(res.status, await res.text(), mayHaveWorked);
    } catch (err) {
      // The request may have reached Vast before the connection dropped or the timeout hit.
      verdict = { verdict: 'retry', why: `no answer: ${(err as Error).message}`, mayHaveWorked: true };
    }
    if (verdict.verdict === 'destroyed' || verdict.verdict === 'gone') {
      logger.info({ attempt, why: verdict.why }, verdict.verdict === 'destroyed' ? 'self-destroy: Vast.ai destroyed this instance' : 'self-destroy: the instance is already gone');
      return { outcome: verdict.verdict === 'destroyed' ? 'destroyed' : 'already-gone', attempts: attempt };
    }
    if (verdict.verdict === 'refused') {
      logger.error({ attempt, why: verdict.why }, 'self-destroy: Vast.ai refused; retrying cannot help');
      throw new SelfDestroyRefused(verdict.why);
    }
    mayHaveWorked ||= verdict.mayHaveWorked;
    // ±20% jitter: two instances of one account backing off in step would meet the limiter together again.
    const waitMs = Math.round(delayMs * (0.8 + Math.random() * 0.4));
    logger.warn({ attempt, why: verdict.why, retryInMs: waitMs }, 'self-destroy: not done yet; retrying');
    await sleep(waitMs, signal);
    delayMs = Math.min(backoff.maxMs, delayMs * backoff.factor);
  }
}
