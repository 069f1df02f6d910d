// The sherpa-onnx-node native addon, loaded lazily (it is CommonJS and pulls a large shared library) and
// typed only as far as this project uses it.
import { createRequire } from 'node:module';

export interface SherpaSpeechSegment {
  /** Index of the first sample. */
  start: number;
  samples: Float32Array;
}

export interface SherpaVad {
  acceptWaveform(samples: Float32Array): void;
  isEmpty(): boolean;
  front(enableExternalBuffer?: boolean): SherpaSpeechSegment;
  pop(): void;
  flush(): void;
  reset(): void;
}

export interface SherpaVadConfig {
  sileroVad: {
    model: string;
    threshold: number;
    minSilenceDuration: number;
    minSpeechDuration: number;
    windowSize: number;
    maxSpeechDuration: number;
  };
  sampleRate: number;
  numThreads: number;
  provider?: string;
  debug: number;
}

export interface SherpaDiarizationSegment {
  start: number;
  end: number;
  speaker: number;
}

export interface SherpaOfflineSpeakerDiarization {
  sampleRate: number;
  process(samples: Float32Array): SherpaDiarizationSegment[];
}

export interface SherpaDiarizationConfig {
  segmentation: { pyannote: { model: string }; numThreads?: number; debug?: number };
  embedding: { model: string; numThreads?: number; debug?: number };
  clustering: { numClusters?: number; threshold?: number };
  minDurationOn?: number;
  minDurationOff?: number;
}

export interface SherpaOnnx {
  Vad: new (config: SherpaVadConfig, bufferSizeInSeconds: number) => SherpaVad;
  OfflineSpeakerDiarization: new (config: SherpaDiarizationConfig) => SherpaOfflineSpeakerDiarization;
}

let loaded: SherpaOnnx | undefined;

export function loadSherpaOnnx(): SherpaOnnx {
  loaded ??= createRequire(import.meta.url)('sherpa-onnx-node') as SherpaOnnx;
  return loaded;
}
