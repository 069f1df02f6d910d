// Test harness: a Docker engine that belongs to one simulated VPS (test-harness/console/simulated-vps.ts).
// dockerd runs inside the host's network and mount namespaces, so its socket is the host's own
// /run/docker.sock and its host-network containers listen on the host's loopback, exactly where the deploy
// code (dockerode over SSH, health checks through SSH forwards, nginx) looks for them. Same flags as
// docker-engine.ts: vfs, no bridge, no iptables. The test reaches the engine from outside through the socket
// file under the host's root directory. The data root is a tmpfs: vfs copies every layer for every container,
// and deleting gigabytes of copied node_modules from disk took minutes; unmounting takes no time.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { SimulatedVps } from './simulated-vps.js';
import { dockerdBinary, type TestDockerEngine } from './docker-engine.js';
import { isAlive } from './process-alive.js';

export async function startDockerEngineInVps(
  vps: SimulatedVps,
  opts: { insecureRegistries?: string[]; dataRoot?: string } = {},
): Promise<TestDockerEngine> {
  const dataRoot = opts.dataRoot ?? `/var/tmp/mediafleet-vps${vps.index}-dockerd`;
  const registries = (opts.insecureRegistries ?? []).map((r) => `--insecure-registry ${r} `).join('');
  if (!dockerdBinary) throw new Error('dockerd is not installed (Debian package docker.io)');
  const socketPath = join(vps.root, 'run/docker.sock');
  const pidFile = join(vps.root, 'run/docker.pid');
  const log = `${dataRoot}.log`;
  mkdirSync(dataRoot, { recursive: true });
  // Mounted before dockerd's namespace is made, so the engine's private copy of the mount tree has it.
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=10g,mode=0711', 'mediafleet-vps-docker', dataRoot]);
  // Backgrounded inside the host's namespaces; it keeps them alive after the launching shell exits.
  vps.exec(
    `${cgroupMountScript()} && nohup ${dockerdBinary} --data-root ${dataRoot} --exec-root /run/docker --pidfile /run/docker.pid ` +
      `--host unix:///run/docker.sock --storage-driver=vfs --iptables=false --ip-masq=false --bridge=none ${registries}` +
      `--containerd-namespace mediafleet-vps --containerd-plugins-namespace mediafleet-vps-plugins >${log} 2>&1 </dev/null &`,
  );
  const docker = new Docker({ socketPath });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if (existsSync(socketPath)) {
        await docker.ping();
        break;
      }
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`dockerd in ${vps.namespace} did not answer within 60 s: ${readLog(log)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    socketPath,
    docker,
    async stop() {
      for (const c of await docker.listContainers({ all: true }).catch(() => [])) {
        await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
      }
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (pid > 0) {
        process.kill(pid, 'SIGTERM');
        const until = Date.now() + 20_000;
        while (Date.now() < until && isAlive(pid)) await new Promise((r) => setTimeout(r, 200));
        if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      }
      // The engine's own mounts lived in the host's mount namespace, gone with it; the tmpfs goes here.
      execFileSync('umount', ['-l', dataRoot]);
      rmSync(dataRoot, { recursive: true, force: true });
      rmSync(log, { force: true });
    },
  };
}

/**
 * `ip netns exec` mounts a fresh /sys for the namespace, which hides this machine's cgroup mounts that dockerd
 * needs; mount the same hierarchies again (v1 controllers and/or the v2 tree) as this machine has them.
 */
function cgroupMountScript(): string {
  const lines = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' '));
  const cgroups = lines.filter(([, path, type]) => path?.startsWith('/sys/fs/cgroup') && (type === 'cgroup' || type === 'cgroup2'));
  const root = cgroups.find(([, path]) => path === '/sys/fs/cgroup');
  if (root) return 'mount -t cgroup2 none /sys/fs/cgroup';
  const cmds = ['mount -t tmpfs -o mode=755 cgroup-root /sys/fs/cgroup'];
  for (const [, path, type, opts] of cgroups) {
    const keep = (opts ?? '').split(',').filter((o) => !['rw', 'ro', 'relatime', 'nosuid', 'nodev', 'noexec'].includes(o));
    cmds.push(`mkdir -p ${path}`);
    cmds.push(type === 'cgroup2' ? `mount -t cgroup2 none ${path}` : `mount -t cgroup -o ${keep.join(',') || 'none'} cgroup ${path}`);
  }
  return cmds.join(' && ');
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(-2000);
  } catch {
    return '(no log)';
  }
}
