// A throwaway Debian nginx for tests: its own prefix, pid and temp dirs under a temp folder, loopback only,
// so several can run beside a system nginx. Used by the config check (`nginx -t`) and the fleet suites.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { quoteArgv } from '../../electron/core/fleet/ssh/index.js';

const run = promisify(execFile);
export const nginxBinary = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

export interface NginxInstance {
  prefix: string;
  mainConfPath: string;
  /** The site config (`include`d by the main config). */
  siteConfPath: string;
  test(): Promise<{ ok: boolean; output: string }>;
  start(): Promise<void>;
  reload(): Promise<void>;
  stop(): Promise<void>;
  /** Shell commands that do the same, for code that drives nginx through a CommandRunner. */
  commands: { test: string; reload: string };
}

export function createNginxInstance(siteConf: string): NginxInstance {
  if (!nginxBinary) throw new Error('nginx is not installed (Debian package nginx)');
  const bin = nginxBinary;
  const prefix = mkdtempSync(join(tmpdir(), 'mf-nginx-'));
  for (const d of ['logs', 'tmp', 'conf']) mkdirSync(join(prefix, d), { recursive: true });
  const siteConfPath = join(prefix, 'conf', 'site.conf');
  const mainConfPath = join(prefix, 'conf', 'nginx.conf');
  writeFileSync(siteConfPath, siteConf);
  writeFileSync(
    mainConfPath,
    [
      'worker_processes 1;',
      'daemon on;',
      `pid ${prefix}/nginx.pid;`,
      `error_log ${prefix}/logs/error.log warn;`,
      'events { worker_connections 128; }',
      'http {',
      `  access_log ${prefix}/logs/access.log;`,
      `  client_body_temp_path ${prefix}/tmp/body;`,
      `  proxy_temp_path ${prefix}/tmp/proxy;`,
      `  fastcgi_temp_path ${prefix}/tmp/fastcgi;`,
      `  uwsgi_temp_path ${prefix}/tmp/uwsgi;`,
      `  scgi_temp_path ${prefix}/tmp/scgi;`,
      `  include ${siteConfPath};`,
      '}',
      '',
    ].join('\n'),
  );
  const args = ['-p', prefix, '-e', `${prefix}/logs/error.log`, '-c', mainConfPath];
  return {
    prefix,
    mainConfPath,
    siteConfPath,
    commands: {
      test: quoteArgv([bin, ...args, '-t']),
      reload: quoteArgv([bin, ...args, '-s', 'reload']),
    },
    async test() {
      try {
        const r = await run(bin, [...args, '-t']);
        return { ok: true, output: r.stdout + r.stderr };
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string };
        return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
      }
    },
    async start() {
      await run(bin, args);
    },
    async reload() {
      const before = readPid(prefix);
      await run(bin, [...args, '-s', 'reload']);
      // The master answers reload asynchronously; give the new workers a moment to take the new config.
      await new Promise((r) => setTimeout(r, 300));
      if (before !== readPid(prefix)) throw new Error('nginx master changed during reload');
    },
    async stop() {
      try {
        execFileSync(bin, [...args, '-s', 'stop'], { stdio: 'ignore' });
      } catch {
        // not running
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

function readPid(prefix: string): string | undefined {
  try {
    return readFileSync(join(prefix, 'nginx.pid'), 'utf8').trim();
  } catch {
    return undefined;
  }
}
