// On Linux the nice value is per thread: the worker's must change, the process's main thread must not.
import fs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { currentThreadId } from './thread-priority.js';

function niceOf(tid: number): number {
  const stat = fs.readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
  // Field 19 (nice) is the 17th after the command name's closing parenthesis.
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe.skipIf(os.platform() !== 'linux')('niceCurrentThread (skipped: per-thread nice values are Linux only)', () => {
  it('lowers the priority of the calling worker thread only', async () => {
    const mainNice = niceOf(process.pid);
    const moduleUrl = new URL('./thread-priority.ts', import.meta.url).href;
    // A .ts module in a worker needs tsx registered inside it (as the worker pool does for its entry).
    const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
    const source = `import { register } from ${JSON.stringify(tsxApi)}; register();
      import { parentPort } from 'node:worker_threads';
      const m = await import(${JSON.stringify(moduleUrl)});
      parentPort.postMessage({ ok: m.niceCurrentThread(7), tid: m.currentThreadId() });
      setTimeout(() => {}, 5000);`;
    const worker = new Worker(new URL('data:text/javascript,' + encodeURIComponent(source)));
    try {
      const { ok, tid } = await new Promise<{ ok: boolean; tid: number }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      expect(ok).toBe(true);
      expect(tid).not.toBe(currentThreadId());
      expect(niceOf(tid)).toBe(Math.max(7, mainNice));
      expect(niceOf(process.pid)).toBe(mainNice);
    } finally {
      await worker.terminate();
    }
  });
});
