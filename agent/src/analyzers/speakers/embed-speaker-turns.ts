// One speaker embedding per speech turn (sherpa-onnx SpeakerEmbeddingExtractor with the model manager's speaker
// embedding model), so a voice can be searched across a tenant's media the way a face is.
import type { DecodedAudio } from '../../media/av/decode-audio.js';
import { defaultModelManager, type ModelManager } from '../../models/model-manager.js';
import { loadSherpaOnnx } from '../../runtimes/sherpa/sherpa-onnx.js';

export const SPEAKER_EMBEDDING_MODEL_ID = 'speaker-embedding-3dspeaker-eres2net';

/** Turns shorter than this give embeddings too noisy to search by; they keep their label but get no vector. */
export const MIN_TURN_SECONDS = 0.5;

interface SherpaEmbeddingStream {
  acceptWaveform(wave: { samples: Float32Array; sampleRate: number }): void;
  inputFinished(): void;
}

interface SherpaSpeakerEmbeddingExtractor {
  dim: number;
  createStream(): SherpaEmbeddingStream;
  isReady(stream: SherpaEmbeddingStream): boolean;
  compute(stream: SherpaEmbeddingStream, enableExternalBuffer?: boolean): Float32Array;
}

type SherpaWithSpeakerEmbedding = {
  SpeakerEmbeddingExtractor: new (config: { model: string; numThreads?: number; debug?: number }) => SherpaSpeakerEmbeddingExtractor;
};

/** Computes one L2-normalised embedding per stretch of 16 kHz mono audio (undefined when it is too short). */
export interface SpeakerEmbedder {
  modelId: string;
  dim: number;
  embed(samples: Float32Array): number[] | undefined;
}

const embedders = new Map<string, SpeakerEmbedder>();

/** The embedder over the installed model (kept per model file: loading dominates short files); MODEL_MISSING when absent. */
export async function loadSpeakerEmbedder(manager: ModelManager = defaultModelManager(), modelId = SPEAKER_EMBEDDING_MODEL_ID): Promise<SpeakerEmbedder> {
  const file = Object.values(await manager.resolveModelFiles(modelId))[0];
  const cached = embedders.get(file);
  if (cached) return cached;
  const sherpa = loadSherpaOnnx() as unknown as SherpaWithSpeakerEmbedding;
  const extractor = new sherpa.SpeakerEmbeddingExtractor({ model: file, numThreads: 1, debug: 0 });
  const embedder: SpeakerEmbedder = {
    modelId,
    dim: extractor.dim,
    embed(samples) {
      const stream = extractor.createStream();
      stream.acceptWaveform({ samples, sampleRate: 16_000 });
      stream.inputFinished();
      // Too few frames for the model: the turn keeps its label but cannot be searched by voice.
      if (!extractor.isReady(stream)) return undefined;
      return normalise(extractor.compute(stream, false));
    },
  };
  embedders.set(file, embedder);
  return embedder;
}

export function normalise(vector: ArrayLike<number>): number[] {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i] * vector[i];
  norm = Math.sqrt(norm) || 1;
  return Array.from(vector, (v) => v / norm);
}

/** The samples of one turn (seconds) from 16 kHz audio, clamped to the recording. */
export function turnSamples(audio: DecodedAudio, start: number, end: number): Float32Array {
  const rate = 16_000;
  const from = Math.max(0, Math.floor(start * rate));
  const to = Math.min(audio.samples.length, Math.ceil(end * rate));
  return audio.samples.subarray(from, Math.max(from, to));
}

/** Embeddings for each turn long enough to embed (undefined for the others), in turn order. */
export function embedTurns(embedder: SpeakerEmbedder, audio: DecodedAudio, turns: { start: number; end: number }[]): (number[] | undefined)[] {
  return turns.map((t) => (t.end - t.start >= MIN_TURN_SECONDS ? embedder.embed(turnSamples(audio, t.start, t.end)) : undefined));
}
