// One agent per data directory: the SQLite queue's start-up recovery (taking back the previous run's jobs) and the
// sweep of leftover uploads are only right when no other agent is running on the same files. `<data>/agent.pid`
// names the process that holds it ("<pid> <hostname>:pidns-<namespace>"); a file left by a process that is gone (killed, crashed) is
// simply taken over.
//
// A process id only means something in its own PID namespace, and each container has its own (with host
// networking it even shares the host's name): during a health-gated upgrade the new container starts on the same
// /data volume while the old one still serves. A holder in another namespace cannot be checked, so the agent then starts without claiming to be alone (no recovery, no sweep: the old
// agent's running jobs come back when their lease ends).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DataDirLock {
  /** False when another agent in another PID namespace (container, host) may be running on the same data directory. */
  readonly alone: boolean;
  /** Who else holds it, when not alone ("pid 17 on 3f2a…"). */
  readonly sharedWith?: string;
  release(): void;
}

/** Where a process id means something: the host's name and, on Linux, the PID namespace (one per container). */
function processSpace(): string {
  try {
    const ns = /\[(\d+)\]/.exec(fs.readlinkSync('/proc/self/ns/pid'))?.[1];
    return ns ? `${os.hostname()}:pidns-${ns}` : os.hostname();
  } catch {
    return os.hostname();
  }
}

interface Holder {
  pid: number;
  host: string;
}

function readHolder(file: string): Holder | null {
  const [pidText, host] = fs.readFileSync(file, { encoding: 'utf8', flag: 'a+' }).trim().split(/\s+/);
  const pid = Number(pidText);
  // A file written before the process space was recorded names a process in this one.
  return pid > 0 ? { pid, host: host || processSpace() } : null;
}

/**
 * Takes the data directory, waiting up to `waitMs` for an agent here that is still stopping; throws when
 * another live process in this PID namespace holds it. The same process may take it again (an agent restarted in process;
 * PID 1 in a restarted container).
 */
export async function lockDataDir(dataDir: string, waitMs = 10_000): Promise<DataDirLock> {
  const file = path.join(dataDir, 'agent.pid');
  const me: Holder = { pid: process.pid, host: processSpace() };
  const until = Date.now() + waitMs;
  let sharedWith: string | undefined;
  for (;;) {
    const holder = readHolder(file);
    if (!holder || (holder.host === me.host && (holder.pid === me.pid || !alive(holder.pid)))) break;
    if (holder.host !== me.host) {
      sharedWith = `pid ${holder.pid} on ${holder.host}`;
      break;
    }
    if (Date.now() > until) throw new Error(`another agent (pid ${holder.pid}) is running on the data directory ${dataDir}; stop it first or give this one its own --data`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  fs.writeFileSync(file, `${me.pid} ${me.host}\n`);
  return {
    alone: sharedWith === undefined,
    sharedWith,
    release(): void {
      try {
        const holder = readHolder(file);
        if (holder?.pid === me.pid && holder.host === me.host) fs.rmSync(file, { force: true });
      } catch {
        // already gone
      }
    },
  };
}
