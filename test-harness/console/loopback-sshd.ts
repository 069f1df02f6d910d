// Test harness: a real OpenSSH sshd on 127.0.0.1 (a free port) that lets root in with a key made for the
// test, so deploy code runs over a genuine SSH connection to this machine's Docker engine and nginx.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { freeLoopbackPort } from './free-loopback-port.js';

export const sshdBinary = ['/usr/sbin/sshd'].find((p) => existsSync(p));

export interface LoopbackSshd {
  port: number;
  privateKey: string;
  connect(): Promise<Client>;
  stop(): Promise<void>;
}

export async function startLoopbackSshd(): Promise<LoopbackSshd> {
  if (!sshdBinary) throw new Error('sshd is not installed (Debian package openssh-server)');
  const dir = mkdtempSync(join(tmpdir(), 'mf-sshd-'));
  chmodSync(dir, 0o700);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
  const port = await freeLoopbackPort();
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'AllowTcpForwarding yes',
      'AllowStreamLocalForwarding yes',
      'MaxSessions 50',
      '',
    ].join('\n'),
  );
  execFileSync('mkdir', ['-p', '/run/sshd']);
  const child: ChildProcess = spawn(sshdBinary, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const privateKey = readFileSync(join(dir, 'client_key'), 'utf8');
  const connect = () =>
    new Promise<Client>((resolve, reject) => {
      const c = new Client();
      c.once('ready', () => resolve(c));
      c.once('error', reject);
      c.connect({ host: '127.0.0.1', port, username: 'root', privateKey, readyTimeout: 10_000 });
    });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      (await connect()).end();
      break;
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`sshd did not start: ${(err as Error).message}\n${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    port,
    privateKey,
    connect,
    async stop() {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
