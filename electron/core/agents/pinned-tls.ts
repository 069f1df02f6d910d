// Pinned TLS to an agent whose certificate no CA signed (a rented agent's self-signed one): the chain is not
// checked (`rejectUnauthorized: false`), but on EVERY connection, before a byte of a request is written, the
// SHA-256 fingerprint of the certificate the peer presented must equal the pinned one; otherwise the socket is
// destroyed and the caller gets AGENT_CERT_MISMATCH: no token, no file, nothing is sent to an impostor.
//
// Why a check in the connector and not `checkServerIdentity`: Node calls checkServerIdentity only when the chain
// verified, which a self-signed certificate never does. The connector runs after every handshake, and undici
// writes the request only once it has called back. TLS sessions are not resumed (maxCachedSessions 0): a
// resumed session shows no peer certificate to check, and a full handshake per connection costs little here.
import { createHash, X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector } from 'undici';
import { ConsoleError } from '../contracts/define.js';

/** Fingerprints as the console stores and compares them: SHA-256, 64 lower-case hex digits, no colons. */
export function normalizeFingerprint(value: string): string {
  const hex = value.replace(/:/g, '').trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new ConsoleError('INVALID_INPUT', 'a certificate fingerprint is a SHA-256: 64 hex digits (colons allowed)');
  return hex;
}

/** The fingerprint of the certificate a TLS socket's peer presented (null without one). */
export function peerFingerprint(socket: TLSSocket): string | null {
  const raw = socket.getPeerCertificate()?.raw;
  return raw && raw.length > 0 ? createHash('sha256').update(raw).digest('hex') : null;
}

export function fingerprintOfPem(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}

export class CertificateMismatchError extends ConsoleError {
  constructor(
    readonly host: string,
    readonly expected: string,
    readonly presented: string | null,
  ) {
    super(
      'AGENT_CERT_MISMATCH',
      `the agent at ${host} presented a certificate (SHA-256 ${presented ?? 'none'}) other than the one this console pinned for it (${expected}); nothing was sent. ` +
        'Someone may be in between, or the agent was set up again: if you did not do that, do not trust this machine.',
    );
  }
}

/** The certificate check itself: the presented certificate must be the pinned one. */
export function checkPinned(socket: TLSSocket, pinned: string, host: string): CertificateMismatchError | null {
  const presented = peerFingerprint(socket);
  return presented === pinned ? null : new CertificateMismatchError(host, pinned, presented);
}

/** An undici dispatcher for fetch whose every TLS connection must present the pinned certificate. */
export function pinnedDispatcher(fingerprint: string): Agent {
  const pinned = normalizeFingerprint(fingerprint);
  const connect = buildConnector({ rejectUnauthorized: false, maxCachedSessions: 0 });
  return new Agent({
    connect: (options, callback) =>
      connect(options, (err, socket) => {
        if (err || !socket) return callback(err ?? new Error('no socket'), null);
        const mismatch = checkPinned(socket as TLSSocket, pinned, `${options.hostname}:${options.port}`);
        if (mismatch) {
          socket.destroy();
          return callback(mismatch, null);
        }
        callback(null, socket as Socket & TLSSocket);
      }),
  });
}

/**
 * A node:https agent with the same check (the health monitor polls with node:http for its lower CPU cost). The
 * check runs in createConnection's 'secureConnect', before the request is written on the socket; kept-alive
 * sockets were checked when they were made.
 */
export function pinnedHttpsAgent(fingerprint: string, options: https.AgentOptions = {}): https.Agent {
  const pinned = normalizeFingerprint(fingerprint);
  const agent = new https.Agent({ ...options, rejectUnauthorized: false, maxCachedSessions: 0 });
  const createConnection = agent.createConnection.bind(agent) as (opts: https.RequestOptions, cb?: (err: Error | null, socket?: Socket) => void) => TLSSocket;
  (agent as unknown as { createConnection: typeof createConnection }).createConnection = (opts, cb) => {
    const socket = createConnection(opts);
    // Hold every write until the certificate is checked: the request is queued on the socket meanwhile.
    socket.cork();
    socket.once('secureConnect', () => {
      const mismatch = checkPinned(socket, pinned, `${String(opts.host ?? opts.hostname)}:${String(opts.port)}`);
      if (mismatch) socket.destroy(mismatch);
      else socket.uncork();
    });
    cb?.(null, socket);
    return socket;
  };
  return agent;
}
