// A self-signed X.509 certificate for the agent's own HTTPS, made with Node's crypto alone: Node can make key
// pairs and sign, but not write certificates, so the few DER structures of a minimal certificate are encoded here
// (no dependency: node-forge is only a transitive package of the console's, and its pure-JS RSA key generation
// takes seconds on a small machine). Nobody validates this certificate against a CA: the console trusts it only
// because the pairing proof binds its SHA-256 fingerprint to the one-time secret (see pairing.ts). So a version-1
// certificate (no extensions) with an ECDSA P-256 key is all it needs; Node's TLS serves it as any other.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface TlsIdentity {
  /** PEM, for `https.createServer` / Fastify's `https` option. */
  key: string;
  cert: string;
  /** SHA-256 of the certificate's DER, lower-case hex without colons (what the console pins). */
  fingerprint: string;
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const der = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
};
const sequence = (...content: Buffer[]): Buffer => der(0x30, ...content);

function derOid(oid: string): Buffer {
  const [a, b, ...rest] = oid.split('.').map(Number);
  const bytes = [40 * a! + b!];
  for (const n of rest) {
    const part: number[] = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) part.unshift((v & 0x7f) | 0x80);
    bytes.push(...part);
  }
  return der(0x06, Buffer.from(bytes));
}

/** A positive INTEGER from random bytes (a leading 0 byte keeps it positive). */
function derPositiveInteger(bytes: Buffer): Buffer {
  return der(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

/** UTCTime (YYMMDDHHMMSSZ): valid for years up to 2049, which a certificate of a few years never passes. */
function derUtcTime(date: Date): Buffer {
  const iso = date.toISOString();
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return der(0x17, Buffer.from(text, 'ascii'));
}

const commonNameOid = '2.5.4.3';
const ecdsaWithSha256Oid = '1.2.840.10045.4.3.2';

function derName(commonName: string): Buffer {
  return sequence(der(0x31, sequence(derOid(commonNameOid), der(0x0c, Buffer.from(commonName, 'utf8')))));
}

const toPem = (label: string, body: Buffer): string => `-----BEGIN ${label}-----\n${body.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;

/** SHA-256 of a certificate's DER as the console pins it (hex, lower case, no colons). */
export function certificateFingerprint(certDer: Buffer): string {
  return crypto.createHash('sha256').update(certDer).digest('hex');
}

/** A fresh key pair and a self-signed certificate for it, valid from a day ago (clock skew) for `validDays`. */
export function makeSelfSignedIdentity(options: { commonName?: string; validDays?: number; now?: Date } = {}): TlsIdentity {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - 86_400_000);
  const notAfter = new Date(now.getTime() + (options.validDays ?? 3650) * 86_400_000);
  const algorithm = sequence(derOid(ecdsaWithSha256Oid));
  const name = derName(options.commonName ?? 'mediafleet-agent');
  // Version 1 (the version field omitted): no extensions are needed where nobody checks names or usages.
  const tbs = sequence(derPositiveInteger(crypto.randomBytes(16)), algorithm, name, sequence(derUtcTime(notBefore), derUtcTime(notAfter)), name, publicKey.export({ type: 'spki', format: 'der' }));
  const signature = crypto.sign('sha256', tbs, privateKey);
  const certDer = sequence(tbs, algorithm, der(0x03, Buffer.from([0]), signature));
  return {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    cert: toPem('CERTIFICATE', certDer),
    fingerprint: certificateFingerprint(certDer),
  };
}

/**
 * The agent's identity, kept in its data directory (owner-only): made once, on the first start, and the same
 * after a restart of the agent on the same disk, so the certificate the console pinned at pairing stays valid.
 * A fresh disk (a new instance) gets a fresh identity, and must be paired again.
 */
export function loadOrMakeIdentity(dir: string): TlsIdentity {
  const keyPath = path.join(dir, 'agent-key.pem');
  const certPath = path.join(dir, 'agent-cert.pem');
  if (fs.existsSync(keyPath) && fs.existsSync(certPath)) {
    const cert = fs.readFileSync(certPath, 'utf8');
    return { key: fs.readFileSync(keyPath, 'utf8'), cert, fingerprint: certificateFingerprint(new crypto.X509Certificate(cert).raw) };
  }
  const identity = makeSelfSignedIdentity();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // The certificate last: a crash between the two writes leaves no certificate, so the next start makes both anew.
  fs.writeFileSync(keyPath, identity.key, { mode: 0o600 });
  fs.writeFileSync(certPath, identity.cert, { mode: 0o644 });
  return identity;
}
