// Calls jobs' callback URLs: when a job with a callback URL reaches succeeded, failed or canceled, a delivery is
// recorded (durably: one not yet recorded when the agent stopped is made at the next start), then POSTed with the
// tenant's signature (webhook-signature.ts), retried with exponential backoff (1 s, 2 s, 4 s … at most 10 min
// apart) until a 2xx answer or the configured time is up. Every attempt is logged for the API. Redirects are not
// followed, and every connection goes through the SSRF check (callback-url.ts).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { JobView } from '../contracts/http-v1.js';
import type { JobEvent, JobQueue } from '../jobs/job-queue.js';
import { isTerminal } from '../jobs/job-queue.js';
import type { Logger } from '../logger.js';
import type { JobRecord, JobsRepository } from '../store/jobs-repository.js';
import type { WebhookDelivery, WebhooksRepository } from '../store/webhooks-repository.js';
import { guardedLookup, isNonPublicAddress } from './callback-url.js';
import { signatureHeader, signWebhook } from './webhook-signature.js';

export interface WebhookSenderSettings {
  allowPrivate: boolean;
  retryForMs: number;
  timeoutMs: number;
  /** Extra CA certificates (PEM file) trusted for callback URLs. */
  caFile?: string;
  userAgent: string;
}

/** What the receiver gets: the event, and the job as GET /v1/jobs/:id shows it, without its result. */
export interface WebhookPayload {
  id: string;
  type: 'job.succeeded' | 'job.failed' | 'job.canceled';
  createdAt: string;
  job: JobView;
}

const maxBackoffMs = 10 * 60_000;
const pollMs = 500;
const concurrency = 8;

export class WebhookSender {
  private timer?: NodeJS.Timeout;
  private readonly inFlight = new Map<string, AbortController>();
  private readonly ca?: string[];
  private unsubscribe = (): void => undefined;

  constructor(
    private readonly queue: JobQueue,
    private readonly jobs: JobsRepository,
    private readonly webhooks: WebhooksRepository,
    private readonly toView: (job: JobRecord) => JobView,
    private readonly settings: WebhookSenderSettings,
    private readonly logger: Logger,
  ) {
    this.ca = settings.caFile ? [...tls.rootCertificates, fs.readFileSync(settings.caFile, 'utf8')] : undefined;
  }

  start(): void {
    const onEvent = (event: JobEvent): void => {
      if (event.type === 'status' && isTerminal(event.status)) this.record(event.jobId);
    };
    this.queue.events.on('job', onEvent);
    this.unsubscribe = () => this.queue.events.off('job', onEvent);
    // Terminal states reached while no delivery could be recorded (the agent stopped in between), within the retry window.
    for (const job of this.jobs.finishedWithCallback(Date.now() - this.settings.retryForMs)) this.record(job.id);
    this.timer = setInterval(() => this.sendDue(), pollMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.unsubscribe();
    clearInterval(this.timer);
    for (const controller of this.inFlight.values()) controller.abort();
  }

  private record(jobId: string): void {
    try {
      const job = this.jobs.get(jobId);
      if (!job?.callbackUrl || !isTerminal(job.status) || this.webhooks.hasDelivery(job.id, job.eventSeq)) return;
      const type = `job.${job.status}` as WebhookPayload['type'];
      const payload: Omit<WebhookPayload, 'id'> = { type, createdAt: new Date().toISOString(), job: this.toView(job) };
      this.webhooks.enqueue({
        jobId: job.id,
        tenant: job.tenant,
        jobEventSeq: job.eventSeq,
        url: job.callbackUrl,
        event: type,
        payload: JSON.stringify(payload),
        giveUpAt: Date.now() + this.settings.retryForMs,
      });
      setImmediate(() => this.sendDue());
    } catch (err) {
      // A full disk, say: the start-up check records it later.
      this.logger.warn({ err, jobId }, 'could not record a webhook delivery');
    }
  }

  private sendDue(): void {
    let due: WebhookDelivery[];
    try {
      due = this.webhooks.due(concurrency * 2);
    } catch (err) {
      this.logger.warn({ err }, 'could not read the due webhook deliveries');
      return;
    }
    for (const delivery of due) {
      if (this.inFlight.size >= concurrency) return;
      if (!this.inFlight.has(delivery.id)) void this.deliver(delivery);
    }
  }

  private async deliver(delivery: WebhookDelivery): Promise<void> {
    const controller = new AbortController();
    this.inFlight.set(delivery.id, controller);
    const started = Date.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const secret = this.webhooks.secretOf(delivery.tenant);
      if (!secret) throw new Error("the tenant has no webhook secret any more (erased?); nothing was sent");
      const body = JSON.stringify({ id: delivery.id, ...(JSON.parse(delivery.payload) as object) });
      statusCode = await this.post(new URL(delivery.url), body, {
        'content-type': 'application/json',
        'user-agent': this.settings.userAgent,
        [signatureHeader]: signWebhook(secret, body, Math.floor(Date.now() / 1000)),
        'mediafleet-delivery': delivery.id,
        'mediafleet-event': delivery.event,
      }, controller.signal);
      if (statusCode < 200 || statusCode >= 300) error = `the receiver answered HTTP ${statusCode}`;
    } catch (err) {
      error = (err as Error).message;
    } finally {
      this.inFlight.delete(delivery.id);
    }
    if (controller.signal.aborted && error !== null) return; // the agent is stopping: the next start retries
    const attempt = { at: started, statusCode, error, durationMs: Date.now() - started };
    const delivered = error === null;
    const backoff = Math.min(maxBackoffMs, 1000 * 2 ** delivery.attempts);
    const nextAttemptAt = delivered || Date.now() + backoff > delivery.giveUpAt ? null : Date.now() + backoff;
    try {
      this.webhooks.recordAttempt(delivery.id, attempt, delivered ? { delivered: true } : { delivered: false, nextAttemptAt });
    } catch (err) {
      this.logger.warn({ err, deliveryId: delivery.id }, 'could not record a webhook attempt');
      return;
    }
    const log = this.logger.child({ deliveryId: delivery.id, jobId: delivery.jobId, attempt: delivery.attempts + 1 });
    if (delivered) log.info({ statusCode }, 'webhook delivered');
    else if (nextAttemptAt === null) log.warn({ error }, 'webhook given up');
    else log.info({ error, retryInMs: backoff }, 'webhook failed; retrying');
  }

  /** One POST; resolves with the status code. No redirects, bounded time, SSRF-checked connections. */
  private post(url: URL, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<number> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!this.settings.allowPrivate && net.isIP(host) && isNonPublicAddress(host)) {
      return Promise.reject(new Error(`refused: ${host} is not a public address`));
    }
    const request = url.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          lookup: guardedLookup(this.settings.allowPrivate),
          timeout: this.settings.timeoutMs,
          signal,
          ...(url.protocol === 'https:' && this.ca ? { ca: this.ca } : {}),
        },
        (res) => {
          // The answer's body is not used: read (at most a little of) it so the socket is freed.
          let read = 0;
          res.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > 64 * 1024) res.destroy();
          });
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('close', () => resolve(res.statusCode ?? 0));
          res.on('error', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`the receiver did not answer within ${this.settings.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}
