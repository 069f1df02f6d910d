// certbot as the ACME client: the command line for `certonly --webroot` (HTTP-01) and a reader for its
// failure output, so the console can show why issuance failed ("the CA got 404 for the challenge file")
// instead of a wall of log.
import { z } from 'zod';
import { ConsoleError } from '../contracts/define.js';

export const letsEncryptProduction = 'https://acme-v02.api.letsencrypt.org/directory';
export const letsEncryptStaging = 'https://acme-staging-v02.api.letsencrypt.org/directory';

const hostname = z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i, 'not a valid domain name');
const absPath = z.string().regex(/^\/[A-Za-z0-9._\-/]*$/, 'must be an absolute path of safe characters');

export const CertificateRequest = z.object({
  domain: hostname,
  email: z.email(),
  webroot: absPath,
  /** Let's Encrypt's staging CA: untrusted certificates, generous rate limits; for trying things out. */
  staging: z.boolean().default(false),
  /** Any other ACME directory (Pebble in tests, a private CA); wins over `staging`. */
  acmeServer: z.url().optional(),
  /** Re-issue even when the current certificate is far from expiry. */
  forceRenewal: z.boolean().default(false),
  /** Only for test CAs with self-signed endpoints (Pebble). */
  noVerifySsl: z.boolean().default(false),
  configDir: absPath.optional(),
  workDir: absPath.optional(),
  logsDir: absPath.optional(),
  certbotPath: absPath.default('/usr/bin/certbot'),
  /**
   * Run after every issuance and renewal (nginx reload). certbot keeps it in the certificate's renewal config,
   * so whichever timer renews (ours, or the certbot package's own certbot.timer) the new certificate is served.
   */
  deployHook: z.string().min(1).max(300).regex(/^[^\n\r]*$/, 'must be one line').optional(),
});
export type CertificateRequestInput = z.input<typeof CertificateRequest>;
export type CertificateRequest = z.output<typeof CertificateRequest>;

export function parseCertificateRequest(input: CertificateRequestInput): CertificateRequest {
  const r = CertificateRequest.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ConsoleError('SSL_REQUEST_INVALID', `${issue?.path.join('.') || 'request'}: ${issue?.message}`);
  }
  return r.data;
}

export function acmeDirectory(req: CertificateRequest): string {
  return req.acmeServer ?? (req.staging ? letsEncryptStaging : letsEncryptProduction);
}

export function certbotCertonlyArgv(req: CertificateRequest): string[] {
  const argv = [
    req.certbotPath,
    'certonly',
    '--webroot',
    '--webroot-path', req.webroot,
    '--domain', req.domain,
    '--cert-name', req.domain,
    '--email', req.email,
    '--agree-tos',
    '--non-interactive',
    '--no-eff-email',
    '--server', acmeDirectory(req),
    req.forceRenewal ? '--force-renewal' : '--keep-until-expiring',
  ];
  if (req.deployHook) argv.push('--deploy-hook', req.deployHook);
  if (req.noVerifySsl) argv.push('--no-verify-ssl');
  if (req.configDir) argv.push('--config-dir', req.configDir);
  if (req.workDir) argv.push('--work-dir', req.workDir);
  if (req.logsDir) argv.push('--logs-dir', req.logsDir);
  return argv;
}

export function certificatePaths(req: CertificateRequest): { fullchain: string; privkey: string } {
  const dir = `${req.configDir ?? '/etc/letsencrypt'}/live/${req.domain}`;
  return { fullchain: `${dir}/fullchain.pem`, privkey: `${dir}/privkey.pem` };
}

export type CertbotFailureCode =
  | 'ACME_CHALLENGE_FAILED'
  | 'ACME_CONNECTION_FAILED'
  | 'ACME_DNS_FAILED'
  | 'ACME_RATE_LIMITED'
  | 'ACME_CAA_FORBIDS'
  | 'ACME_BAD_EMAIL'
  | 'ACME_SERVER_UNREACHABLE'
  | 'CERTBOT_FAILED';

export interface CertbotFailure {
  code: CertbotFailureCode;
  /** One or two sentences for a person, from certbot's own words. */
  reason: string;
  /** Rate limits and CA outages should wait much longer than a fixable challenge problem. */
  retryable: boolean;
}

const byAcmeType: Record<string, CertbotFailureCode> = {
  unauthorized: 'ACME_CHALLENGE_FAILED',
  incorrectResponse: 'ACME_CHALLENGE_FAILED',
  connection: 'ACME_CONNECTION_FAILED',
  dns: 'ACME_DNS_FAILED',
  rateLimited: 'ACME_RATE_LIMITED',
  caa: 'ACME_CAA_FORBIDS',
  invalidContact: 'ACME_BAD_EMAIL',
  invalidEmail: 'ACME_BAD_EMAIL',
  unsupportedContact: 'ACME_BAD_EMAIL',
};

/** Reads certbot's stdout+stderr after a failed run. */
export function parseCertbotFailure(output: string): CertbotFailure {
  const type = /^\s*Type:\s*(\S+)/m.exec(output)?.[1] ?? /urn:ietf:params:acme:error:(\w+)/.exec(output)?.[1];
  const detail = /^\s*Detail:\s*(.+)$/m.exec(output)?.[1]?.trim();
  if (type && byAcmeType[type]) {
    const code = byAcmeType[type];
    const reasonText = detail ?? lastErrorLine(output);
    return { code, reason: reasonText, retryable: code === 'ACME_RATE_LIMITED' || code === 'ACME_CONNECTION_FAILED' || code === 'ACME_DNS_FAILED' };
  }
  if (/too many (certificates|failed authorizations|new orders)|rate ?limit/i.test(output)) {
    return { code: 'ACME_RATE_LIMITED', reason: lastErrorLine(output), retryable: true };
  }
  if (/Unable to reach|Max retries exceeded|Connection refused|Failed to establish a new connection|Name or service not known/i.test(output) && !detail) {
    return { code: 'ACME_SERVER_UNREACHABLE', reason: `the ACME server cannot be reached: ${lastErrorLine(output)}`, retryable: true };
  }
  return { code: 'CERTBOT_FAILED', reason: lastErrorLine(output), retryable: true };
}

function lastErrorLine(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const err = [...lines].reverse().find((l) => /error|failed|problem/i.test(l) && !/^Ask for help|^See the logfile|^Saving debug log/i.test(l));
  return (err ?? lines.at(-1) ?? 'certbot failed without output').slice(0, 500);
}
