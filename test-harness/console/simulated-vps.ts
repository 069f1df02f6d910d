// Test harness: simulated VPS hosts on this machine. Each host is a network namespace with its own address
// (a veth pair in a private 10.204.4.0/24 carved into /30s) running a real Debian sshd. The sshd runs in a
// private mount namespace where /etc, /home, /root, /run, /opt and /srv are bind mounts of per-host copies,
// so users, sudoers, sshd drop-ins and host keys a test changes belong to that host alone. /usr, /var and
// the kernel are shared with this machine: a "host" is honest about SSH, accounts, sshd config and its own
// netfilter tables (nftables is per network namespace), not about installed packages.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';

export const HARNESS_ROOT = '/tmp/mediafleet-fleet-hosts';
const NS_PREFIX = 'mf4-vps';

export interface SimulatedVpsOptions {
  /** 0..60; picks the namespace name, interface names and the /30. */
  index: number;
  user?: string;
  password?: string;
}

export interface SimulatedVps {
  readonly index: number;
  readonly namespace: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Directory holding this host's etc/home/root/run/opt/srv. */
  readonly root: string;
  /** Runs a shell command as root inside the host (its namespaces and mounts), returns stdout. */
  exec(command: string): string;
  /** Current host key fingerprint as `ssh-keygen -l` prints it ("SHA256:..."). */
  hostKeyFingerprint(): string;
  /** Replaces the host key (as a reinstall would) and restarts sshd. */
  regenerateHostKey(): Promise<void>;
  /** Forgets everything tests changed: fresh /etc copy, home, keys, firewall. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

export function harnessUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces';
  for (const bin of ['/usr/sbin/sshd', '/usr/sbin/ip', '/usr/bin/unshare', '/usr/bin/ssh-keygen', '/usr/sbin/nft', '/usr/bin/sudo']) {
    if (!existsSync(bin)) return `${bin} missing (apt packages openssh-server, iproute2, util-linux, nftables, sudo)`;
  }
  return null;
}

/** Removes namespaces and interfaces a crashed earlier run left behind. */
export function cleanupStaleHosts(): void {
  const list = (() => {
    try {
      return sh('ip', ['netns', 'list']);
    } catch {
      return '';
    }
  })();
  for (const line of list.split('\n')) {
    const ns = line.split(' ')[0];
    if (ns?.startsWith(NS_PREFIX)) {
      try {
        const pids = sh('ip', ['netns', 'pids', ns]).split('\n').filter(Boolean);
        for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* already gone */
      }
      try {
        execFileSync('ip', ['netns', 'del', ns]);
      } catch {
        /* already gone */
      }
    }
  }
  if (existsSync(HARNESS_ROOT)) {
    for (const d of readdirSync(HARNESS_ROOT)) rmSync(join(HARNESS_ROOT, d), { recursive: true, force: true });
  }
}

async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      s.once('data', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
      setTimeout(() => {
        s.destroy();
        resolve(false);
      }, 500);
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd on ${host}:${port} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startSimulatedVps(options: SimulatedVpsOptions): Promise<SimulatedVps> {
  const { index } = options;
  const user = options.user ?? 'admin';
  const password = options.password ?? `pw-${index}-${Math.random().toString(36).slice(2)}`;
  const namespace = `${NS_PREFIX}${index}`;
  const hostIf = `mf4h${index}`;
  const nsIf = `mf4n${index}`;
  const consoleSide = `10.204.4.${index * 4 + 1}`;
  const address = `10.204.4.${index * 4 + 2}`;
  const root = join(HARNESS_ROOT, `vps${index}`);
  const mountDirs = ['etc', 'home', 'root', 'run', 'opt', 'srv'];
  let sshd: ChildProcess | null = null;

  const inHost = (command: string) =>
    `${mountDirs.map((d) => `mount --bind ${root}/${d} /${d}`).join(' && ')} && ${command}`;

  const exec = (command: string) =>
    sh('ip', ['netns', 'exec', namespace, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', inHost(command)]);

  function prepareRoot() {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    execFileSync('cp', ['-a', '/etc', join(root, 'etc')]);
    for (const d of ['home', 'root', 'run/sshd', 'opt', 'srv']) mkdirSync(join(root, d), { recursive: true });
    chmodSync(join(root, 'root'), 0o700);
    const etcSsh = join(root, 'etc/ssh');
    for (const f of readdirSync(etcSsh)) if (f.startsWith('ssh_host_')) rmSync(join(etcSsh, f));
    rmSync(join(etcSsh, 'sshd_config.d'), { recursive: true, force: true });
    mkdirSync(join(etcSsh, 'sshd_config.d'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(etcSsh, 'ssh_host_ed25519_key')]);
    // Like a fresh cloud VPS: passwords on until someone turns them off, first matching option wins.
    writeFileSync(
      join(etcSsh, 'sshd_config'),
      [
        'Include /etc/ssh/sshd_config.d/*.conf',
        `ListenAddress ${address}`,
        'Port 22',
        'HostKey /etc/ssh/ssh_host_ed25519_key',
        'PidFile /run/sshd.pid',
        'PasswordAuthentication yes',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        'PermitRootLogin prohibit-password',
        'UsePAM yes',
        'Subsystem sftp internal-sftp',
        '',
      ].join('\n'),
    );
    rmSync(join(root, 'etc/nftables.conf'), { force: true });
    execFileSync('useradd', ['--prefix', root, '--create-home', '--home-dir', `/home/${user}`, '--shell', '/bin/bash', user]);
    // Debian's chpasswd has no --prefix: run it where the host's /etc copy is mounted as /etc.
    execFileSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `mount --bind ${root}/etc /etc && chpasswd`], {
      input: `${user}:${password}\n`,
    });
    writeFileSync(join(root, 'etc/sudoers.d', `90-${user}`), `${user} ALL=(ALL) NOPASSWD:ALL\n`, { mode: 0o440 });
  }

  function setUpNetwork() {
    execFileSync('ip', ['netns', 'add', namespace]);
    execFileSync('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
    execFileSync('ip', ['link', 'set', nsIf, 'netns', namespace]);
    execFileSync('ip', ['addr', 'add', `${consoleSide}/30`, 'dev', hostIf]);
    execFileSync('ip', ['link', 'set', hostIf, 'up']);
    execFileSync('ip', ['netns', 'exec', namespace, 'ip', 'addr', 'add', `${address}/30`, 'dev', nsIf]);
    execFileSync('ip', ['netns', 'exec', namespace, 'ip', 'link', 'set', nsIf, 'up']);
    execFileSync('ip', ['netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up']);
    execFileSync('ip', ['netns', 'exec', namespace, 'ip', 'route', 'add', 'default', 'via', consoleSide]);
  }

  async function startSshd() {
    sshd = spawn(
      'ip',
      ['netns', 'exec', namespace, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', inHost('exec /usr/sbin/sshd -D -e -f /etc/ssh/sshd_config')],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    sshd.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-4000);
    });
    try {
      await waitForPort(address, 22, 10_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}: ${stderr}`);
    }
  }

  async function stopSshd() {
    const proc = sshd;
    sshd = null;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
      setTimeout(() => proc.kill('SIGKILL'), 3000);
    });
    // Session processes forked by sshd stay in the namespace; end them so the next sshd starts clean.
    for (const pid of sh('ip', ['netns', 'pids', namespace]).split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }

  prepareRoot();
  setUpNetwork();
  await startSshd();

  return {
    index,
    namespace,
    address,
    port: 22,
    user,
    password,
    root,
    exec,
    hostKeyFingerprint: () => sh('ssh-keygen', ['-l', '-f', join(root, 'etc/ssh/ssh_host_ed25519_key.pub')]).split(' ')[1]!,
    async regenerateHostKey() {
      await stopSshd();
      const key = join(root, 'etc/ssh/ssh_host_ed25519_key');
      rmSync(key, { force: true });
      rmSync(`${key}.pub`, { force: true });
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
      await startSshd();
    },
    async reset() {
      await stopSshd();
      try {
        execFileSync('ip', ['netns', 'exec', namespace, 'nft', 'flush', 'ruleset']);
      } catch {
        /* nothing to flush */
      }
      // Same machine identity and the console's login key survive; everything else starts fresh.
      const keep = ['etc/ssh/ssh_host_ed25519_key', 'etc/ssh/ssh_host_ed25519_key.pub', `home/${user}/.ssh/authorized_keys`];
      const saved = keep.map((f) => (existsSync(join(root, f)) ? readFileSync(join(root, f)) : null));
      prepareRoot();
      keep.forEach((f, i) => {
        const content = saved[i];
        if (!content) return;
        mkdirSync(dirname(join(root, f)), { recursive: true });
        writeFileSync(join(root, f), content, { mode: f.endsWith('_key') ? 0o600 : 0o644 });
      });
      const sshDir = join(root, 'home', user, '.ssh');
      if (existsSync(sshDir)) {
        execFileSync('chown', ['-R', `--reference=${join(root, 'home', user)}`, sshDir]);
        chmodSync(sshDir, 0o700);
      }
      await startSshd();
    },
    async stop() {
      await stopSshd();
      try {
        execFileSync('ip', ['netns', 'del', namespace]);
      } catch {
        /* gone */
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
