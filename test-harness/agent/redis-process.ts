// A real Redis (Debian's redis-server) for the cluster tests and bench:cluster: its own process on a free
// loopback port, its own directory, append-only file on so that a restart (stop, then start again) keeps the
// queue as a server would.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './agent-process.js';

export const redisServerPath = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) =>
  fs.existsSync(p),
);

export interface TestRedis {
  url: string;
  port: number;
  /** Stops the server (SHUTDOWN: the append-only file is complete), keeping its directory. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  if (!redisServerPath) throw new Error('redis-server is not installed (Debian package redis-server)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediafleet-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--daemonize',
      'no',
      '--logfile',
      path.join(dir, 'redis.log'),
    ];
    const proc = spawn(redisServerPath!, args, { stdio: 'ignore' });
    child = proc;
    const until = Date.now() + 10_000;
    while (!(await answersPing(port))) {
      if (proc.exitCode !== null)
        throw new Error(
          `redis-server exited (${proc.exitCode}): ${fs.readFileSync(path.join(dir, 'redis.log'), 'utf8').slice(-500)}`,
        );
      if (Date.now() > until) throw new Error('redis-server did not answer PING in 10 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async (): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM'); // redis-server shuts down cleanly on SIGTERM, flushing the append-only file
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    close: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One PING over a raw socket (RESP), so this helper needs no client library. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
