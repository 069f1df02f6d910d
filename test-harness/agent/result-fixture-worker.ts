// A REAL but trivial analysis worker (a STAND-IN for the models) for tests of what the agent keeps of a result —
// erasure, retention: it speaks the worker protocol and answers each job with the sections its uploaded JSON names,
// `{ "faces": [[...vector], …], "turns": [{ "speaker": "S1", "embedding": [...] }], "keyframes": 2 }`: faces with
// those embeddings, speaker turns with those voices, and a video timeline whose keyframe thumbnails it writes as
// real JPEG files where the agent serves them from. The queue, the indexes, the files and the API are under test.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import type { ResultDocument } from '../../agent/src/contracts/result-document.js';
import type { FromWorker, ToWorker, WorkerInit } from '../../agent/src/jobs/worker-protocol.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const send = (m: FromWorker): void => port.postMessage(m);

interface FixtureSpec {
  faces?: number[][];
  turns?: { speaker: string; embedding: number[] }[];
  keyframes?: number;
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'cancel') return;
  if (message.type === 'describe-models') return send({ type: 'models', requestId: message.requestId, models: [] });
  void (async () => {
    const bytes = fs.readFileSync(message.inputPath);
    const spec = JSON.parse(bytes.toString('utf8')) as FixtureSpec;
    const faces = (spec.faces ?? []).map((embedding, i) => ({ box: { x: i * 10, y: 0, width: 10, height: 10 }, score: 0.9, embedding }));
    const timeline: NonNullable<ResultDocument['timeline']> = [];
    if (spec.keyframes && init.thumbnailsRoot) {
      const dir = path.join(init.thumbnailsRoot, message.jobId);
      fs.mkdirSync(dir, { recursive: true });
      for (let i = 0; i < spec.keyframes; i++) {
        const thumbnail = `kf-${String(i).padStart(4, '0')}-${i * 1000}ms.jpg`;
        await sharp({ create: { width: 32, height: 18, channels: 3, background: { r: 40 * i, g: 80, b: 120 } } }).jpeg().toFile(path.join(dir, thumbnail));
        timeline.push({ t: i, thumbnail });
      }
    }
    const turns = spec.turns ?? [];
    const result: ResultDocument = {
      version: 1,
      file: message.fileName,
      media: { kind: spec.keyframes ? 'video' : 'image', mime: 'application/json', bytes: bytes.length, sha256: crypto.createHash('sha256').update(bytes).digest('hex') },
      ...(faces.length ? { faces } : {}),
      ...(timeline.length ? { timeline } : {}),
      ...(turns.length
        ? {
            speakers: {
              model: 'test-vectors',
              speakers: [...new Set(turns.map((t) => t.speaker))].sort(),
              turns: turns.map((t, i) => ({ start: i * 2, end: i * 2 + 1.5, speaker: t.speaker, embedding: t.embedding })),
            },
          }
        : {}),
      timings: {},
      agent: init.agent,
      models: {},
    };
    send({ type: 'succeeded', jobId: message.jobId, result });
  })();
});
send({ type: 'ready', failures: [] });
