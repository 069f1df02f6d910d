// A REAL but trivial worker for tests of the queue's own mechanics (auth, 429, 413, idempotency, cancel,
// timeout, worker crash): it speaks the same protocol as the analysis worker but runs a tiny script read from
// the uploaded file instead of models, so those tests take milliseconds and their timing is controlled.
//   "sleep <ms>"  sleeps, reporting progress, and stops at once when canceled
//   "hang <ms>"   blocks the thread (ignores cancel), so the pool must terminate the worker
//   "crash"       exits the worker thread mid-job
//   anything else returns at once
// Whatever runs, the result carries real media facts (bytes, sha256) of the file.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { ResultDocument } from '../../agent/src/contracts/result-document.js';
import type { FromWorker, ToWorker, WorkerInit } from '../../agent/src/jobs/worker-protocol.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const send = (m: FromWorker): void => port.postMessage(m);
const cancels = new Map<string, () => void>();

port.on('message', (message: ToWorker) => {
  if (message.type === 'cancel') return cancels.get(message.jobId)?.();
  if (message.type === 'describe-models') return send({ type: 'models', requestId: message.requestId, models: [] });
  void (async () => {
    const bytes = fs.readFileSync(message.inputPath);
    const script = bytes.toString('utf8', 0, Math.min(bytes.length, 100)).trim();
    const [verb, arg] = script.split(/\s+/);
    const ms = Number(arg ?? 0);
    if (verb === 'crash') process.exit(3);
    if (verb === 'hang') {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        /* busy: this thread cannot hear a cancel */
      }
    }
    if (verb === 'sleep') {
      const canceled = await new Promise<boolean>((resolve) => {
        const steps = 10;
        let step = 0;
        const timer = setInterval(() => {
          step++;
          send({ type: 'progress', jobId: message.jobId, stage: 'sleeping', progress: step / steps });
          if (step >= steps) {
            clearInterval(timer);
            resolve(false);
          }
        }, ms / steps);
        cancels.set(message.jobId, () => {
          clearInterval(timer);
          resolve(true);
        });
      });
      cancels.delete(message.jobId);
      if (canceled) return send({ type: 'failed', jobId: message.jobId, error: { code: 'CANCELED', message: 'canceled' } });
    }
    const result: ResultDocument = {
      version: 1,
      file: message.fileName,
      media: { kind: 'image', mime: 'text/plain', bytes: bytes.length, sha256: crypto.createHash('sha256').update(bytes).digest('hex') },
      timings: { decode: 0 },
      agent: init.agent,
      models: {},
    };
    send({ type: 'succeeded', jobId: message.jobId, result });
  })();
});
send({ type: 'ready', failures: [] });
