// Whisper-class transcription on whisper.cpp (@fugood/whisper.node, which also ships CUDA and Vulkan builds
// for rented GPUs). The model comes from the model manager; a context is loaded once per model file.
import type { TranscriptSection } from '../../contracts/result-document.js';
import { AgentError } from '../../errors.js';
import { toPcm16, type DecodedAudio } from '../../media/av/decode-audio.js';
import { defaultModelManager, type ModelManager } from '../../models/model-manager.js';
import type { ModelManifest } from '../../models/model-manifest.js';
import type { AsrEngine, EngineAvailability, TranscribeOptions } from './asr-engine.js';
import { groupSpeechIntoChunks } from './speech-chunks.js';
import { createRequire } from 'node:module';
import { currentDevicePlan, reportDeviceFallback } from '../../runtimes/gpu/current-devices.js';

interface WhisperContext {
  transcribeData(
    audio: ArrayBuffer,
    options: { language?: string; maxThreads?: number; onProgress?: (p: number) => void },
  ): { stop: () => Promise<void>; promise: Promise<{ result: string; language?: string; isAborted: boolean; segments: { text: string; t0: number; t1: number }[] }> };
  release(): Promise<void>;
}

const contexts = new Map<string, Promise<WhisperContext>>();

/**
 * whisper.node falls back to its CPU build by itself when the CUDA one does not load (a missing libcuda), and says
 * so only on the console: load the CUDA build first here, so a failure is known and reported with its reason.
 */
function loadableCudaBuild(): { ok: true } | { ok: false; reason: string } {
  try {
    createRequire(import.meta.url)('@fugood/node-whisper-linux-x64-cuda');
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `whisper.cpp's CUDA build did not load: ${(err as Error).message.split('\n')[0]}` };
  }
}

async function loadContext(modelPath: string): Promise<WhisperContext> {
  let ctx = contexts.get(modelPath);
  if (!ctx) {
    ctx = (async () => {
      // Imported by a runtime name: the package's published types point at a file it does not ship.
      const specifier = '@fugood/whisper.node';
      const { initWhisper } = (await import(specifier)) as {
        initWhisper: (o: { filePath: string; useGpu?: boolean }, variant?: 'cuda') => Promise<WhisperContext>;
      };
      const cuda = currentDevicePlan().transcribe.device === 'cuda' ? loadableCudaBuild() : null;
      if (cuda && !cuda.ok) reportDeviceFallback('transcribe', cuda.reason);
      if (cuda?.ok) {
        try {
          return await initWhisper({ filePath: modelPath, useGpu: true }, 'cuda');
        } catch (err) {
          reportDeviceFallback('transcribe', `whisper.cpp's CUDA build could not load the model: ${(err as Error).message}`);
        }
      }
      return initWhisper({ filePath: modelPath, useGpu: false });
    })();
    contexts.set(modelPath, ctx);
    ctx.catch(() => contexts.delete(modelPath));
  }
  return ctx;
}

/** Frees loaded whisper contexts (tests, shutdown). */
export async function releaseWhisperContexts(): Promise<void> {
  const all = [...contexts.values()];
  contexts.clear();
  await Promise.all(all.map(async (c) => (await c.catch(() => undefined))?.release()));
}

export interface WhisperEngineOptions {
  manager?: ModelManager;
  /** A specific model id (e.g. 'whisper-base.en' or the test model); default: the best installed one. */
  modelId?: string;
  threads?: number;
}

export function createWhisperCppEngine(opts: WhisperEngineOptions = {}): AsrEngine {
  const manager = () => opts.manager ?? defaultModelManager();

  async function pickModel(): Promise<ModelManifest | undefined> {
    if (opts.modelId) {
      const m = await manager().manifest(opts.modelId);
      return (await manager().status(m)).installed ? m : undefined;
    }
    return (await manager().installedFor('asr', 'whisper.cpp'))[0];
  }

  return {
    id: 'whisper.cpp',
    rank: 10,
    async availability(): Promise<EngineAvailability> {
      const m = await pickModel();
      if (m) return { available: true, model: m.id };
      return {
        available: false,
        reason: opts.modelId ? `model ${opts.modelId} is not installed` : 'no whisper.cpp model is installed (mediafleet-agent models pull whisper-base.en)',
      };
    },
    async transcribe(audio: DecodedAudio, topts: TranscribeOptions = {}): Promise<TranscriptSection> {
      const manifest = await pickModel();
      if (!manifest) throw new AgentError('MODEL_MISSING', opts.modelId ? `model ${opts.modelId} is not installed` : 'no whisper.cpp model is installed');
      const files = await manager().resolveModelFiles(manifest.id);
      const ctx = await loadContext(files[manifest.files[0].name]);
      if (audio.samples.length === 0) {
        return { engine: 'whisper.cpp', model: manifest.id, language: manifest.language ?? 'en', text: '', segments: [] };
      }
      const language = manifest.language === 'multi' ? (topts.language ?? 'auto') : (manifest.language ?? 'en');
      // With voice activity known, only speech goes to the model; otherwise the whole file in one call.
      const chunks = topts.speech && topts.speech.length > 0 ? groupSpeechIntoChunks(topts.speech, audio.durationSec) : [{ start: 0, end: audio.durationSec }];
      const segments: TranscriptSection['segments'] = [];
      let detected: string | undefined;
      for (const [i, chunk] of chunks.entries()) {
        if (topts.signal?.aborted) throw new AgentError('CANCELED');
        const from = Math.floor(chunk.start * audio.sampleRate);
        const to = Math.min(audio.samples.length, Math.ceil(chunk.end * audio.sampleRate));
        const pcm = toPcm16(audio.samples.subarray(from, to));
        const job = ctx.transcribeData(pcm.buffer as ArrayBuffer, {
          language,
          maxThreads: opts.threads ?? 2,
          onProgress: (p) => topts.onProgress?.((i + p / 100) / chunks.length),
        });
        const onAbort = () => void job.stop();
        topts.signal?.addEventListener('abort', onAbort, { once: true });
        try {
          const result = await job.promise;
          if (result.isAborted || topts.signal?.aborted) throw new AgentError('CANCELED');
          detected ??= result.language;
          const offset = from / audio.sampleRate;
          for (const s of result.segments) {
            const text = s.text.trim();
            if (text.length > 0) segments.push({ start: offset + s.t0 / 1000, end: offset + s.t1 / 1000, text });
          }
        } finally {
          topts.signal?.removeEventListener('abort', onAbort);
        }
      }
      return {
        engine: 'whisper.cpp',
        model: manifest.id,
        language: detected ?? language,
        text: segments.map((s) => s.text).join(' '),
        segments,
      };
    },
  };
}
