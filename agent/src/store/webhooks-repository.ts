// All SQL about webhooks: each tenant's signing secret, and the deliveries of jobs' terminal states with every
// attempt (the log GET /v1/jobs/:id/webhooks serves). A delivery is made once per terminal state of a job.
import crypto from 'node:crypto';
import type { Db } from './database.js';
import { statementCache } from './statement-cache.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookAttempt {
  at: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookDelivery {
  id: string;
  jobId: string;
  tenant: string;
  url: string;
  event: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  giveUpAt: number;
  createdAt: number;
  deliveredAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
}

interface DeliveryRow {
  id: string;
  job_id: string;
  tenant: string;
  url: string;
  event: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number | null;
  give_up_at: number;
  created_at: number;
  delivered_at: number | null;
  last_status: number | null;
  last_error: string | null;
}

const toDelivery = (r: DeliveryRow): WebhookDelivery => ({
  id: r.id,
  jobId: r.job_id,
  tenant: r.tenant,
  url: r.url,
  event: r.event,
  payload: r.payload,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  giveUpAt: r.give_up_at,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
  lastStatus: r.last_status,
  lastError: r.last_error,
});

export class WebhooksRepository {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.sql = statementCache(db);
  }

  secretOf(tenant: string): string | undefined {
    return (this.sql('SELECT secret FROM webhook_secrets WHERE tenant = ?').get(tenant) as { secret: string } | undefined)?.secret;
  }

  /** A new secret for the tenant (replacing the old one at once); returned once, to be shown to the caller. */
  rotateSecret(tenant: string): { secret: string; createdAt: number } {
    const secret = `whsec_${crypto.randomBytes(32).toString('base64url')}`;
    const createdAt = this.now();
    this.sql('INSERT INTO webhook_secrets (tenant, secret, created_at) VALUES (?, ?, ?) ON CONFLICT (tenant) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at').run(tenant, secret, createdAt);
    return { secret, createdAt };
  }

  /** Records that a job's terminal state is to be delivered (once per state: a repeat is ignored). */
  enqueue(d: { jobId: string; tenant: string; jobEventSeq: number; url: string; event: string; payload: string; giveUpAt: number }): void {
    const now = this.now();
    this.sql(
      `INSERT INTO webhook_deliveries (id, job_id, tenant, job_event_seq, url, event, payload, status, next_attempt_at, give_up_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (job_id, job_event_seq) DO NOTHING`,
    ).run(crypto.randomUUID(), d.jobId, d.tenant, d.jobEventSeq, d.url, d.event, d.payload, now, d.giveUpAt, now);
  }

  hasDelivery(jobId: string, jobEventSeq: number): boolean {
    return this.sql('SELECT 1 FROM webhook_deliveries WHERE job_id = ? AND job_event_seq = ?').get(jobId, jobEventSeq) !== undefined;
  }

  due(limit: number): WebhookDelivery[] {
    return (this.sql(`SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`).all(this.now(), limit) as DeliveryRow[]).map(toDelivery);
  }

  /** One attempt's outcome: delivered, or pending until `nextAttemptAt`, or failed for good when that is null. */
  recordAttempt(id: string, attempt: WebhookAttempt, outcome: { delivered: true } | { delivered: false; nextAttemptAt: number | null }): void {
    this.sql('INSERT INTO webhook_attempts (delivery_id, at, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?)').run(id, attempt.at, attempt.statusCode, attempt.error, attempt.durationMs);
    if (outcome.delivered) {
      this.sql(`UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, next_attempt_at = NULL, last_status = ?, last_error = NULL WHERE id = ?`).run(attempt.at, attempt.statusCode, id);
    } else {
      this.sql(`UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?, last_status = ?, last_error = ? WHERE id = ?`).run(
        outcome.nextAttemptAt === null ? 'failed' : 'pending',
        outcome.nextAttemptAt,
        attempt.statusCode,
        attempt.error,
        id,
      );
    }
  }

  listForJob(tenant: string, jobId: string): Array<WebhookDelivery & { log: WebhookAttempt[] }> {
    const deliveries = (this.sql('SELECT * FROM webhook_deliveries WHERE tenant = ? AND job_id = ? ORDER BY created_at').all(tenant, jobId) as DeliveryRow[]).map(toDelivery);
    return deliveries.map((d) => ({
      ...d,
      log: (this.sql('SELECT at, status_code, error, duration_ms FROM webhook_attempts WHERE delivery_id = ? ORDER BY at').all(d.id) as Array<{ at: number; status_code: number | null; error: string | null; duration_ms: number }>).map((a) => ({
        at: a.at,
        statusCode: a.status_code,
        error: a.error,
        durationMs: a.duration_ms,
      })),
    }));
  }
}
