// Voice activity: where in the audio someone speaks, with Silero VAD on sherpa-onnx. The model file comes from
// the model manager (`silero-vad`); tests pass the file from ../shared/models explicitly.
import { AgentError } from '../../errors.js';
import { SPEECH_SAMPLE_RATE } from '../../media/av/decode-audio.js';
import { defaultModelManager, type ModelManager } from '../../models/model-manager.js';
import { loadSherpaOnnx, type SherpaVad, type SherpaVadConfig } from '../../runtimes/sherpa/sherpa-onnx.js';

export const VAD_MODEL_ID = 'silero-vad';

export interface SpeechSpan {
  start: number;
  end: number;
}

export interface VadOptions {
  /** Path of a Silero VAD ONNX file; default: the installed `silero-vad` model. */
  modelPath?: string;
  manager?: ModelManager;
  threshold?: number;
  minSilenceSec?: number;
  minSpeechSec?: number;
  maxSpeechSec?: number;
  signal?: AbortSignal;
}

/** Silero's window at 16 kHz; the model was trained on exactly this size. */
const WINDOW = 512;

export async function resolveVadModel(opts: Pick<VadOptions, 'modelPath' | 'manager'> = {}): Promise<string> {
  if (opts.modelPath) return opts.modelPath;
  const files = await (opts.manager ?? defaultModelManager()).resolveModelFiles(VAD_MODEL_ID);
  return files['silero_vad.onnx'];
}

/**
 * Loading the model costs ~100 ms, more than detecting speech in a minute of audio, so detectors are kept per
 * configuration and reset between files. The detection loop below is synchronous, so two calls never interleave.
 */
const detectors = new Map<string, SherpaVad>();

function detectorFor(config: SherpaVadConfig, bufferSec: number): SherpaVad {
  const key = JSON.stringify([config, bufferSec]);
  let vad = detectors.get(key);
  if (!vad) {
    try {
      vad = new (loadSherpaOnnx().Vad)(config, bufferSec);
    } catch (err) {
      throw new AgentError('MODEL_MISSING', `cannot load the VAD model ${config.sileroVad.model}: ${(err as Error).message}`);
    }
    detectors.set(key, vad);
  }
  vad.reset();
  return vad;
}

export async function detectSpeech(samples: Float32Array, opts: VadOptions = {}): Promise<SpeechSpan[]> {
  const model = await resolveVadModel(opts);
  const vad = detectorFor(
    {
      sileroVad: {
        model,
        threshold: opts.threshold ?? 0.5,
        minSilenceDuration: opts.minSilenceSec ?? 0.25,
        minSpeechDuration: opts.minSpeechSec ?? 0.25,
        windowSize: WINDOW,
        maxSpeechDuration: opts.maxSpeechSec ?? 20,
      },
      sampleRate: SPEECH_SAMPLE_RATE,
      numThreads: 1,
      debug: 0,
    },
    // Buffer must hold the longest segment the detector may emit before we pop it.
    (opts.maxSpeechSec ?? 20) + 10,
  );
  const spans: SpeechSpan[] = [];
  const drain = () => {
    while (!vad.isEmpty()) {
      const seg = vad.front(false);
      spans.push({ start: seg.start / SPEECH_SAMPLE_RATE, end: (seg.start + seg.samples.length) / SPEECH_SAMPLE_RATE });
      vad.pop();
    }
  };
  for (let i = 0; i < samples.length; i += WINDOW) {
    if (opts.signal?.aborted) throw new AgentError('CANCELED');
    vad.acceptWaveform(samples.subarray(i, i + WINDOW));
    drain();
  }
  vad.flush();
  drain();
  return spans;
}
