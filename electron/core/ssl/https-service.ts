// One-click HTTPS behind the console contract: checks the issuance policy against the stored attempts before
// anything reaches the CA, runs enableHttps over the server's SSH connection as an operation (same per-server
// lock, events and cancel as provisioning), and reports the certificate and the last attempts with reasons.
import type { AuditLog } from '../audit/audit-log.js';
import { ConsoleError } from '../contracts/define.js';
import type { DeploySettings } from '../contracts/deploy.js';
import type { z } from 'zod';
import type { CertificateStatus } from '../contracts/ssl.js';
import { deployValuesOf, type DeploySettingsRepository } from '../deploy/deploy-settings-repository.js';
import { parseDeployValues } from '../deploy/deploy-bundle.js';
import { agentBaseUrl } from '../deploy/provision-steps.js';
import type { FleetService } from '../fleet/fleet-service.js';
import type { ProvisionService } from '../provision/provision-service.js';
import type { ProvisionStep, StepContext } from '../provision/provision-step.js';
import { certificatePaths, parseCertificateRequest, type CertificateRequestInput } from './certbot.js';
import type { CertificateRepository } from './certificate-repository.js';
import { enableHttps, readCertificate, type RenewalSetup, type ServerShell } from './enable-https.js';
import { decideIssuance, defaultIssuancePolicy, type IssuancePolicy } from './issuance-policy.js';

export interface HttpsOptions {
  /** Another ACME directory than Let's Encrypt (a private CA; Pebble in tests). */
  acmeServer?: string;
  /** Only for test CAs whose endpoint has a self-signed certificate. */
  noVerifySsl?: boolean;
  policy?: IssuancePolicy;
  /** 'auto': a systemd timer where systemd runs, else a cron file. */
  renewal?: 'auto' | RenewalSetup;
}

export interface HttpsServiceDeps {
  provision: ProvisionService;
  fleet: FleetService;
  deploySettings: DeploySettingsRepository;
  certificates: CertificateRepository;
  audit: AuditLog;
  now?: () => Date;
  options?: HttpsOptions;
}

export interface EnableHttpsInput {
  serverId: string;
  domain: string;
  email: string;
  staging: boolean;
  forceRenewal: boolean;
}

/** The server's root shell as enableHttps needs it, over the operation's SSH connection. */
function stepShell(ctx: StepContext): ServerShell {
  return {
    async exec(command, o = {}) {
      const r = await ctx.runAsRoot(command, { stdin: o.stdin, quiet: true, timeoutMs: 10 * 60_000 });
      return { code: r.code, stdout: r.stdout, stderr: r.stderr };
    },
  };
}

/** A certificate with fewer days left than this is renewed when HTTPS is enabled again. */
const renewBeforeMs = 30 * 86400_000;

export class HttpsService {
  private readonly now: () => Date;
  private readonly policy: IssuancePolicy;

  constructor(private readonly deps: HttpsServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    this.policy = deps.options?.policy ?? defaultIssuancePolicy;
  }

  private requireSettings(serverId: string): DeploySettings {
    this.deps.fleet.requireServer(serverId);
    const s = this.deps.deploySettings.get(serverId);
    if (!s) {
      throw new ConsoleError('DEPLOY_SETTINGS_MISSING', 'HTTPS needs the server deployed behind nginx: save its deploy settings in its Deploy panel and provision it first.');
    }
    return s;
  }

  enable(input: EnableHttpsInput): { operationId: string } {
    const settings = this.requireSettings(input.serverId);
    const values = parseDeployValues({ ...deployValuesOf(settings), domain: input.domain });
    const request: CertificateRequestInput = {
      domain: input.domain,
      email: input.email,
      webroot: values.acmeWebroot,
      staging: input.staging,
      forceRenewal: input.forceRenewal,
      acmeServer: this.deps.options?.acmeServer,
      noVerifySsl: this.deps.options?.noVerifySsl ?? false,
      configDir: values.certDir,
      certbotPath: values.certbotPath,
      deployHook: settings.nginxReloadCommand,
    };
    const parsed = parseCertificateRequest(request);
    // Refuse before taking the lock or opening SSH: a retry storm never even reaches the server.
    const decision = decideIssuance(this.deps.certificates.attemptsForDomain(parsed.domain), this.now(), this.policy);
    if (!decision.allowed) throw new ConsoleError('CERT_RETRY_LATER', decision.reason);

    const paths = certificatePaths(parsed);
    const step: ProvisionStep = {
      id: 'ssl.certificate',
      title: `HTTPS for ${parsed.domain}: certificate, nginx TLS with HSTS, renewal`,
      check: async (ctx) => {
        if (parsed.forceRenewal) return { satisfied: false, detail: 'renewal forced' };
        const cert = await readCertificate(stepShell(ctx), parsed.domain, paths.fullchain);
        const current = this.deps.deploySettings.get(ctx.server.id);
        const fresh = Boolean(cert && cert.notAfter.getTime() - this.now().getTime() > renewBeforeMs);
        const served = current?.tls === true && current.domain === parsed.domain;
        return {
          satisfied: fresh && served,
          detail: cert ? `certificate valid until ${cert.notAfter.toISOString()}${served ? '' : ', nginx not on TLS yet'}` : 'no certificate yet',
        };
      },
      apply: async (ctx) => {
        const shell = stepShell(ctx);
        const renewal = await this.renewalFor(shell);
        const { nginxSiteConfPath, nginxTestCommand, nginxReloadCommand } = settings;
        const { tls: _tls, domain: _domain, acmeWebroot: _webroot, certDir: _certDir, ...nginxValues } = values;
        const r = await enableHttps(shell, {
          request,
          nginx: { siteConfPath: nginxSiteConfPath, testCommand: nginxTestCommand, reloadCommand: nginxReloadCommand, values: nginxValues },
          attempts: this.deps.certificates.attemptLog(ctx.server.id),
          renewal,
          policy: this.policy,
          now: this.now,
          signal: ctx.signal,
          onProgress: (p) => p.line && ctx.log(p.line),
        });
        this.deps.certificates.saveCertificate(ctx.server.id, r.certificate);
        // Later deploys and provisioning runs render the TLS site for this domain.
        this.deps.deploySettings.set(ctx.server.id, { ...(this.deps.deploySettings.get(ctx.server.id) ?? settings), domain: parsed.domain, tls: true });
        // nginx now redirects plain HTTP (and a redirected POST loses its body): the console uses https from here on.
        const httpsUrl = agentBaseUrl({ ...values, tls: true });
        for (const agent of ctx.agents.forServer(ctx.server.id)) {
          if (agent.baseUrl === httpsUrl) continue;
          ctx.agents.setBaseUrl(agent.id, httpsUrl);
          this.deps.audit.record('agent.url-changed', ctx.server.id, { agentId: agent.id, from: agent.baseUrl, to: httpsUrl });
          ctx.log(`the console now reaches agent ${agent.id} at ${httpsUrl}`);
        }
        if (parsed.staging) ctx.log('a staging certificate is not trusted by browsers or by this console: enable HTTPS again without staging before using the agent');
        this.deps.audit.record('ssl.certificate-installed', ctx.server.id, {
          domain: parsed.domain,
          notAfter: r.certificate.notAfter.toISOString(),
          issuer: r.certificate.issuer,
          renewal: r.renewal,
        });
      },
    };
    return this.deps.provision.startServerOperation(input.serverId, 'ssl', [step], { domain: parsed.domain, staging: parsed.staging, forceRenewal: parsed.forceRenewal });
  }

  private async renewalFor(shell: ServerShell): Promise<RenewalSetup> {
    const configured = this.deps.options?.renewal ?? 'auto';
    if (configured !== 'auto') return configured;
    const systemd = await shell.exec('[ -d /run/systemd/system ]');
    return systemd.code === 0 ? { kind: 'systemd' } : { kind: 'cron' };
  }

  status(serverId: string): z.output<typeof CertificateStatus> {
    this.deps.fleet.requireServer(serverId);
    const settings = this.deps.deploySettings.get(serverId);
    const domain = this.deps.certificates.lastAttemptedDomain(serverId) ?? settings?.domain ?? null;
    if (!domain) return { domain: '', notAfter: null, issuer: null, attempts: [], nextAttemptAt: null };
    const cert = this.deps.certificates.certificate(serverId, domain);
    const decision = decideIssuance(this.deps.certificates.attemptsForDomain(domain), this.now(), this.policy);
    return {
      domain,
      notAfter: cert?.notAfter ?? null,
      issuer: cert?.issuer ?? null,
      attempts: this.deps.certificates.attemptsForServer(serverId, domain).map((a) => ({
        at: a.at.toISOString(),
        ok: a.ok,
        ...(a.code ? { code: a.code } : {}),
        ...(a.reason ? { reason: a.reason } : {}),
      })),
      nextAttemptAt: decision.allowed ? null : decision.retryAt.toISOString(),
    };
  }
}
