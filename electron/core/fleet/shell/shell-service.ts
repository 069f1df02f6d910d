// Interactive terminals for the UI: a shell on a server over an ssh2 shell channel (with a PTY), or a local
// shell through node-pty. Both look the same to the caller: write, resize, close, and data/exit events.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as pty from 'node-pty';
import type { ClientChannel } from 'ssh2';
import { ConsoleError } from '../../contracts/define.js';
import type { AuditLog } from '../../audit/audit-log.js';
import { closeSshConnection, type SshConnection } from '../ssh/ssh-connection.js';

interface ShellSession {
  write(data: string): void;
  resize(cols: number, rows: number): void;
  close(): void;
}

export interface ShellServiceDeps {
  connect(serverId: string): Promise<SshConnection>;
  audit?: AuditLog;
  /** Local shell program (default $SHELL or /bin/bash). */
  localShell?: string;
  /** Most sessions open at once; each holds an SSH connection or a process. */
  maxSessions?: number;
}

export class ShellService {
  readonly events = new EventEmitter<{ data: [{ sessionId: string; data: string }]; exit: [{ sessionId: string; code: number | null }] }>();
  private readonly sessions = new Map<string, ShellSession>();

  constructor(private readonly deps: ShellServiceDeps) {}

  async open(target: string, cols = 80, rows = 24): Promise<{ sessionId: string }> {
    if (this.sessions.size >= (this.deps.maxSessions ?? 16)) {
      throw new ConsoleError('TOO_MANY_SHELLS', 'Too many terminals are open; close one first.');
    }
    const sessionId = randomUUID();
    const emitData = (data: string) => this.events.emit('data', { sessionId, data });
    const emitExit = (code: number | null) => {
      if (!this.sessions.delete(sessionId)) return;
      this.events.emit('exit', { sessionId, code });
    };
    if (target === 'local') {
      const proc = pty.spawn(this.deps.localShell ?? process.env.SHELL ?? '/bin/bash', [], {
        name: 'xterm-256color',
        cols,
        rows,
        cwd: process.env.HOME ?? '/',
        env: process.env as Record<string, string>,
      });
      proc.onData(emitData);
      proc.onExit(({ exitCode }) => emitExit(exitCode));
      this.sessions.set(sessionId, {
        write: (d) => proc.write(d),
        resize: (c, r) => proc.resize(c, r),
        close: () => proc.kill(),
      });
      this.deps.audit?.record('shell.opened', null, { target: 'local' });
      return { sessionId };
    }
    const conn = await this.deps.connect(target);
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      conn.client.shell({ term: 'xterm-256color', cols, rows }, (err, ch) =>
        err ? reject(new ConsoleError('SHELL_FAILED', `Cannot open a shell: ${err.message}`)) : resolve(ch),
      ),
    );
    let exitCode: number | null = null;
    channel.on('data', (d: Buffer) => emitData(d.toString('utf8')));
    channel.stderr.on('data', (d: Buffer) => emitData(d.toString('utf8')));
    channel.on('exit', (code: number | null) => (exitCode = code));
    channel.on('close', () => {
      closeSshConnection(conn);
      emitExit(exitCode);
    });
    this.sessions.set(sessionId, {
      write: (d) => channel.write(d),
      resize: (c, r) => channel.setWindow(r, c, 0, 0),
      close: () => channel.close(),
    });
    this.deps.audit?.record('shell.opened', target, { target: 'server' });
    return { sessionId };
  }

  private get(sessionId: string): ShellSession {
    const s = this.sessions.get(sessionId);
    if (!s) throw new ConsoleError('SHELL_NOT_FOUND', `No open terminal ${sessionId}.`);
    return s;
  }

  write(sessionId: string, data: string): void {
    this.get(sessionId).write(data);
  }

  resize(sessionId: string, cols: number, rows: number): void {
    this.get(sessionId).resize(cols, rows);
  }

  close(sessionId: string): boolean {
    const s = this.sessions.get(sessionId);
    if (!s) return false;
    s.close();
    return true;
  }

  closeAll(): void {
    for (const s of this.sessions.values()) s.close();
  }
}
