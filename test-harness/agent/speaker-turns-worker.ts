// A REAL but trivial analysis worker for tests of speaker indexing through the job queue: it speaks the worker
// protocol and answers each job with a `speakers` section whose turns (labels and voice vectors) are read from the
// uploaded JSON file `{ "turns": [{ "speaker": "S1", "embedding": [...] }] }`. No model runs; the queue, the
// index and the API are what is under test.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { ResultDocument } from '../../agent/src/contracts/result-document.js';
import type { FromWorker, ToWorker, WorkerInit } from '../../agent/src/jobs/worker-protocol.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const send = (m: FromWorker): void => port.postMessage(m);

port.on('message', (message: ToWorker) => {
  if (message.type === 'cancel') return;
  if (message.type === 'describe-models') return send({ type: 'models', requestId: message.requestId, models: [] });
  const bytes = fs.readFileSync(message.inputPath);
  const { turns } = JSON.parse(bytes.toString('utf8')) as { turns: { speaker: string; embedding: number[] }[] };
  const result: ResultDocument = {
    version: 1,
    file: message.fileName,
    media: { kind: 'audio', mime: 'audio/wav', bytes: bytes.length, sha256: crypto.createHash('sha256').update(bytes).digest('hex') },
    speakers: {
      model: 'test-vectors',
      speakers: [...new Set(turns.map((t) => t.speaker))].sort(),
      // The vectors travel the way the real analyzer's do: on the turns, until the queue indexes them.
      turns: turns.map((t, i) => ({ start: i * 2, end: i * 2 + 1.5, speaker: t.speaker, embedding: t.embedding })) as NonNullable<ResultDocument['speakers']>['turns'],
    },
    timings: { speakers: 0 },
    agent: init.agent,
    models: { speakers: 'test-vectors' },
  };
  send({ type: 'succeeded', jobId: message.jobId, result });
});
send({ type: 'ready', failures: [] });
