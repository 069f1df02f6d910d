// Test harness: a Docker engine for the fleet suites. Reuses one that already answers on the given socket;
// otherwise starts Debian's dockerd with its own data-root (a tmpfs), exec-root and socket, vfs storage and no bridge or
// iptables (the build machines allow nothing else), and stops it again in `stop()`. Also loads the stand-in
// for the production base image (debootstrap + host node, see make-node-base-image.sh), cached as a tarball.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Docker from 'dockerode';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
export const cacheDir = process.env.MEDIAFLEET_CACHE_DIR ?? '/var/cache/mediafleet';
export const dockerdBinary = ['/usr/sbin/dockerd', '/usr/bin/dockerd'].find((p) => existsSync(p));
/** Debian's docker CLI (BuildKit built in); a newer CLI elsewhere on PATH may lack the buildx plugin. */
export const dockerCliBinary = ['/usr/bin/docker'].find((p) => existsSync(p)) ?? 'docker';
export const canRunDocker = Boolean(dockerdBinary) && process.getuid?.() === 0;

export interface TestDockerEngine {
  socketPath: string;
  docker: Docker;
  stop(): Promise<void>;
}

async function answers(docker: Docker): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

export async function startTestDockerEngine(root = '/var/tmp/mediafleet-dockerd'): Promise<TestDockerEngine> {
  const socketPath = join(root, 'docker.sock');
  const existing = new Docker({ socketPath });
  if (existsSync(socketPath) && (await answers(existing))) {
    return { socketPath, docker: existing, stop: async () => {} };
  }
  if (!dockerdBinary) throw new Error('dockerd is not installed (Debian package docker.io)');
  mkdirSync(join(root, 'data'), { recursive: true });
  mkdirSync(join(root, 'exec'), { recursive: true });
  // vfs copies every layer for every container; on disk, deleting those gigabytes in stop() took minutes.
  await run('mount', ['-t', 'tmpfs', '-o', 'size=10g,mode=0711', 'mediafleet-dockerd', join(root, 'data')]);
  const log = openSync(join(root, 'dockerd.log'), 'a');
  const child: ChildProcess = spawn(
    dockerdBinary,
    [
      '--data-root', join(root, 'data'),
      '--exec-root', join(root, 'exec'),
      '--pidfile', join(root, 'dockerd.pid'),
      '--host', `unix://${socketPath}`,
      '--storage-driver=vfs',
      '--iptables=false',
      '--ip-masq=false',
      '--bridge=none',
      '--containerd-namespace', 'mediafleet-test',
      '--containerd-plugins-namespace', 'mediafleet-test-plugins',
    ],
    { stdio: ['ignore', log, log], detached: false },
  );
  const docker = new Docker({ socketPath });
  const deadline = Date.now() + 60_000;
  while (!(await answers(docker))) {
    if (child.exitCode !== null) {
      await run('umount', ['-l', join(root, 'data')]).catch(() => {});
      throw new Error(`dockerd exited (${child.exitCode}); see ${root}/dockerd.log`);
    }
    if (Date.now() > deadline) throw new Error(`dockerd did not answer within 60 s; see ${root}/dockerd.log`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    socketPath,
    docker,
    async stop() {
      // Containers first, so dockerd's shutdown does not wait on them; images and the data-root go with it.
      for (const c of await docker.listContainers({ all: true })) {
        await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
      }
      child.kill('SIGTERM');
      await new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          r();
        }, 20_000);
        child.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
      // dockerd leaves its default netns bind-mounted under exec-root; unmount before deleting.
      const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m?.startsWith(root));
      for (const m of mounts.reverse()) await run('umount', ['-l', m]).catch(() => {});
      try {
        rmSync(root, { recursive: true, force: true });
      } catch (err) {
        console.warn(`could not remove ${root}: ${(err as Error).message}`);
      }
    },
  };
}

/** Makes (once, cached) and imports the base image, tagged with the Dockerfile's FROM name. */
export async function importNodeBaseImage(docker: Docker, tag = 'node:20-bookworm-slim'): Promise<void> {
  const [repo, version] = tag.split(':');
  const have = await docker.listImages({ filters: { reference: [tag] } });
  if (have.length > 0) return;
  const tarball = join(cacheDir, 'node20-bookworm-base.tar');
  await run(resolve(here, 'make-node-base-image.sh'), [tarball], { maxBuffer: 16 * 1024 * 1024 });
  const stream = await docker.importImage(createReadStream(tarball), { repo, tag: version });
  await new Promise<void>((res, rej) => docker.modem.followProgress(stream, (err) => (err ? rej(err) : res())));
}
