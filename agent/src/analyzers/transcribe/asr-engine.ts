// The one interface every speech-to-text engine implements, so the analyzer, the CLI flag `--asr-engine` and the
// benchmark treat PocketSphinx and whisper.cpp alike.
import type { TranscriptSection } from '../../contracts/result-document.js';
import type { DecodedAudio } from '../../media/av/decode-audio.js';

export type EngineAvailability = { available: true; model: string } | { available: false; reason: string };

export interface TranscribeOptions {
  signal?: AbortSignal;
  /** 0..1 within this engine's run. */
  onProgress?: (progress: number) => void;
  /** BCP-47-ish language hint ('en'); engines that cannot switch language ignore it. */
  language?: string;
  /** Where voice activity detection found speech; window-based engines transcribe only these parts. */
  speech?: { start: number; end: number }[];
}

export interface AsrEngine {
  /** Stable name used by `--asr-engine` and in results: 'pocketsphinx', 'whisper.cpp'. */
  readonly id: string;
  /** Higher is better when choosing automatically; the fallback engine ranks lowest. */
  readonly rank: number;
  availability(): Promise<EngineAvailability>;
  transcribe(audio: DecodedAudio, opts?: TranscribeOptions): Promise<TranscriptSection>;
}
