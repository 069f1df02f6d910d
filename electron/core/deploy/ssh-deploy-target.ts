// The deployer's view of a server over one SSH connection (no second connection: the pinned host key of the
// fleet connection applies): dockerode talking to the server's Docker socket (a stream-local forward as root,
// `sudo -n docker system dial-stdio` for a sudoer), shell commands, `docker load` for image transfer, and HTTP
// to the server's loopback through a TCP forward.
import http from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import Docker from 'dockerode';
import type { Client as SshClient } from 'ssh2';
import { ConsoleError } from '../contracts/define.js';
import { runCommand, quoteArgv } from '../fleet/ssh/index.js';
import type { DeployTarget, HttpAnswer } from './agent-deployer.js';
import type { ImageLoader } from './agent-image.js';

/** Makes an SSH channel look enough like a net.Socket for http: these are the few methods it calls on one. */
function asSocket(stream: unknown): Duplex {
  const s = stream as Duplex & Record<string, unknown>;
  s.setTimeout ??= () => s;
  s.setNoDelay ??= () => s;
  s.setKeepAlive ??= () => s;
  s.ref ??= () => s;
  s.unref ??= () => s;
  return s;
}

type ConnectionFactory = (callback: (err: Error | null, s?: Duplex) => void) => void;

/** An http.Agent whose sockets come from `connect` (one SSH channel per request). */
function agentOverSsh(connect: ConnectionFactory): http.Agent {
  const agent = new http.Agent({ keepAlive: false });
  (agent as unknown as { createConnection: unknown }).createConnection = (_opts: unknown, callback: (err: Error | null, s?: Duplex) => void) => {
    connect(callback);
    return undefined;
  };
  return agent;
}

/** The server's Docker socket as the login user: an SSH stream-local forward (sshd opens the socket). */
function streamLocalConnection(client: SshClient, socketPath: string): ConnectionFactory {
  return (callback) =>
    client.openssh_forwardOutStreamLocal(socketPath, (err, stream) => {
      if (err) return callback(new ConsoleError('DOCKER_UNREACHABLE', `cannot reach ${socketPath} on the server: ${err.message}`));
      callback(null, asSocket(stream));
    });
}

/**
 * The server's Docker socket through `sudo -n docker system dial-stdio` (what the docker CLI's own ssh:// transport
 * runs): a login user who may sudo but is not in the docker group cannot open the socket itself, and adding it
 * to the group would hand it root without sudo's log.
 */
function sudoDialStdioConnection(client: SshClient, socketPath: string, sudo: string): ConnectionFactory {
  const command = `${sudo} ${quoteArgv(['docker', '-H', `unix://${socketPath}`, 'system', 'dial-stdio'])}`;
  return (callback) =>
    client.exec(command, (err, channel) => {
      if (err) return callback(new ConsoleError('DOCKER_UNREACHABLE', `cannot start docker system dial-stdio on the server: ${err.message}`));
      // The CLI says why it could not connect on stderr and exits; http then sees the channel end early.
      let stderr = '';
      channel.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-800)));
      channel.on('exit', (code: number | null) => {
        if (code && code !== 0) (channel as unknown as Duplex).destroy(new ConsoleError('DOCKER_UNREACHABLE', `docker system dial-stdio on the server exited ${code}: ${stderr.trim() || 'no message'}`));
      });
      callback(null, asSocket(channel));
    });
}

/**
 * dockerode for the server's Docker engine over an SSH connection. Logged in as root, or with `sudo` empty, the
 * socket is forwarded directly; otherwise through sudo (see sudoDialStdioConnection).
 */
export function dockerOverSsh(client: SshClient, socketPath = '/var/run/docker.sock', sudo = ''): Docker {
  const connect = sudo ? sudoDialStdioConnection(client, socketPath, sudo) : streamLocalConnection(client, socketPath);
  return new Docker({ protocol: 'http', host: 'docker.invalid', port: 80, agent: agentOverSsh(connect) } as Docker.DockerOptions);
}

function httpGetOverSsh(client: SshClient, port: number, path: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        headers,
        timeout: 5000,
        createConnection: (_o: unknown, cb: (err: Error | null, s?: Duplex) => void) => {
          client.forwardOut('127.0.0.1', 0, '127.0.0.1', port, (err, stream) => {
            if (err) return cb(new Error(`connection to 127.0.0.1:${port} on the server failed: ${err.message}`));
            cb(null, asSocket(stream));
          });
          return undefined;
        },
      } as http.RequestOptions,
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout on 127.0.0.1:${port}${path}`)));
    req.on('error', reject);
    req.end();
  });
}

export interface SshDeployTargetOptions {
  dockerSocketPath?: string;
  /** Prefix for commands needing root (e.g. `sudo -n`); empty when logged in as root. */
  sudo?: string;
}

export function sshDeployTarget(client: SshClient, opts: SshDeployTargetOptions = {}): DeployTarget & ImageLoader {
  const socketPath = opts.dockerSocketPath ?? '/var/run/docker.sock';
  const sudo = opts.sudo ? `${opts.sudo} ` : '';
  return {
    docker: dockerOverSsh(client, socketPath, opts.sudo ?? ''),
    async exec(command, o = {}) {
      const r = await runCommand(client, `${sudo}sh -c ${quoteArgv([command])}`, { stdin: o.stdin, signal: o.signal });
      return { code: r.code, stdout: r.stdout, stderr: r.stderr };
    },
    httpGet: (port, path, headers) => httpGetOverSsh(client, port, path, headers),
    load(input: Readable, o: { signal?: AbortSignal }) {
      return new Promise<string>((resolve, reject) => {
        const cmd = `${sudo}${quoteArgv(['docker', '-H', `unix://${socketPath}`, 'load'])}`;
        client.exec(cmd, (err, channel) => {
          if (err) return reject(new ConsoleError('SSH_EXEC_FAILED', `cannot start docker load: ${err.message}`));
          let out = '';
          let code: number | null = null;
          const onAbort = () => {
            input.destroy();
            channel.close();
            reject(new ConsoleError('CANCELED', 'image transfer canceled'));
          };
          o.signal?.addEventListener('abort', onAbort, { once: true });
          channel.on('data', (c: Buffer) => (out += c.toString()));
          channel.stderr.on('data', (c: Buffer) => (out += c.toString()));
          channel.on('exit', (c: number | null) => (code = c));
          channel.on('close', () => {
            o.signal?.removeEventListener('abort', onAbort);
            if (o.signal?.aborted) return;
            if (code !== 0) return reject(new ConsoleError('IMAGE_LOAD_FAILED', `docker load failed (exit ${code}): ${out.slice(-800)}`));
            resolve(out);
          });
          input.on('error', (e) => {
            channel.close();
            reject(new ConsoleError('IMAGE_TRANSFER_FAILED', e.message));
          });
          input.pipe(channel);
        });
      });
    },
  };
}
