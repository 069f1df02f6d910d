// Test harness: a private image registry (Debian `docker-registry`, the CNCF distribution registry) with
// htpasswd basic auth, so the registry deploy path (server pulls with credentials from the console's vault)
// runs against a real registry. Plain HTTP on a private address: the test engine lists it as insecure.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';

export const registryBinary = ['/usr/bin/docker-registry'].find((p) => existsSync(p));

export interface DockerRegistry {
  /** host:port, the prefix of image names in this registry. */
  address: string;
  stop(): Promise<void>;
}

function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

export async function startDockerRegistry(opts: { host: string; port: number; username: string; password: string }): Promise<DockerRegistry> {
  if (!registryBinary) throw new Error('docker-registry is not installed (Debian package docker-registry)');
  const dir = mkdtempSync(join(tmpdir(), 'mf-registry-'));
  writeFileSync(join(dir, 'htpasswd'), `${opts.username}:${bcrypt.hashSync(opts.password, 8)}\n`);
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      'http:',
      `  addr: ${opts.host}:${opts.port}`,
      'auth:',
      '  htpasswd:',
      '    realm: mediafleet-test',
      `    path: ${join(dir, 'htpasswd')}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(registryBinary, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-3000)));
  const address = `${opts.host}:${opts.port}`;
  const deadline = Date.now() + 20_000;
  // An unauthenticated /v2/ answers 401 once the registry serves.
  while ((await status(`http://${address}/v2/`)) !== 401) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`docker-registry did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    address,
    async stop() {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
