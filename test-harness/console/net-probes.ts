// Test helpers: how a client outside a (simulated or booted) VPS sees it. Plain HTTP and HTTPS requests that
// resolve the domain to the VPS's address, the certificate its TLS endpoint serves, and whether a TCP port is
// open, refused or silently dropped by a firewall.
import http from 'node:http';
import https from 'node:https';
import { connect } from 'node:net';
import tls from 'node:tls';

export interface HttpReply {
  status: number;
  body: string;
}

function collect(res: http.IncomingMessage, resolve: (r: HttpReply) => void) {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (c: string) => (body += c));
  res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
}

export function httpGet(url: string, headers: Record<string, string> = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, timeout: 10_000 }, (res) => collect(res, resolve));
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
  });
}

/** GET over https to `host`, as a client that resolves `domain` to it and trusts `ca` would. */
export function httpsGet(host: string, domain: string, path: string, ca: string, headers: Record<string, string> = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host, port: 443, path, servername: domain, ca, headers: { host: domain, ...headers }, timeout: 10_000 }, (res) => collect(res, resolve));
    req.on('timeout', () => req.destroy(new Error(`timeout: https://${domain}${path}`)));
    req.on('error', reject);
  });
}

export function servedCertificate(host: string, domain: string, ca: string): Promise<{ authorized: boolean; serial: string; san: string }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port: 443, servername: domain, ca, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerCertificate();
      resolve({ authorized: socket.authorized, serial: cert.serialNumber, san: cert.subjectaltname ?? '' });
      socket.end();
    });
    socket.on('error', reject);
  });
}

/** 'filtered' means no answer at all: a firewall dropped the SYN (a closed port answers 'refused'). */
export function tcpReachable(host: string, port: number, timeoutMs = 1500): Promise<'open' | 'refused' | 'filtered'> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const t = setTimeout(() => {
      s.destroy();
      resolve('filtered');
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.destroy();
      resolve('open');
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(t);
      resolve(e.code === 'ECONNREFUSED' ? 'refused' : 'filtered');
    });
  });
}
