// Opening SSH connections to servers (ssh2) with host keys pinned on first use, and the few helpers every
// feature needs on top: run a command with streamed lines and cancellation, upload a file.
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ssh2 from 'ssh2';
import type { Client as SshClient, ConnectConfig } from 'ssh2';
import { ConsoleError } from '../../contracts/define.js';
import { secretNames, type SecretVault } from '../../secrets/secret-vault.js';
import { fingerprintHostKey } from './host-key.js';
import { quoteArgv } from './shell-quote.js';

const { Client } = ssh2;
export type { SshClient };

/** What is needed to reach a server; mirrors the servers table. */
export interface SshTarget {
  id: string;
  host: string;
  port: number;
  user: string;
  authKind: 'key' | 'generate' | 'agent';
  /** ssh-agent socket for authKind 'agent' (defaults to SSH_AUTH_SOCK). */
  agentSocket?: string | null;
  /** The pinned host key, null before the first contact. */
  hostKeyFingerprint: string | null;
}

export interface HostKeyPolicy {
  /** Called on first contact (no pin yet) with the key seen; the caller persists the pin. */
  onFirstUse?(fingerprint: string): void;
  /** Called when the key differs from the pin (the connection is refused either way), e.g. to audit. */
  onMismatch?(expected: string, actual: string): void;
}

export interface OpenSshOptions {
  hostKeys?: HostKeyPolicy;
  /** One-time password login (key installation); never stored. */
  password?: string;
  readyTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface SshConnection {
  client: SshClient;
  hostKeyFingerprint: string;
  target: SshTarget;
}

async function authConfig(target: SshTarget, vault: SecretVault, password?: string): Promise<Partial<ConnectConfig>> {
  if (password !== undefined) return { password, tryKeyboard: false };
  if (target.authKind === 'agent') {
    const agent = target.agentSocket ?? process.env.SSH_AUTH_SOCK;
    if (!agent) throw new ConsoleError('SSH_AGENT_MISSING', 'No ssh-agent socket (SSH_AUTH_SOCK is not set).');
    return { agent };
  }
  const privateKey = await vault.get(secretNames.sshPrivateKey(target.id));
  if (!privateKey) {
    throw new ConsoleError('SSH_KEY_MISSING', `No private key for server ${target.id} in the vault.`);
  }
  const passphrase = (await vault.get(secretNames.sshKeyPassphrase(target.id))) ?? undefined;
  return { privateKey, passphrase };
}

/**
 * Connects and authenticates. The host key must match the pin; without a pin it is accepted and reported
 * through `hostKeys.onFirstUse` (trust on first use). A changed key fails with HOST_KEY_CHANGED.
 */
export async function openSshConnection(
  target: SshTarget,
  vault: SecretVault,
  options: OpenSshOptions = {},
): Promise<SshConnection> {
  const auth = await authConfig(target, vault, options.password);
  const client = new Client();
  let seen: string | null = null;
  let mismatch = false;
  return new Promise<SshConnection>((resolve, reject) => {
    const onAbort = () => {
      client.end();
      reject(new ConsoleError('CANCELED', 'Connection canceled.'));
    };
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => options.signal?.removeEventListener('abort', onAbort);
    client.once('ready', () => {
      settle();
      if (!target.hostKeyFingerprint && seen) options.hostKeys?.onFirstUse?.(seen);
      resolve({ client, hostKeyFingerprint: seen ?? '', target });
    });
    client.once('error', (err: Error & { level?: string }) => {
      settle();
      client.end();
      if (mismatch) {
        reject(
          new ConsoleError(
            'HOST_KEY_CHANGED',
            `The host key of ${target.host}:${target.port} changed (pinned ${target.hostKeyFingerprint}, got ${seen}). ` +
              'The connection was refused: this can mean the server was reinstalled or someone is intercepting it. ' +
              'Verify the new fingerprint on the server before accepting it.',
          ),
        );
      } else if (err.level === 'client-authentication') {
        reject(new ConsoleError('SSH_AUTH_FAILED', `Authentication as ${target.user}@${target.host} failed.`));
      } else if (/timed out/i.test(err.message)) {
        reject(new ConsoleError('SSH_TIMEOUT', `Timed out connecting to ${target.host}:${target.port}.`));
      } else {
        reject(new ConsoleError('SSH_CONNECT_FAILED', `Cannot connect to ${target.host}:${target.port}: ${err.message}`));
      }
    });
    client.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: options.readyTimeoutMs ?? 15_000,
      keepaliveInterval: 15_000,
      hostVerifier: (key: Buffer) => {
        seen = fingerprintHostKey(key);
        if (target.hostKeyFingerprint && target.hostKeyFingerprint !== seen) {
          mismatch = true;
          options.hostKeys?.onMismatch?.(target.hostKeyFingerprint, seen);
          return false;
        }
        return true;
      },
      ...auth,
    });
  });
}

export interface RunCommandOptions {
  signal?: AbortSignal;
  /** Each complete output line as it arrives (stdout and stderr). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Written to the command's stdin, then closed. */
  stdin?: string | Buffer;
  /** Fail with REMOTE_COMMAND_FAILED when the exit code is not 0 (default false: the caller reads `code`). */
  check?: boolean;
  timeoutMs?: number;
}

export interface CommandResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs one command (a shell string, or argv quoted for the remote shell) and collects its output. */
export function runCommand(
  conn: SshConnection | SshClient,
  command: string | readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const client = 'client' in conn ? conn.client : conn;
  const commandLine = typeof command === 'string' ? command : quoteArgv(command);
  return new Promise<CommandResult>((resolve, reject) => {
    if (options.signal?.aborted) return reject(new ConsoleError('CANCELED', 'Command canceled.'));
    client.exec(commandLine, (err, stream) => {
      if (err) return reject(new ConsoleError('SSH_EXEC_FAILED', `Cannot start remote command: ${err.message}`));
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      const partial = { stdout: '', stderr: '' };
      let timer: NodeJS.Timeout | undefined;
      let canceled: ConsoleError | null = null;
      const feed = (which: 'stdout' | 'stderr', chunk: Buffer) => {
        (which === 'stdout' ? out : errOut).push(chunk);
        if (!options.onLine) return;
        const text = partial[which] + chunk.toString('utf8');
        const lines = text.split('\n');
        partial[which] = lines.pop() ?? '';
        for (const line of lines) options.onLine(line.replace(/\r$/, ''), which);
      };
      const stop = (reason: ConsoleError) => {
        canceled = reason;
        // Ask the remote side to kill the process, then close our end whatever it does.
        stream.signal('KILL');
        stream.close();
      };
      const onAbort = () => stop(new ConsoleError('CANCELED', 'Command canceled.'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.timeoutMs) {
        timer = setTimeout(() => stop(new ConsoleError('REMOTE_TIMEOUT', `Command timed out: ${commandLine}`)), options.timeoutMs);
      }
      stream.on('data', (c: Buffer) => feed('stdout', c));
      stream.stderr.on('data', (c: Buffer) => feed('stderr', c));
      let code: number | null = null;
      let sig: string | null = null;
      stream.on('exit', (c: number | null, s?: string) => {
        code = c;
        sig = s ?? null;
      });
      stream.on('close', () => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        for (const which of ['stdout', 'stderr'] as const) {
          if (partial[which] && options.onLine) options.onLine(partial[which], which);
        }
        if (canceled) return reject(canceled);
        const result: CommandResult = {
          code,
          signal: sig,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(errOut).toString('utf8'),
        };
        if (options.check && code !== 0) {
          return reject(
            new ConsoleError(
              'REMOTE_COMMAND_FAILED',
              `Remote command failed (exit ${code}): ${commandLine}\n${result.stderr.trim().slice(-2000)}`,
            ),
          );
        }
        resolve(result);
      });
      if (options.stdin !== undefined) stream.end(options.stdin);
      else stream.end();
    });
  });
}

export interface UploadOptions {
  mode?: number;
  signal?: AbortSignal;
  onProgress?: (sentBytes: number, totalBytes: number) => void;
}

/** Uploads a local file or an in-memory buffer over SFTP to a path the SSH user may write. */
export async function uploadFile(
  conn: SshConnection | SshClient,
  source: string | Buffer,
  remotePath: string,
  options: UploadOptions = {},
): Promise<void> {
  const client = 'client' in conn ? conn.client : conn;
  const sftp = await new Promise<ssh2.SFTPWrapper>((resolve, reject) =>
    client.sftp((err, s) => (err ? reject(new ConsoleError('SFTP_FAILED', err.message)) : resolve(s))),
  );
  try {
    const total = typeof source === 'string' ? statSync(source).size : source.length;
    const input = typeof source === 'string' ? createReadStream(source) : Readable.from([source]);
    let sent = 0;
    input.on('data', (chunk: Buffer | string) => {
      sent += chunk.length;
      options.onProgress?.(sent, total);
    });
    const output = sftp.createWriteStream(remotePath, { mode: options.mode ?? 0o644 });
    await pipeline(input, output, { signal: options.signal });
  } catch (err) {
    if (err instanceof ConsoleError) throw err;
    if ((err as Error).name === 'AbortError') throw new ConsoleError('CANCELED', 'Upload canceled.');
    throw new ConsoleError('UPLOAD_FAILED', `Upload to ${remotePath} failed: ${(err as Error).message}`);
  } finally {
    sftp.end();
  }
}

/** Writes content to a root-owned path through `sudo tee` (SFTP runs as the login user). */
export async function writeRemoteFileAsRoot(
  conn: SshConnection | SshClient,
  content: string | Buffer,
  remotePath: string,
  options: { mode?: string; sudo?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  const sudo = options.sudo === false ? '' : 'sudo -n ';
  const tmp = `${remotePath}.mediafleet-tmp`;
  const cmd =
    `${sudo}sh -c ${quoteArgv([`cat > ${quoteArgv([tmp])} && chmod ${options.mode ?? '0644'} ${quoteArgv([tmp])} && mv ${quoteArgv([tmp])} ${quoteArgv([remotePath])}`])}`;
  await runCommand(conn, cmd, { stdin: content, check: true, signal: options.signal });
}

export function closeSshConnection(conn: SshConnection | SshClient): void {
  ('client' in conn ? conn.client : conn).end();
}
