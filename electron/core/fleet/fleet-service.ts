// Servers over SSH: adding them (with host-key pinning and optional key installation), testing the
// connection, preflight, and handing out authenticated connections to the other features.
import { createHash, randomUUID } from 'node:crypto';
import ssh2 from 'ssh2';
import { ConsoleError } from '../contracts/define.js';
import { AddServerInput, type AddServerResult, type PreflightReport, type ServerSummary } from '../contracts/servers.js';
import type { AuditLog } from '../audit/audit-log.js';
import { secretNames, type SecretVault } from '../secrets/secret-vault.js';
import type { ConsoleDb } from '../store/console-store.js';
import { parsePreflightOutput, preflightScript } from './preflight.js';
import { ServersRepository, toServerSummary, type ServerRecord } from './servers-repository.js';
import { closeSshConnection, openSshConnection, runCommand, type SshConnection } from './ssh/ssh-connection.js';
import { generateLoginKeyPair } from './ssh/login-key.js';
import { quoteArg } from './ssh/shell-quote.js';
import type { z } from 'zod';

export interface FleetServiceDeps {
  db: ConsoleDb;
  vault: SecretVault;
  audit: AuditLog;
  now?: () => Date;
}

/** Drop-in that wins over later files (e.g. cloud-init's 50-cloud-init.conf re-enabling passwords). */
export const NO_PASSWORD_DROPIN = '/etc/ssh/sshd_config.d/00-mediafleet-no-password.conf';

/** Reload sshd without dropping existing sessions, with or without systemd. */
const reloadSshdCommand =
  'if [ -d /run/systemd/system ]; then systemctl reload ssh 2>/dev/null || systemctl reload sshd; ' +
  'else kill -HUP "$(cat /run/sshd.pid)"; fi';

export function rootPrefix(user: string): string {
  return user === 'root' ? '' : 'sudo -n ';
}

export class FleetService {
  readonly servers: ServersRepository;
  private readonly now: () => Date;

  constructor(private readonly deps: FleetServiceDeps) {
    this.servers = new ServersRepository(deps.db);
    this.now = deps.now ?? (() => new Date());
  }

  requireServer(serverId: string): ServerRecord {
    const server = this.servers.get(serverId);
    if (!server) throw new ConsoleError('SERVER_NOT_FOUND', `No server with id ${serverId}.`);
    return server;
  }

  /** An authenticated connection with the pinned host key enforced; first contact pins it. */
  async connect(serverId: string, options: { signal?: AbortSignal; password?: string } = {}): Promise<SshConnection> {
    const server = this.requireServer(serverId);
    return openSshConnection(server, this.deps.vault, {
      signal: options.signal,
      password: options.password,
      hostKeys: {
        onFirstUse: (fingerprint) => {
          this.servers.setHostKeyFingerprint(server.id, fingerprint);
          this.deps.audit.record('host-key.pinned', server.id, { host: server.host, port: server.port, fingerprint });
        },
        onMismatch: (expected, actual) => {
          this.deps.audit.record('host-key.changed', server.id, {
            host: server.host,
            port: server.port,
            pinned: expected,
            presented: actual,
            outcome: 'connection refused',
          });
        },
      },
    });
  }

  /**
   * Adds a server after reaching it (its host key pinned, a generated key installed). Refusals are recorded in
   * the audit log too, with the reason's code, so an operator sees attempts that left no server behind.
   */
  async addServer(raw: z.input<typeof AddServerInput>, options: { signal?: AbortSignal } = {}): Promise<z.output<typeof AddServerResult>> {
    const input = AddServerInput.parse(raw);
    try {
      return await this.addParsedServer(input, options);
    } catch (err) {
      const error = err instanceof ConsoleError ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: (err as Error).message };
      this.deps.audit.record('server.add-refused', null, {
        name: input.name,
        host: input.host,
        port: input.port,
        user: input.user,
        authKind: input.auth.kind,
        ...error,
      });
      throw err;
    }
  }

  private async addParsedServer(input: z.output<typeof AddServerInput>, options: { signal?: AbortSignal }): Promise<z.output<typeof AddServerResult>> {
    if (input.auth.kind === 'key') {
      const parsed = ssh2.utils.parseKey(input.auth.privateKey, input.auth.passphrase);
      if (parsed instanceof Error) {
        throw new ConsoleError('INVALID_KEY', `The private key cannot be read: ${parsed.message.replace(/privateKey/g, 'key')}`);
      }
    }
    if (this.servers.findByAddress(input.host, input.port, input.user)) {
      throw new ConsoleError('SERVER_EXISTS', `${input.user}@${input.host}:${input.port} is already in the fleet.`);
    }
    const server: ServerRecord = {
      id: randomUUID(),
      name: input.name,
      host: input.host,
      port: input.port,
      user: input.user,
      authKind: input.auth.kind,
      agentSocket: input.auth.kind === 'agent' ? (input.auth.socket ?? null) : null,
      hostKeyFingerprint: null,
      createdAt: this.now().toISOString(),
    };
    this.servers.insert(server);
    let notReached: ConsoleError | null = null;
    try {
      if (input.auth.kind === 'key') {
        await this.deps.vault.set(secretNames.sshPrivateKey(server.id), input.auth.privateKey);
        if (input.auth.passphrase) await this.deps.vault.set(secretNames.sshKeyPassphrase(server.id), input.auth.passphrase);
        closeSshConnection(await this.connect(server.id, options));
      } else if (input.auth.kind === 'agent') {
        closeSshConnection(await this.connect(server.id, options));
      } else {
        await this.installGeneratedKey(server, input.auth.password, input.auth.disablePasswordLogin, options.signal);
      }
    } catch (err) {
      // A key or ssh-agent login can be tried again later; a password is used once, so that server cannot wait.
      const unreachable = err instanceof ConsoleError && (err.code === 'SSH_CONNECT_FAILED' || err.code === 'SSH_TIMEOUT');
      if (unreachable && input.keepIfUnreachable && input.auth.kind !== 'generate') {
        notReached = err;
      } else {
        // Otherwise adding is all-or-nothing: a server we could not add leaves no row and no secret behind.
        this.servers.delete(server.id);
        await this.deps.vault.delete(secretNames.sshPrivateKey(server.id));
        await this.deps.vault.delete(secretNames.sshKeyPassphrase(server.id));
        throw err;
      }
    }
    this.deps.audit.record('server.added', server.id, {
      name: server.name,
      host: server.host,
      port: server.port,
      user: server.user,
      authKind: server.authKind,
      ...(notReached ? { reached: false, code: notReached.code, message: notReached.message } : {}),
    });
    return { ...toServerSummary(this.requireServer(server.id)), reached: notReached === null };
  }

  /**
   * Generates an ed25519 key, logs in once with the password to append the public key to
   * authorized_keys, proves the key works, then turns password login off and proves that too.
   */
  private async installGeneratedKey(server: ServerRecord, password: string, disablePasswordLogin: boolean, signal?: AbortSignal) {
    const keys = generateLoginKeyPair(`mediafleet-console@${server.id}`);
    await this.deps.vault.set(secretNames.sshPrivateKey(server.id), keys.private);
    const pub = keys.public.trim();
    const withPassword = await this.connect(server.id, { password, signal });
    try {
      await runCommand(
        withPassword,
        `umask 077 && mkdir -p ~/.ssh && touch ~/.ssh/authorized_keys && ` +
          `(grep -qxF ${quoteArg(pub)} ~/.ssh/authorized_keys || printf '%s\\n' ${quoteArg(pub)} >> ~/.ssh/authorized_keys)`,
        { check: true, signal },
      );
    } finally {
      closeSshConnection(withPassword);
    }
    const withKey = await this.connect(server.id, { signal });
    try {
      this.deps.audit.record('ssh-key.installed', server.id, { publicKey: pub });
      if (!disablePasswordLogin) return;
      const root = rootPrefix(server.user);
      await runCommand(
        withKey,
        `${root}sh -c ${quoteArg(
          `mkdir -p /etc/ssh/sshd_config.d && printf '%s\\n' '# Written by Mediafleet: key-only logins.' 'PasswordAuthentication no' 'KbdInteractiveAuthentication no' > ${NO_PASSWORD_DROPIN} && sshd -t && ${reloadSshdCommand}`,
        )}`,
        { check: true, signal },
      );
    } finally {
      closeSshConnection(withKey);
    }
    // sshd re-reads its config asynchronously after SIGHUP; poll until a password is refused.
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const conn = await this.connect(server.id, { password, signal });
        closeSshConnection(conn);
        if (Date.now() > deadline) {
          throw new ConsoleError('PASSWORD_LOGIN_STILL_ENABLED', 'Password login still works after disabling it.');
        }
        await new Promise((r) => setTimeout(r, 250));
      } catch (err) {
        if (err instanceof ConsoleError && err.code === 'SSH_AUTH_FAILED') break;
        // sshd re-execs itself on SIGHUP and is briefly not listening.
        if (!(err instanceof ConsoleError && err.code === 'SSH_CONNECT_FAILED') || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    this.deps.audit.record('ssh.password-login-disabled', server.id, { dropIn: NO_PASSWORD_DROPIN });
  }

  listServers(): ServerSummary[] {
    return this.servers.list().map(toServerSummary);
  }

  /**
   * The public half of the key the console logs in with, in authorized_keys form, so an operator can install it
   * elsewhere (a second user, a jump host) or check it against the server. Null for ssh-agent logins: the key
   * is the agent's. The private key never leaves the vault.
   */
  async publicKey(serverId: string): Promise<{ authKind: ServerRecord['authKind']; publicKey: string | null; fingerprint: string | null }> {
    const server = this.requireServer(serverId);
    if (server.authKind === 'agent') return { authKind: server.authKind, publicKey: null, fingerprint: null };
    const privateKey = await this.deps.vault.get(secretNames.sshPrivateKey(serverId));
    if (!privateKey) throw new ConsoleError('SSH_KEY_MISSING', `No key for ${server.name} in the vault; remove the server and add it again.`);
    const passphrase = (await this.deps.vault.get(secretNames.sshKeyPassphrase(serverId))) ?? undefined;
    const parsed = ssh2.utils.parseKey(privateKey, passphrase);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!key || key instanceof Error) throw new ConsoleError('SSH_KEY_UNREADABLE', `The key for ${server.name} cannot be read${key instanceof Error ? `: ${key.message}` : ''}.`);
    const blob = key.getPublicSSH();
    const fingerprint = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
    return { authKind: server.authKind, publicKey: `${key.type} ${blob.toString('base64')} mediafleet-${server.name.replace(/\s+/g, '-')}`, fingerprint };
  }

  async removeServer(serverId: string): Promise<boolean> {
    const server = this.servers.get(serverId);
    const removed = this.servers.delete(serverId);
    await this.deps.vault.delete(secretNames.sshPrivateKey(serverId));
    await this.deps.vault.delete(secretNames.sshKeyPassphrase(serverId));
    // The name stays readable in the audit log after the server is gone.
    if (removed) this.deps.audit.record('server.removed', serverId, server ? { name: server.name, host: server.host, port: server.port, user: server.user } : {});
    return removed;
  }

  async testConnection(serverId: string, options: { signal?: AbortSignal } = {}) {
    const started = performance.now();
    const conn = await this.connect(serverId, options);
    try {
      await runCommand(conn, 'true', { check: true, signal: options.signal, timeoutMs: 10_000 });
      return { ok: true, latencyMs: Math.round(performance.now() - started), hostKeyFingerprint: conn.hostKeyFingerprint };
    } finally {
      closeSshConnection(conn);
    }
  }

  /** After an operator has checked the new fingerprint out of band. */
  repinHostKey(serverId: string, fingerprint: string): void {
    const server = this.requireServer(serverId);
    this.servers.setHostKeyFingerprint(serverId, fingerprint);
    this.deps.audit.record('host-key.repinned', serverId, { previous: server.hostKeyFingerprint, fingerprint });
  }

  async preflight(serverId: string, options: { signal?: AbortSignal } = {}): Promise<PreflightReport> {
    const conn = await this.connect(serverId, options);
    try {
      const result = await runCommand(conn, ['sh', '-c', preflightScript], { check: true, signal: options.signal, timeoutMs: 30_000 });
      return parsePreflightOutput(result.stdout);
    } finally {
      closeSshConnection(conn);
    }
  }
}
