// Voice activity: where in the audio someone speaks, with Silero VAD on sherpa-onnx. The model file comes from
// the model manager (`silero-vad`); tests pass the file from ../shared/models explicitly.
import { AgentError } from '../../errors.js';
import { SPEECH_SAMPLE_RATE } from '../../media/av/decode-audio.js';
import { defaultModelManager, type ModelManager } from '../../models/model-manager.js';
import { loadSherpaOnnx } from '../../runtimes/sherpa/sherpa-onnx.js';

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

export async function detectSpeech(samples: Float32Array, opts: VadOptions = {}): Promise<SpeechSpan[]> {
  const model = await resolveVadModel(opts);
  const sherpa = loadSherpaOnnx();
  let vad;
  try {
    vad = new sherpa.Vad(
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
  } catch (err) {
    throw new AgentError('MODEL_MISSING', `cannot load the VAD model ${model}: ${(err as Error).message}`);
  }
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
