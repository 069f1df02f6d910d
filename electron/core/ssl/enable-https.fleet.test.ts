// One-click HTTPS against real parts: Pebble + pebble-challtestsrv (Debian pebble) on loopback, Debian
// certbot with --webroot, and a real nginx. A certificate is issued and served with SNI and HSTS; a failing
// challenge keeps the old certificate, reports the CA's reason, and the next attempt is held back.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNginxUpstream } from '../deploy/deploy-bundle.js';
import { createNginxInstance, nginxBinary, type NginxInstance } from '../../../test-harness/console/nginx-instance.js';
import { enableHttps, type EnableHttpsOptions } from './enable-https.js';
import { inMemoryAttemptLog } from './issuance-policy.js';
import { localShell } from '../../../test-harness/console/local-shell.js';
import { challtestsrvBinary, pebbleBinary, startPebble, type PebbleServer } from '../../../test-harness/console/pebble.js';
import { freeLoopbackPort } from '../../../test-harness/console/free-loopback-port.js';

const certbotBinary = ['/usr/bin/certbot'].find((p) => existsSync(p));
const ready = Boolean(pebbleBinary && challtestsrvBinary && certbotBinary && nginxBinary);
const domain = 'agent.mediafleet.test';

function servedCertificate(port: number, ca: string): Promise<{ authorized: boolean; error?: string; serial: string; san: string }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: domain, ca, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerCertificate();
      resolve({ authorized: socket.authorized, error: socket.authorizationError?.toString(), serial: cert.serialNumber, san: cert.subjectaltname ?? '' });
      socket.end();
    });
    socket.on('error', reject);
  });
}

function get(url: string, options: https.RequestOptions = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  const mod = url.startsWith('https') ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.get(url, options, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('error', reject);
  });
}

const title = 'one-click HTTPS with certbot against Pebble';
describe.skipIf(!ready)(ready ? title : `${title} (skipped: needs Debian pebble, certbot and nginx)`, () => {
  let pebble: PebbleServer;
  let nginx: NginxInstance;
  let work: string;
  let httpsPort: number;
  let httpPort: number;
  let rootPem: string;
  let firstSerial: string;
  const attempts = inMemoryAttemptLog();
  let options: EnableHttpsOptions;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'mf-https-'));
    // nginx's workers run as an unprivileged user and must read the webroot inside it.
    chmodSync(work, 0o755);
    [httpPort, httpsPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
    pebble = await startPebble({ httpPort });
    rootPem = await pebble.issuingRootPem();
    nginx = createNginxInstance('');
    const upstreamConfPath = join(nginx.prefix, 'conf', 'upstream.conf');
    writeFileSync(upstreamConfPath, renderNginxUpstream(9)); // no agent behind it: the TLS layer is what is tested
    await nginx.start();
    options = {
      request: {
        domain,
        email: 'ops@mediafleet.test',
        webroot: join(work, 'acme'),
        acmeServer: pebble.directoryUrl,
        noVerifySsl: true,
        configDir: join(work, 'le'),
        workDir: join(work, 'le-work'),
        logsDir: join(work, 'le-logs'),
      },
      nginx: {
        siteConfPath: nginx.siteConfPath,
        testCommand: nginx.commands.test,
        reloadCommand: nginx.commands.reload,
        values: { agentVersion: '1.0.0', agentImage: 'mediafleet/agent:1.0.0', httpPort, httpsPort, upstreamConfPath },
      },
      attempts,
      renewal: { kind: 'cron', cronFile: join(work, 'cron-renew') },
    };
  }, 120_000);

  afterAll(async () => {
    await nginx?.stop();
    await pebble?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('issues a certificate through HTTP-01 and nginx serves it for the domain, with HSTS', async () => {
    const phases: string[] = [];
    const t0 = Date.now();
    const r = await enableHttps(localShell(), { ...options, onProgress: (p) => phases.push(p.phase) });
    console.log(`issuance took ${Date.now() - t0} ms`);
    expect(phases).toEqual(['prepare', 'certbot', 'install', 'renewal', 'done']);
    expect(r.certificate.notAfter.getTime()).toBeGreaterThan(Date.now() + 7 * 86400_000);
    expect(r.certificate.issuer).toMatch(/Pebble/i);

    const served = await servedCertificate(httpsPort, rootPem);
    // Chain verification against Pebble's root; the leaf names the domain asked for.
    expect(served.san).toContain(`DNS:${domain}`);
    expect(served.serial.toLowerCase()).toBe(r.certificate.serial.toLowerCase());
    // tls.connect verifies against the root only when the chain is complete: fullchain includes the intermediate.
    expect(served.error ?? 'ok').toBe('ok');
    expect(served.authorized).toBe(true);
    firstSerial = served.serial;

    const res = await get(`https://127.0.0.1:${httpsPort}/v1/health`, { servername: domain, ca: rootPem, headers: { host: domain } });
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    // nginx applies a reload by starting new workers while the old ones finish: for a moment a connection can
    // still reach an old worker with the old (plain) site, so the redirect is awaited, not read once.
    let plain = await get(`http://127.0.0.1:${httpPort}/v1/info`, { headers: { host: domain } });
    for (const until = Date.now() + 10_000; plain.status !== 301 && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 250));
      plain = await get(`http://127.0.0.1:${httpPort}/v1/info`, { headers: { host: domain } });
    }
    expect(plain.status).toBe(301);
    expect(plain.headers.location).toBe(`https://${domain}/v1/info`);
    // Only the console's health check from the server itself still goes to the agent over plain HTTP
    // (502 here: no agent behind this nginx); the fleet suite checks that others are redirected.
    expect((await get(`http://127.0.0.1:${httpPort}/v1/health`, { headers: { host: domain } })).status).toBe(502);
    expect(readFileSync(join(work, 'cron-renew'), 'utf8')).toMatch(/^17 3,15 \* \* \* root .*\/usr\/bin\/certbot renew --webroot --webroot-path \S+ --quiet --deploy-hook '.*-s reload'/m);
  }, 180_000);

  it('a failing challenge keeps the old certificate, says why, and holds back the next attempt', async () => {
    // certbot writes the token where nginx does not serve from, so the CA gets a 404 for it.
    const broken = { ...options, request: { ...options.request, webroot: join(work, 'not-served'), forceRenewal: true } };
    const err = await enableHttps(localShell(), broken).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ACME_CHALLENGE_FAILED' });
    expect(String((err as Error).message)).toMatch(/404/);
    expect(String((err as Error).message)).toContain('stays in use');

    const served = await servedCertificate(httpsPort, rootPem);
    expect(served.serial).toBe(firstSerial);
    expect(served.authorized).toBe(true);

    const again = await enableHttps(localShell(), broken).catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'CERT_RETRY_LATER' });
    const log = await attempts.list(domain);
    expect(log.map((a) => a.ok)).toEqual([true, false]);
  }, 180_000);
});
