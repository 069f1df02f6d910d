// Test harness: Pebble (Let's Encrypt's ACME test server, Debian `pebble`) and pebble-challtestsrv as its
// DNS, on loopback. Every name resolves to 127.0.0.1, and Pebble validates HTTP-01 on `httpPort`, where the
// test's nginx listens. Authorization reuse is off so each order really fetches the challenge file.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from './free-loopback-port.js';

export const pebbleBinary = ['/usr/bin/pebble'].find((p) => existsSync(p));
export const challtestsrvBinary = ['/usr/bin/pebble-challtestsrv'].find((p) => existsSync(p));

export interface PebbleServer {
  directoryUrl: string;
  /** PEM of the CA that issues the test certificates (fetched from Pebble's management API). */
  issuingRootPem(): Promise<string>;
  /** PEM of the self-signed cert on Pebble's own HTTPS endpoint (for REQUESTS_CA_BUNDLE). */
  endpointCaPath: string;
  stop(): Promise<void>;
}

function waitForExitOrDelay(child: ChildProcess, name: string, getLog: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, 300);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`${name} exited (${code}): ${getLog()}`));
    });
  });
}

export interface PebbleOptions {
  /** Where Pebble fetches HTTP-01 challenges (port 80 in production). */
  httpPort: number;
  /** Address Pebble listens on (default 127.0.0.1); a simulated VPS reaches the console side of its veth. */
  listenHost?: string;
  /** The address every name resolves to for validation (default 127.0.0.1). */
  resolveTo?: string;
}

export async function startPebble(opts: PebbleOptions): Promise<PebbleServer> {
  const host = opts.listenHost ?? '127.0.0.1';
  if (!pebbleBinary || !challtestsrvBinary) throw new Error('pebble is not installed (Debian package pebble)');
  const dir = mkdtempSync(join(tmpdir(), 'mf-pebble-'));
  const [acmePort, mgmtPort, dnsPort, challMgmtPort, tlsPort] = await Promise.all([1, 2, 3, 4, 5].map(() => freeLoopbackPort()));
  // Pebble's own HTTPS endpoint needs a certificate; a throwaway self-signed one for 127.0.0.1.
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=pebble', '-addext', `subjectAltName=${[...new Set(['IP:127.0.0.1', `IP:${host}`])].join(',')},DNS:localhost`,
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  writeFileSync(
    join(dir, 'pebble-config.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `${host}:${acmePort}`,
        managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: join(dir, 'cert.pem'),
        privateKey: join(dir, 'key.pem'),
        httpPort: opts.httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  let log = '';
  const collect = (c: Buffer) => {
    log = (log + c.toString()).slice(-4000);
  };
  const chall = spawn(challtestsrvBinary, [
    '-dns01', `127.0.0.1:${dnsPort}`, '-http01', '', '-https01', '', '-tlsalpn01', '',
    '-management', `127.0.0.1:${challMgmtPort}`, '-defaultIPv4', opts.resolveTo ?? '127.0.0.1', '-defaultIPv6', '',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  chall.stdout?.on('data', collect);
  chall.stderr?.on('data', collect);
  await waitForExitOrDelay(chall, 'pebble-challtestsrv', () => log);
  const pebble = spawn(pebbleBinary, ['-config', join(dir, 'pebble-config.json'), '-dnsserver', `127.0.0.1:${dnsPort}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_AUTHZREUSE: '0', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_VA_ALWAYS_VALID: '0' },
  });
  pebble.stdout?.on('data', collect);
  pebble.stderr?.on('data', collect);
  const directoryUrl = `https://${host}:${acmePort}/dir`;
  const deadline = Date.now() + 20_000;
  // Pebble's endpoint cert is self-signed; node's fetch cannot skip verification per request, so probe with curl.
  for (;;) {
    try {
      execFileSync('curl', ['-sfk', '--max-time', '2', directoryUrl], { stdio: 'ignore' });
      break;
    } catch {
      if (pebble.exitCode !== null || Date.now() > deadline) throw new Error(`pebble did not start: ${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    directoryUrl,
    endpointCaPath: join(dir, 'cert.pem'),
    async issuingRootPem() {
      return execFileSync('curl', ['-sfk', '--max-time', '5', `https://127.0.0.1:${mgmtPort}/roots/0`], { encoding: 'utf8' });
    },
    async stop() {
      pebble.kill('SIGTERM');
      chall.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
