// Test helpers for the pinned TLS between the console and a rented agent (never shipped):
// - `servedFingerprint`: the SHA-256 of the certificate a TLS server presents;
// - `fetchProof`: an unauthenticated pairing proof request, to see the pairing routes' state;
// - `TlsInterposer`: something between the published host port and the agent. `pass` relays TCP untouched (the
//   agent's own TLS goes through, as on Vast's port mapping); `mitm` is a man in the middle on loopback: it ends
//   the client's TLS with its OWN self-signed certificate, opens TLS to the agent, relays the cleartext both ways
//   and keeps what the client sent, so a test can check no token reached it.
import { createHash, randomBytes } from 'node:crypto';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { makeSelfSignedIdentity } from '../../agent/src/pairing/self-signed-certificate.js';

export function servedFingerprint(baseUrl: string): Promise<string> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false }, () => {
      const raw = socket.getPeerCertificate().raw;
      socket.destroy();
      resolve(createHash('sha256').update(raw).digest('hex'));
    });
    socket.on('error', reject);
  });
}

export function fetchProof(baseUrl: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL('/v1/pairing/proof', baseUrl), { method: 'POST', rejectUnauthorized: false, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ nonce: randomBytes(18).toString('base64url') }));
  });
}

export class TlsInterposer {
  private readonly server: net.Server;
  private readonly open = new Set<net.Socket>();
  private readonly identity = makeSelfSignedIdentity({ commonName: 'mediafleet-agent' });
  /** Cleartext the clients sent while in `mitm` mode. */
  readonly received: Buffer[] = [];
  /** Connections taken while in `mitm` mode. */
  mitmConnections = 0;

  private constructor(
    private readonly targetPort: number,
    public mode: 'pass' | 'mitm',
  ) {
    this.server = net.createServer((socket) => this.relay(socket));
  }

  static async start(targetPort: number, mode: 'pass' | 'mitm'): Promise<TlsInterposer> {
    const interposer = new TlsInterposer(targetPort, mode);
    await new Promise<void>((resolve) => interposer.server.listen(0, '127.0.0.1', resolve));
    return interposer;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** The fingerprint of the interposer's own certificate (what a client sees in `mitm` mode). */
  get fingerprint(): string {
    return this.identity.fingerprint;
  }

  /** Switches mode; open connections are cut, so the next request makes a new one (as an attacker would need). */
  setMode(mode: 'pass' | 'mitm'): void {
    this.mode = mode;
    for (const socket of this.open) socket.destroy();
    this.open.clear();
  }

  receivedText(): string {
    return Buffer.concat(this.received).toString('utf8');
  }

  private relay(client: net.Socket): void {
    this.open.add(client);
    client.on('close', () => this.open.delete(client));
    client.on('error', () => undefined);
    if (this.mode === 'pass') {
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
      return;
    }
    this.mitmConnections++;
    const front = new tls.TLSSocket(client, { isServer: true, secureContext: tls.createSecureContext({ key: this.identity.key, cert: this.identity.cert }) });
    const upstream = tls.connect({ host: '127.0.0.1', port: this.targetPort, rejectUnauthorized: false });
    front.on('error', () => upstream.destroy());
    upstream.on('error', () => front.destroy());
    front.on('close', () => upstream.destroy());
    upstream.on('close', () => front.destroy());
    front.on('data', (chunk: Buffer) => {
      this.received.push(chunk);
      upstream.write(chunk);
    });
    upstream.pipe(front);
  }

  async close(): Promise<void> {
    for (const socket of this.open) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
