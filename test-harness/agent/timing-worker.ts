// A stand-in worker (a timing worker): it speaks the analysis worker's protocol but, instead of running models,
// takes a fixed time per job (MEDIAFLEET_TIMING_MS, default 100) and returns a result document with the file's
// real facts (bytes, sha256); an empty file fails with EMPTY_FILE as it would on the real agent. It measures what is around the models — the queue, HTTP, the console's dispatcher —
// never the models themselves. Cancel stops it at once.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { ResultDocument } from '../../agent/src/contracts/result-document.js';
import type { FromWorker, ToWorker, WorkerInit } from '../../agent/src/jobs/worker-protocol.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const send = (m: FromWorker): void => port.postMessage(m);
const jobMs = Number(process.env.MEDIAFLEET_TIMING_MS ?? 100);
const cancels = new Map<string, () => void>();

port.on('message', (message: ToWorker) => {
  if (message.type === 'cancel') return cancels.get(message.jobId)?.();
  if (message.type === 'describe-models') return send({ type: 'models', requestId: message.requestId, models: [] });
  void (async () => {
    const canceled = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), jobMs);
      cancels.set(message.jobId, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    cancels.delete(message.jobId);
    if (canceled) return send({ type: 'failed', jobId: message.jobId, error: { code: 'CANCELED', message: 'canceled' } });
    const bytes = fs.readFileSync(message.inputPath);
    // As the real agent does: an empty file is the file's own failure, whatever the models.
    if (bytes.length === 0) return send({ type: 'failed', jobId: message.jobId, error: { code: 'EMPTY_FILE', message: 'the file is empty' } });
    const result: ResultDocument = {
      version: 1,
      file: message.fileName,
      media: { kind: 'image', mime: 'application/octet-stream', bytes: bytes.length, sha256: crypto.createHash('sha256').update(bytes).digest('hex') },
      timings: { timing_worker: jobMs },
      agent: init.agent,
      models: {},
    };
    send({ type: 'succeeded', jobId: message.jobId, result });
  })();
});
send({ type: 'ready', failures: [] });
