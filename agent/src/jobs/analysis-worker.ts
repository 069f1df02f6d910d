// Worker thread entry: loads the models once, then runs one job at a time with `analyzeFile`, so inference never
// blocks the HTTP event loop.
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { useAnalysisSettings } from '../config.js';
import { onDeviceFallback } from '../runtimes/gpu/current-devices.js';
import { AgentError, toErrorInfo, type ErrorCode } from '../errors.js';
import { loadAnalyzers, normaliseProgress } from './analyzer-port.js';
import { niceCurrentThread } from './thread-priority.js';
import type { FromWorker, ModelLoadFailure, ToWorker, WorkerInit } from './worker-protocol.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const send = (message: FromWorker): void => port.postMessage(message);
onDeviceFallback((analysis, reason) => send({ type: 'device-fallback', analysis, reason }));
const running = new Map<string, AbortController>();
useAnalysisSettings(init.settings);

// The worker runs below the HTTP thread (config.workerNice, default 19), so requests come first when both want
// the same core. bench:agent on the quiet 2-core machine (API p99 with 50 clients while the worker is busy):
// 30-50 ms in 5 runs at nice 19, 30-67 ms (6 of 8 runs over 50) at nice 10, 44-88 ms at nice 0; the worker kept
// 0.82-0.9 of a core during those runs and the API/loop ratio stayed at 0.92-0.97 either way.
if (init.nice > 0) niceCurrentThread(init.nice);

const analyzersReady = (async () => {
  // libvips (sharp) may run each image operation on one thread per core (sharp's default off glibc, or with
  // jemalloc; on glibc it is already 1). A worker is one job at a time next to the HTTP thread, and the models here
  // run single-threaded (tfjs wasm; onnxruntime with MEDIAFLEET_ONNX_THREADS=1), so one libvips thread keeps the
  // whole worker within one core wherever the agent runs.
  const imageThreads = init.settings.imageThreads;
  const { default: sharp } = await import('sharp');
  sharp.concurrency(imageThreads);
  (await import('../analyzers/ocr/ppocr-engine.js')).limitPpOcrImageThreads(imageThreads);
  return loadAnalyzers();
})();

/**
 * Loads the warm-up analyses' models one by one and reports each that failed. A model that is simply not installed
 * (MODEL_MISSING) is not a failure to load: that analysis is unavailable (as /v1/info says) and the others serve.
 */
async function warmUp(): Promise<ModelLoadFailure[]> {
  let analyzers;
  try {
    analyzers = await analyzersReady;
  } catch (err) {
    const { code, message } = toErrorInfo(err);
    return [{ analysis: 'all', code, message: `the analysis libraries failed to load: ${message}` }];
  }
  const failures: ModelLoadFailure[] = [];
  for (const analysis of init.warmUp) {
    try {
      await analyzers.warmUpModels([analysis]);
    } catch (err) {
      const { code, message } = toErrorInfo(err);
      if (code !== 'MODEL_MISSING') failures.push({ analysis, code, message });
    }
  }
  return failures;
}

void warmUp().then((failures) => send({ type: 'ready', failures }));

port.on('message', (message: ToWorker) => {
  if (message.type === 'describe-models') {
    // Asked here rather than in the main thread, so the HTTP process never loads the model libraries and
    // `loaded` reflects the worker that actually holds the models.
    void analyzersReady
      .then((a) => a.describeInstalledModels())
      .catch(() => [])
      .then((models) => send({ type: 'models', requestId: message.requestId, models }));
    return;
  }
  if (message.type === 'cancel') {
    running.get(message.jobId)?.abort(new AgentError(message.reason.code as ErrorCode, message.reason.message));
    return;
  }
  const controller = new AbortController();
  running.set(message.jobId, controller);
  void (async () => {
    try {
      const analyzers = await analyzersReady;
      const result = await analyzers.analyzeFile(message.inputPath, {
        analyses: message.options.analyses,
        ocrLang: message.options.ocrLang,
        asrEngine: message.options.asrEngine,
        thumbnailsDir: init.thumbnailsRoot ? path.join(init.thumbnailsRoot, message.jobId) : undefined,
        // Always: the queue stores every vector for face search, then drops it unless the client asked.
        includeEmbeddings: true,
        signal: controller.signal,
        onProgress: (p) => send({ type: 'progress', jobId: message.jobId, ...normaliseProgress(p) }),
        agent: init.agent,
      });
      send({ type: 'succeeded', jobId: message.jobId, result: { ...result, file: message.fileName } });
    } catch (err) {
      const reason = controller.signal.aborted ? controller.signal.reason : err;
      send({ type: 'failed', jobId: message.jobId, error: toErrorInfo(reason) });
    } finally {
      running.delete(message.jobId);
    }
  })();
});
