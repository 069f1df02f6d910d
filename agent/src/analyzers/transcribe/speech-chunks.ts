// Groups voice-activity spans into chunks for window-based engines (Whisper reads 30 s windows): silence between
// chunks is never sent to the model, which is where Whisper-class models invent text, and costs nothing.
export interface SpeechSpan {
  start: number;
  end: number;
}

export interface ChunkOptions {
  /** Spans closer than this are kept in one chunk (a pause inside a sentence). */
  maxGapSec?: number;
  /** A chunk never grows past this; Whisper's window is 30 s. */
  maxChunkSec?: number;
  /** Context kept around speech so word onsets are not clipped. */
  padSec?: number;
}

export function groupSpeechIntoChunks(spans: SpeechSpan[], durationSec: number, opts: ChunkOptions = {}): SpeechSpan[] {
  const maxGap = opts.maxGapSec ?? 1.5;
  const maxChunk = opts.maxChunkSec ?? 28;
  const pad = opts.padSec ?? 0.2;
  const chunks: SpeechSpan[] = [];
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    const start = Math.max(0, span.start - pad);
    const end = Math.min(durationSec, span.end + pad);
    const last = chunks.at(-1);
    if (last && start - last.end <= maxGap && end - last.start <= maxChunk) {
      last.end = Math.max(last.end, end);
      continue;
    }
    // A single span longer than the window is cut into window-sized pieces.
    for (let s = start; s < end; s += maxChunk) chunks.push({ start: s, end: Math.min(end, s + maxChunk) });
  }
  return chunks;
}
