// The signature on every webhook, as Stripe and GitHub do it: `Mediafleet-Signature: t=<unix seconds>,v1=<hex
// HMAC-SHA256 of "<t>.<body>" under the tenant's webhook secret>`. The timestamp inside the signed text lets a
// receiver refuse old replays; comparing in constant time keeps the secret out of reach of timing.
import crypto from 'node:crypto';

export const signatureHeader = 'mediafleet-signature';

export function signWebhook(secret: string, body: string, timestampSec: number): string {
  const mac = crypto.createHmac('sha256', secret).update(`${timestampSec}.${body}`).digest('hex');
  return `t=${timestampSec},v1=${mac}`;
}

/** What a receiver does: true when `header` signs `body` with `secret` and is at most `toleranceSec` old. */
export function verifyWebhookSignature(header: string, body: string, secret: string, opts: { toleranceSec?: number; nowSec?: number } = {}): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return false;
  const now = opts.nowSec ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceSec ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, body, t).split('v1=')[1], 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}
