// Contract of one-click HTTPS: request a certificate (HTTP-01 via certbot), see its state and the last
// attempts with their reasons. Retries are bounded by the console (CERT_RETRY_LATER with a time).
import { z } from 'zod';
import { defineInvoke, OperationStarted } from './define.js';

export const enableHttpsMethod = defineInvoke('ssl:enable', {
  input: z.object({
    serverId: z.string().uuid(),
    domain: z.string().min(3).max(253),
    email: z.email(),
    /** Let's Encrypt staging: untrusted certificates, for trying things out without rate limits. */
    staging: z.boolean().default(false),
    /** Ask the CA again even when the current certificate is far from expiry. */
    forceRenewal: z.boolean().default(false),
  }),
  output: OperationStarted,
});

export const CertificateStatus = z.object({
  domain: z.string(),
  notAfter: z.string().nullable(),
  issuer: z.string().nullable(),
  attempts: z.array(z.object({ at: z.string(), ok: z.boolean(), code: z.string().optional(), reason: z.string().optional() })),
  /** When the next request to the CA is allowed (null: now). */
  nextAttemptAt: z.string().nullable(),
});

export const certificateStatusMethod = defineInvoke('ssl:status', {
  input: z.object({ serverId: z.string().uuid() }),
  output: CertificateStatus,
  readOnly: true,
});

export const sslContract = {
  [enableHttpsMethod.name]: enableHttpsMethod,
  [certificateStatusMethod.name]: certificateStatusMethod,
};
