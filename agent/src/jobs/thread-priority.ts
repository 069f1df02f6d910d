// Lowers the scheduling priority of the calling thread (Linux: a thread is a task with its own nice value). The
// analysis worker calls this, so when a model and an HTTP request want the same core, the kernel runs the request
// first: the worker only loses time while the HTTP side actually has work.
import fs from 'node:fs';
import os from 'node:os';

/** The kernel's id of the calling thread (`/proc/thread-self` → `<pid>/task/<tid>`), or undefined off Linux. */
export function currentThreadId(): number | undefined {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** Sets the calling thread's nice value (0-19; raising it needs no privilege). Returns whether it was applied. */
export function niceCurrentThread(nice: number): boolean {
  const tid = currentThreadId();
  if (tid === undefined || !Number.isInteger(nice) || nice < 0 || nice > 19) return false;
  try {
    // libuv's setpriority(PRIO_PROCESS, id) acts on the one thread whose id this is.
    os.setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
