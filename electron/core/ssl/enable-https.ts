// One-click HTTPS for a server: nginx answers the ACME HTTP-01 challenge from a webroot, certbot gets the
// certificate, nginx switches to TLS with HSTS, and a renewal timer is installed. On failure nothing that
// serves changes: certbot only replaces `live/<domain>` on success and nginx keeps its config, so the old
// certificate (if any) stays in use; the attempt is recorded and the next one is held back (issuance-policy).
import { ConsoleError } from '../contracts/define.js';
import { quoteArgv } from '../fleet/ssh/index.js';
import { renderNginxConfig, type DeployValuesInput } from '../deploy/deploy-bundle.js';
import { readTemplate, renderTemplate } from '../deploy/render-templates.js';
import { certbotCertonlyArgv, certificatePaths, parseCertbotFailure, parseCertificateRequest, type CertificateRequestInput } from './certbot.js';
import { decideIssuance, defaultIssuancePolicy, type IssuanceAttemptLog, type IssuancePolicy } from './issuance-policy.js';
import { aptInstallScript } from '../provision/apt-install.js';

/** A shell on the server (over SSH in the console; a local shell in tests). */
export interface ServerShell {
  exec(command: string, opts?: { stdin?: string; signal?: AbortSignal }): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

export interface HttpsNginx {
  /** The site config file nginx includes; rewritten from deploy-templates/nginx/mediafleet.conf. */
  siteConfPath: string;
  testCommand: string;
  reloadCommand: string;
  /** The server's deploy values (ports, upstream path); `tls`, `domain`, `acmeWebroot` and `certDir` are set here. */
  values: Omit<DeployValuesInput, 'tls' | 'domain' | 'acmeWebroot' | 'certDir'>;
}

export type RenewalSetup =
  | { kind: 'systemd'; unitDir?: string }
  | { kind: 'cron'; cronFile?: string }
  | { kind: 'none' };

export interface EnableHttpsOptions {
  request: CertificateRequestInput;
  nginx: HttpsNginx;
  attempts: IssuanceAttemptLog;
  renewal: RenewalSetup;
  policy?: IssuancePolicy;
  /** Extra environment for certbot (e.g. REQUESTS_CA_BUNDLE for a private CA). */
  certbotEnv?: Record<string, string>;
  now?: () => Date;
  signal?: AbortSignal;
  onProgress?: (p: { phase: string; progress: number | null; line?: string }) => void;
}

export interface CertificateInfo {
  domain: string;
  notAfter: Date;
  issuer: string;
  serial: string;
  fullchainPath: string;
}

export interface EnableHttpsResult {
  certificate: CertificateInfo;
  renewal: RenewalSetup['kind'];
}

const q = (s: string) => quoteArgv([s]);

async function must(shell: ServerShell, command: string, code: string, what: string, stdin?: string): Promise<string> {
  const r = await shell.exec(command, { stdin });
  if (r.code !== 0) throw new ConsoleError(code, `${what}: ${(r.stderr || r.stdout).trim().slice(-800)}`);
  return r.stdout;
}

/** Writes a config, checks it with nginx -t, reloads; puts the old file back if the check fails. */
async function applyNginxConfig(shell: ServerShell, nginx: HttpsNginx, content: string): Promise<void> {
  const previous = await shell.exec(`cat ${q(nginx.siteConfPath)} 2>/dev/null`);
  await must(shell, `cat > ${q(nginx.siteConfPath)}`, 'NGINX_SWITCH_FAILED', `cannot write ${nginx.siteConfPath}`, content);
  const test = await shell.exec(nginx.testCommand);
  if (test.code !== 0) {
    if (previous.code === 0) await shell.exec(`cat > ${q(nginx.siteConfPath)}`, { stdin: previous.stdout });
    throw new ConsoleError('NGINX_CONFIG_INVALID', `nginx -t refused the new config: ${(test.stderr || test.stdout).trim().slice(-800)}`);
  }
  await must(shell, nginx.reloadCommand, 'NGINX_SWITCH_FAILED', 'nginx reload failed');
}

export async function readCertificate(shell: ServerShell, domain: string, fullchainPath: string): Promise<CertificateInfo | undefined> {
  const r = await shell.exec(`openssl x509 -noout -enddate -issuer -serial -in ${q(fullchainPath)}`);
  if (r.code !== 0) return undefined;
  const notAfter = /notAfter=(.+)/.exec(r.stdout)?.[1];
  return {
    domain,
    notAfter: new Date(notAfter ?? 0),
    issuer: /issuer=(.+)/.exec(r.stdout)?.[1]?.trim() ?? '',
    serial: /serial=(.+)/.exec(r.stdout)?.[1]?.trim() ?? '',
    fullchainPath,
  };
}

export async function enableHttps(shell: ServerShell, opts: EnableHttpsOptions): Promise<EnableHttpsResult> {
  const req = parseCertificateRequest(opts.request);
  const now = opts.now ?? (() => new Date());
  const progress = opts.onProgress ?? (() => {});
  const decision = decideIssuance(await opts.attempts.list(req.domain), now(), opts.policy ?? defaultIssuancePolicy);
  if (!decision.allowed) throw new ConsoleError('CERT_RETRY_LATER', decision.reason);

  const paths = certificatePaths(req);
  const certDir = req.configDir ?? '/etc/letsencrypt';
  const values = { ...opts.nginx.values, domain: req.domain, acmeWebroot: req.webroot, certDir };
  const existing = await readCertificate(shell, req.domain, paths.fullchain);

  // 1. The challenge location must answer before certbot asks the CA to look. With a certificate already in
  // place the TLS config stays (it has the same challenge location), so HTTPS keeps working meanwhile.
  progress({ phase: 'prepare', progress: 0.1, line: `webroot ${req.webroot}, nginx answers /.well-known/acme-challenge/` });
  await must(shell, `mkdir -p ${q(req.webroot + '/.well-known/acme-challenge')}`, 'SSL_SETUP_FAILED', 'cannot create the ACME webroot');
  await ensureCertbot(shell, req.certbotPath, progress);
  if (!existing) await applyNginxConfig(shell, opts.nginx, renderNginxConfig({ ...values, tls: false }));

  // 2. certbot. Its output is the reason shown when it fails.
  if (opts.signal?.aborted) throw new ConsoleError('CANCELED', 'HTTPS setup canceled');
  progress({ phase: 'certbot', progress: 0.3, line: `requesting a certificate for ${req.domain}` });
  const envPrefix = Object.entries(opts.certbotEnv ?? {}).map(([k, v]) => `${k}=${q(v)} `).join('');
  const run = await shell.exec(`${envPrefix}${quoteArgv(certbotCertonlyArgv(req))} 2>&1`, { signal: opts.signal });
  const at = now();
  if (run.code !== 0) {
    const failure = parseCertbotFailure(run.stdout + run.stderr);
    await opts.attempts.record({ domain: req.domain, at, ok: false, code: failure.code, reason: failure.reason });
    const kept = existing ? ` The current certificate (valid until ${existing.notAfter.toISOString()}) stays in use.` : '';
    throw new ConsoleError(failure.code, `${failure.reason}${kept}`);
  }
  await opts.attempts.record({ domain: req.domain, at, ok: true });

  // 3. TLS on, with HSTS.
  progress({ phase: 'install', progress: 0.7, line: 'switching nginx to HTTPS' });
  await applyNginxConfig(shell, opts.nginx, renderNginxConfig({ ...values, tls: true }));
  const certificate = await readCertificate(shell, req.domain, paths.fullchain);
  if (!certificate) throw new ConsoleError('SSL_SETUP_FAILED', `certbot succeeded but ${paths.fullchain} cannot be read`);

  // 4. Renewal.
  progress({ phase: 'renewal', progress: 0.9, line: `installing renewal (${opts.renewal.kind})` });
  await installRenewal(shell, opts.renewal, { webroot: req.webroot, reloadCommand: opts.nginx.reloadCommand, configDir: req.configDir, certbotPath: req.certbotPath });
  progress({ phase: 'done', progress: 1, line: `HTTPS on for ${req.domain} until ${certificate.notAfter.toISOString()}` });
  return { certificate, renewal: opts.renewal.kind };
}

/** A fresh server has no certbot: install the distribution's (Debian and Ubuntu both ship it). */
async function ensureCertbot(shell: ServerShell, certbotPath: string, progress: (p: { phase: string; progress: number | null; line?: string }) => void) {
  if ((await shell.exec(`[ -x ${q(certbotPath)} ]`)).code === 0) return;
  if ((await shell.exec('command -v apt-get >/dev/null')).code !== 0) {
    throw new ConsoleError('SSL_SETUP_FAILED', `certbot is not installed at ${certbotPath}, and this server has no apt-get to install it: install certbot, or set its path in the deploy settings`);
  }
  progress({ phase: 'prepare', progress: 0.15, line: 'installing certbot from the distribution\'s packages' });
  await must(
    shell,
    aptInstallScript(['certbot']),
    'SSL_SETUP_FAILED',
    'certbot is not installed and apt-get could not install it',
  );
  if ((await shell.exec(`[ -x ${q(certbotPath)} ]`)).code !== 0) {
    throw new ConsoleError('SSL_SETUP_FAILED', `certbot was installed but is not at ${certbotPath}: set its path in the deploy settings`);
  }
}

export function renewalCommand(o: { webroot: string; reloadCommand: string; configDir?: string; certbotPath: string }): string {
  // The cron line sleeps a random time itself (and the systemd timer has RandomizedDelaySec): certbot's own
  // random sleep would only add up to 8 more minutes.
  const argv = [o.certbotPath, 'renew', '--webroot', '--webroot-path', o.webroot, '--quiet', '--deploy-hook', o.reloadCommand, '--no-random-sleep-on-renew'];
  if (o.configDir) argv.push('--config-dir', o.configDir);
  return quoteArgv(argv);
}

/** certbot renew twice a day (it skips certificates not due); nginx reloads only after a renewal. */
export async function installRenewal(
  shell: ServerShell,
  setup: RenewalSetup,
  o: { webroot: string; reloadCommand: string; configDir?: string; certbotPath: string },
): Promise<void> {
  if (setup.kind === 'none') return;
  if (setup.kind === 'cron') {
    const file = setup.cronFile ?? '/etc/cron.d/mediafleet-cert-renew';
    // Minute 17 of 03:00 and 15:00 plus a random sleep: many servers must not hit the CA together.
    const line = `17 3,15 * * * root sleep $(shuf -i 0-3599 -n 1) && ${renewalCommand(o)}\n`;
    await must(shell, `cat > ${q(file)} && chmod 0644 ${q(file)}`, 'SSL_RENEWAL_FAILED', `cannot write ${file}`, `# Mediafleet certificate renewal\n${line}`);
    return;
  }
  const dir = setup.unitDir ?? '/etc/systemd/system';
  const service = renderTemplate(readTemplate('systemd/mediafleet-cert-renew.service'), {
    certbotPath: o.certbotPath,
    acmeWebroot: o.webroot,
    reloadCommand: o.reloadCommand,
  });
  await must(shell, `cat > ${q(dir + '/mediafleet-cert-renew.service')}`, 'SSL_RENEWAL_FAILED', 'cannot write the renewal service', service);
  await must(shell, `cat > ${q(dir + '/mediafleet-cert-renew.timer')}`, 'SSL_RENEWAL_FAILED', 'cannot write the renewal timer', readTemplate('systemd/mediafleet-cert-renew.timer'));
  await must(shell, 'systemctl daemon-reload && systemctl enable --now mediafleet-cert-renew.timer', 'SSL_RENEWAL_FAILED', 'cannot enable the renewal timer');
}
