// Test harness: a fresh Debian 12 VPS on this machine, booted for real. Unlike simulated-vps.ts (an sshd in a
// network namespace sharing this machine's /usr), this host has a root filesystem of its own
// (make-debian-vps-rootfs.sh: debootstrap + what a cloud image boots with) and runs systemd as PID 1 under
// systemd-nspawn, in a network namespace with a veth to this machine and NAT to Debian's mirror. So
// provisioning meets what a rented server has: no Docker, nginx, nftables or certbot until apt installs them,
// services started and enabled by systemd, and a reboot that only keeps what was made persistent.
//
// The root filesystem lives on a tmpfs: Docker's layers inside it are gigabytes of small files, and unmounting
// takes no time where deleting them from disk took minutes.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive } from './process-alive.js';

const here = dirname(fileURLToPath(import.meta.url));
const cacheDir = process.env.MEDIAFLEET_CACHE_DIR ?? '/var/cache/mediafleet';
export const debianVpsRootfsTarball = join(cacheDir, 'debian12-vps-rootfs.tar');
const NS_PREFIX = 'mfdv';

export interface DebianVps {
  readonly index: number;
  readonly namespace: string;
  /** The VPS's address, reachable from this machine. */
  readonly address: string;
  /** This machine's end of the VPS's veth (where test services the VPS must reach listen). */
  readonly consoleSide: string;
  readonly port: number;
  /** A sudoer with a password, like the user a cloud provider hands out. */
  readonly user: string;
  readonly password: string;
  /** The VPS's `/` as this machine sees it (to put files on its disk as an operator's manual install would). */
  readonly root: string;
  /** Runs a shell command as root inside the booted VPS (all its namespaces), returns stdout; throws on failure. */
  exec(command: string): string;
  /** A clean shutdown of the whole VPS (systemd stops every service) and a fresh boot of the same disk. */
  reboot(): Promise<void>;
  stop(): Promise<void>;
}

const sh = (cmd: string, args: string[], input?: string) =>
  execFileSync(cmd, args, { input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }).toString();

export function debianVpsUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces and systemd-nspawn';
  for (const [bin, pkg] of [
    ['/usr/bin/systemd-nspawn', 'systemd-container'],
    ['/usr/sbin/debootstrap', 'debootstrap'],
    ['/usr/sbin/ip', 'iproute2'],
    ['/usr/sbin/nft', 'nftables'],
    ['/usr/bin/nsenter', 'util-linux'],
  ] as const) {
    if (!existsSync(bin)) return `${bin} missing (Debian package ${pkg})`;
  }
  return null;
}

/** Makes (once, cached) the root filesystem tarball; a few minutes the first time, from Debian's mirror. */
export function ensureDebianVpsRootfs(): string {
  sh(join(here, 'make-debian-vps-rootfs.sh'), [debianVpsRootfsTarball]);
  return debianVpsRootfsTarball;
}

/** The interface this machine reaches the outside through (Debian's mirror included). */
function egressInterface(): string {
  const route = sh('ip', ['route', 'show', 'default']);
  const dev = /\bdev (\S+)/.exec(route)?.[1];
  if (!dev) throw new Error(`no default route on this machine: ${route}`);
  return dev;
}

function waitForSsh(host: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const attempt = () =>
    new Promise<boolean>((resolve) => {
      const s = connect({ host, port: 22 });
      const t = setTimeout(() => {
        s.destroy();
        resolve(false);
      }, 1000);
      s.once('data', () => {
        clearTimeout(t);
        s.destroy();
        resolve(true);
      });
      s.once('error', () => {
        clearTimeout(t);
        resolve(false);
      });
    });
  return (async () => {
    while (!(await attempt())) {
      if (Date.now() > deadline) throw new Error(`sshd on ${host}:22 did not answer within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
}

/** Ends VPSs a crashed earlier run left behind: their processes, namespaces, NAT tables and disks. */
export function cleanupStaleDebianVps(): void {
  let list = '';
  try {
    list = sh('ip', ['netns', 'list']);
  } catch {
    /* no namespaces */
  }
  for (const ns of list.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith(NS_PREFIX))) {
    try {
      for (const pid of sh('ip', ['netns', 'pids', ns]).split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* gone */
    }
    const index = ns.slice(NS_PREFIX.length);
    try {
      execFileSync('pkill', ['-KILL', '-f', '--', `--machine=${NS_PREFIX}${index} `]);
    } catch {
      /* none */
    }
    try {
      execFileSync('ip', ['netns', 'del', ns]);
    } catch {
      /* gone */
    }
    try {
      execFileSync('nft', ['delete', 'table', 'ip', `${ns}_nat`]);
    } catch {
      /* gone */
    }
    try {
      execFileSync('umount', ['-l', `/var/tmp/mediafleet-debian-vps${index}`]);
    } catch {
      /* not mounted */
    }
  }
}

export async function startDebianVps(options: { index: number; user?: string; password?: string }): Promise<DebianVps> {
  const { index } = options;
  if (index < 0 || index > 60) throw new Error('index must be 0..60');
  const user = options.user ?? 'debian';
  const password = options.password ?? `pw-${index}-${Math.random().toString(36).slice(2)}`;
  const namespace = `${NS_PREFIX}${index}`;
  const hostIf = `${NS_PREFIX}h${index}`;
  const nsIf = `${NS_PREFIX}n${index}`;
  const consoleSide = `10.204.6.${index * 4 + 1}`;
  const address = `10.204.6.${index * 4 + 2}`;
  const disk = `/var/tmp/mediafleet-debian-vps${index}`;
  const root = join(disk, 'root');
  const bootLog = `${disk}.boot.log`;
  const tarball = ensureDebianVpsRootfs();

  // The disk: a tmpfs holding the unpacked root filesystem, set up like a first boot from a cloud image.
  mkdirSync(disk, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=12g,mode=0755', `mediafleet-debian-vps${index}`, disk]);
  mkdirSync(root);
  execFileSync('tar', ['-C', root, '--numeric-owner', '-xf', tarball]);
  writeFileSync(join(root, 'etc/hostname'), `vps${index}\n`);
  writeFileSync(join(root, 'etc/hosts'), `127.0.0.1 localhost\n127.0.1.1 vps${index}\n`);
  writeFileSync(join(root, 'etc/machine-id'), '');
  execFileSync('chroot', [root, 'ssh-keygen', '-A']);
  execFileSync('chroot', [root, 'useradd', '--create-home', '--shell', '/bin/bash', '--groups', 'sudo', user]);
  execFileSync('chroot', [root, 'chpasswd'], { input: `${user}:${password}\n` });
  // As cloud images set up their default user: sudo without a password.
  writeFileSync(join(root, 'etc/sudoers.d/90-cloud-users'), `${user} ALL=(ALL) NOPASSWD:ALL\n`, { mode: 0o440 });
  // The one thing that is not like a VM: nspawn mounts the cgroup v1 controllers read-only, so runc could not
  // make a container's cgroup. Made writable at boot, before anything that starts containers.
  writeFileSync(
    join(root, 'etc/systemd/system/vps-writable-cgroups.service'),
    [
      '[Unit]',
      'Description=Writable cgroup controllers (test VPS under systemd-nspawn)',
      'DefaultDependencies=no',
      'Before=sysinit.target',
      '[Service]',
      'Type=oneshot',
      "ExecStart=/bin/sh -c 'for c in /sys/fs/cgroup/*/; do mount -o remount,bind,rw $c; done'",
      '[Install]',
      'WantedBy=sysinit.target',
      '',
    ].join('\n'),
  );
  mkdirSync(join(root, 'etc/systemd/system/sysinit.target.wants'), { recursive: true });
  execFileSync('ln', ['-sf', '/etc/systemd/system/vps-writable-cgroups.service', join(root, 'etc/systemd/system/sysinit.target.wants/')]);

  execFileSync('ip', ['netns', 'add', namespace]);
  execFileSync('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
  execFileSync('ip', ['link', 'set', nsIf, 'netns', namespace]);
  execFileSync('ip', ['addr', 'add', `${consoleSide}/30`, 'dev', hostIf]);
  execFileSync('ip', ['link', 'set', hostIf, 'up']);
  for (const args of [
    ['addr', 'add', `${address}/30`, 'dev', nsIf],
    ['link', 'set', nsIf, 'up'],
    ['link', 'set', 'lo', 'up'],
    ['route', 'add', 'default', 'via', consoleSide],
  ]) {
    execFileSync('ip', ['netns', 'exec', namespace, 'ip', ...args]);
  }
  // NAT for this VPS only, in a table of its own, so apt reaches Debian's mirror as from a datacenter.
  writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
  sh('nft', ['-f', '-'], [
    `table ip ${namespace}_nat {`,
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat;',
    `    ip saddr ${address} oifname "${egressInterface()}" masquerade`,
    '  }',
    '}',
    '',
  ].join('\n'));

  let nspawn: ChildProcess | null = null;
  let leader = 0;

  async function boot(): Promise<void> {
    const log = openSync(bootLog, 'a');
    // All capabilities, as root on a real server has (Docker and nft need CAP_NET_ADMIN, which nspawn drops
    // by default when the network namespace is not its own). Not registered with machined: this machine's
    // init is not systemd.
    nspawn = spawn(
      'systemd-nspawn',
      [
        '--directory', root, '--boot', `--machine=${namespace}`, '--register=no', '--keep-unit', '--capability=all',
        `--network-namespace-path=/run/netns/${namespace}`, '--resolv-conf=copy-host', '--console=read-only',
        // runc gives each container a session keyring; nspawn's default system-call filter refuses keyctl.
        '--system-call-filter=@keyring',
      ],
      // Writable /sys and cgroup hierarchies, as on a server of its own: nspawn mounts them read-only by
      // default, and then runc inside cannot create a container's cgroup.
      { stdio: ['ignore', log, log], detached: true, env: { ...process.env, SYSTEMD_NSPAWN_API_VFS_WRITABLE: '1' } },
    );
    closeSync(log);
    const proc = nspawn;
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`systemd-nspawn exited (${proc.exitCode}): ${tail(bootLog)}`);
      const child = (() => {
        try {
          return Number(sh('pgrep', ['-P', String(proc.pid)]).split('\n')[0]);
        } catch {
          return 0;
        }
      })();
      if (child > 0) {
        let state = '';
        try {
          state = sh('nsenter', ['-t', String(child), '-a', 'systemctl', 'is-system-running']).trim();
        } catch (err) {
          state = String((err as { stdout?: Buffer }).stdout ?? '').trim();
        }
        if (state === 'running' || state === 'degraded') {
          leader = child;
          break;
        }
      }
      if (Date.now() > deadline) throw new Error(`the VPS did not finish booting within 90 s: ${tail(bootLog)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    await waitForSsh(address, 30_000);
  }

  async function shutdown(): Promise<void> {
    const proc = nspawn;
    nspawn = null;
    if (!proc || proc.exitCode !== null) return;
    // SIGTERM makes nspawn ask the container's systemd for a clean poweroff.
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.pid && isAlive(proc.pid) && proc.kill('SIGKILL'), 90_000);
    await exited;
    clearTimeout(timer);
  }

  const exec = (command: string) => {
    try {
      return sh('nsenter', ['-t', String(leader), '-a', '/bin/sh', '-c', command]);
    } catch (err) {
      const e = err as { stderr?: Buffer; stdout?: Buffer; status?: number };
      throw new Error(`in vps${index}: \`${command}\` exited ${e.status}: ${String(e.stderr ?? '')}${String(e.stdout ?? '')}`.slice(0, 4000));
    }
  };

  await boot();

  return {
    index,
    namespace,
    address,
    consoleSide,
    port: 22,
    user,
    password,
    root,
    exec,
    async reboot() {
      await shutdown();
      await boot();
    },
    async stop() {
      await shutdown();
      try {
        for (const pid of sh('ip', ['netns', 'pids', namespace]).split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
      for (const [cmd, args] of [
        ['ip', ['netns', 'del', namespace]],
        ['nft', ['delete', 'table', 'ip', `${namespace}_nat`]],
        ['umount', ['-l', disk]],
      ] as const) {
        try {
          execFileSync(cmd, [...args]);
        } catch {
          /* already gone */
        }
      }
    },
  };
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-3000);
  } catch {
    return '(no boot log)';
  }
}
