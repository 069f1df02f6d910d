// PocketSphinx as an AsrEngine, in two passes. The first replays pocketsphinx_continuous's file loop to find
// the utterances (its voice activity detection); the second decodes them, widened by a margin so a word the
// detector clipped at an edge is heard whole and neighbours joined into pieces of up to 28 s, each piece as one
// whole utterance with batch CMN (see
// pocketsphinx-cli.ts for why and what it measured). The default runtime is the Debian library loaded
// in-process (models load once per worker); where it cannot be loaded the Debian CLIs run the same two passes
// (pocketsphinx_continuous, then pocketsphinx_batch) on 16-bit WAV copies, with the same result.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TranscriptSection } from '../../contracts/result-document.js';
import { AgentError } from '../../errors.js';
import { encodeWavPcm16, toPcm16, type DecodedAudio } from '../../media/av/decode-audio.js';
import {
  findPocketsphinx,
  pocketsphinxDecoderArgs,
  pocketsphinxUtteranceDecoderArgs,
  runPocketsphinx,
  runPocketsphinxBatch,
  type PocketsphinxInstall,
  type PocketsphinxSettings,
  type PocketsphinxUtterance,
  type PocketsphinxWord,
} from '../../runtimes/pocketsphinx/pocketsphinx-cli.js';
import { loadPocketsphinxLibrary, PocketsphinxDecoder, toPocketsphinxUtterances, toUtteranceWords } from '../../runtimes/pocketsphinx/pocketsphinx-library.js';
import type { AsrEngine, EngineAvailability, TranscribeOptions } from './asr-engine.js';
import { analysisSettings } from '../../config.js';

export const POCKETSPHINX_MODEL = 'cmusphinx-en-us-5.2';

/** 'library': in-process decoder (falls back to the CLI when the library cannot load); 'cli': always the CLI. */
export type PocketsphinxRuntime = 'library' | 'cli';

/** How far the second pass widens each utterance the first found, so a word clipped at its edge is heard whole. */
export const UTTERANCE_MARGIN_SEC = 0.3;

export interface UtteranceSpan {
  start: number;
  end: number;
}

/**
 * Where the second pass decodes: each first-pass utterance from its first word's start to its last word's end,
 * widened by the margin but never past the midpoint to its neighbour, nor outside the file.
 */
export function utteranceSpans(utterances: PocketsphinxUtterance[], durationSec: number, marginSec = UTTERANCE_MARGIN_SEC): UtteranceSpan[] {
  const cores = utterances.filter((u) => u.words.length > 0).map((u) => ({ start: u.words[0].start, end: u.words.at(-1)!.end }));
  return cores.map((c, i) => {
    const low = i > 0 ? (cores[i - 1].end + c.start) / 2 : 0;
    const high = i < cores.length - 1 ? (c.end + cores[i + 1].start) / 2 : durationSec;
    return { start: Math.max(low, c.start - marginSec), end: Math.min(high, c.end + marginSec) };
  });
}

/** The second pass decodes neighbouring utterances together (more speech for batch CMN and the language model). */
export const MAX_PIECE_GAP_SEC = 1.5;
export const MAX_PIECE_SEC = 28;

/** Utterance spans joined into pieces: neighbours closer than MAX_PIECE_GAP_SEC, a piece never longer than MAX_PIECE_SEC. */
export function piecesOf(spans: UtteranceSpan[]): UtteranceSpan[] {
  const pieces: UtteranceSpan[] = [];
  for (const span of spans) {
    const last = pieces.at(-1);
    if (last && span.start - last.end <= MAX_PIECE_GAP_SEC && span.end - last.start <= MAX_PIECE_SEC) last.end = span.end;
    else pieces.push({ ...span });
  }
  return pieces;
}

/** The samples of a piece: whole samples, the same on both runtimes. */
function pieceSamples(audio: DecodedAudio, piece: UtteranceSpan): { samples: Float32Array; offsetSec: number } {
  const from = Math.max(0, Math.floor(piece.start * audio.sampleRate));
  const to = Math.min(audio.samples.length, Math.ceil(piece.end * audio.sampleRate));
  return { samples: audio.samples.subarray(from, to), offsetSec: from / audio.sampleRate };
}

const roundSeconds = (s: number): number => Math.round(s * 1000) / 1000;

/**
 * Second-pass words (times from their piece's start) placed in the file, one transcript segment per first-pass
 * utterance (a word goes to the utterance its middle falls in, or the nearest one), as subtitles want them.
 */
export function piecesToTranscript(spans: UtteranceSpan[], perPiece: { words: PocketsphinxWord[]; offsetSec: number }[]): TranscriptSection {
  const words = perPiece.flatMap(({ words: w, offsetSec }) => w.map((x) => ({ ...x, start: roundSeconds(offsetSec + x.start), end: roundSeconds(offsetSec + x.end) })));
  const bySpan: PocketsphinxWord[][] = spans.map(() => []);
  for (const w of words) {
    const middle = (w.start + w.end) / 2;
    let best = 0;
    for (let i = 1; i < spans.length; i++) {
      const distance = (s: UtteranceSpan) => (middle < s.start ? s.start - middle : middle > s.end ? middle - s.end : 0);
      if (distance(spans[i]) < distance(spans[best])) best = i;
    }
    bySpan[best]?.push(w);
  }
  const segments = bySpan.filter((g) => g.length > 0).map((g) => ({ start: g[0].start, end: g.at(-1)!.end, text: g.map((w) => w.word).join(' ') }));
  return {
    engine: 'pocketsphinx',
    model: POCKETSPHINX_MODEL,
    language: 'en',
    text: segments.map((s) => s.text).join(' '),
    segments,
    words,
  };
}

/** One loaded decoder per option set in this thread; the engine objects themselves are created per job. */
const decoders = new Map<string, PocketsphinxDecoder>();

/** Why the library loaded but its decoder could not be used (a sphinxbase build with another struct layout). */
const unusableLibrary = new Map<string, string>();

function sharedDecoder(install: PocketsphinxInstall, settings: PocketsphinxSettings, args: string[]): PocketsphinxDecoder {
  const key = [settings.sphinxbaseLib, settings.pocketsphinxLib, ...args].join('\0');
  let decoder = decoders.get(key);
  if (!decoder) {
    try {
      decoder = PocketsphinxDecoder.open(args, settings);
    } catch (err) {
      if (err instanceof AgentError && err.code === 'INTERNAL') unusableLibrary.set(libraryKey(settings), err.message);
      throw err;
    }
    decoders.set(key, decoder);
  }
  return decoder;
}

const libraryKey = (settings: PocketsphinxSettings) => `${settings.sphinxbaseLib}\0${settings.pocketsphinxLib}`;

/** Frees the loaded decoders (tests, benchmarks, a CLI run that is done). */
export async function releasePocketsphinxDecoders(): Promise<void> {
  const all = [...decoders.values()];
  decoders.clear();
  await Promise.all(all.map((d) => d.close()));
}

/** Which runtime a transcription will use here, and why the library is not used when it is not. */
export function pocketsphinxRuntimeInUse(
  requested: PocketsphinxRuntime = 'library',
  settings: PocketsphinxSettings = analysisSettings(),
): { runtime: PocketsphinxRuntime; reason?: string } {
  if (requested === 'cli') return { runtime: 'cli', reason: 'asked for' };
  const lib = loadPocketsphinxLibrary(settings);
  if (lib instanceof Error) return { runtime: 'cli', reason: lib.message };
  const unusable = unusableLibrary.get(libraryKey(settings));
  return unusable ? { runtime: 'cli', reason: unusable } : { runtime: 'library' };
}

/** MEDIAFLEET_POCKETSPHINX_RUNTIME=cli forces the CLI (e.g. to compare); otherwise the library when it loads. */
export function createPocketsphinxEngine(settings: PocketsphinxSettings = analysisSettings(), opts: { runtime?: PocketsphinxRuntime } = {}): AsrEngine {
  const requested: PocketsphinxRuntime = opts.runtime ?? settings.pocketsphinxRuntime;
  return {
    id: 'pocketsphinx',
    rank: 1,
    async availability(): Promise<EngineAvailability> {
      return findPocketsphinx(settings)
        ? { available: true, model: POCKETSPHINX_MODEL }
        : { available: false, reason: 'pocketsphinx_continuous or its en-us model is not installed (Debian: pocketsphinx, pocketsphinx-en-us)' };
    },
    async transcribe(audio: DecodedAudio, opts: TranscribeOptions = {}): Promise<TranscriptSection> {
      const install = findPocketsphinx(settings);
      if (!install) throw new AgentError('MODEL_MISSING', 'pocketsphinx is not installed (Debian: pocketsphinx, pocketsphinx-en-us)');
      opts.onProgress?.(0);
      let transcript: TranscriptSection | undefined;
      if (pocketsphinxRuntimeInUse(requested, settings).runtime === 'library') {
        try {
          transcript = await transcribeInProcess(install, audio, opts, settings);
        } catch (err) {
          // Only a library whose decoder cannot be set up falls back (remembered above); other errors stand.
          if (pocketsphinxRuntimeInUse(requested, settings).runtime === 'library') throw err;
        }
      }
      transcript ??= await transcribeWithCli(install, audio, opts);
      opts.onProgress?.(1);
      return transcript;
    },
  };
}

async function transcribeInProcess(install: PocketsphinxInstall, audio: DecodedAudio, opts: TranscribeOptions, settings: PocketsphinxSettings): Promise<TranscriptSection> {
  const finder = sharedDecoder(install, settings, pocketsphinxDecoderArgs(install));
  const raw = await finder.decode(toPcm16(audio.samples), { signal: opts.signal, onProgress: (p) => opts.onProgress?.(p / 2) });
  const spans = utteranceSpans(toPocketsphinxUtterances(raw, finder.framesPerSecond), audio.durationSec);
  const pieces = piecesOf(spans);
  const decoder = sharedDecoder(install, settings, pocketsphinxUtteranceDecoderArgs(install));
  const perPiece: { words: PocketsphinxWord[]; offsetSec: number }[] = [];
  for (const [i, piece] of pieces.entries()) {
    if (opts.signal?.aborted) throw new AgentError('CANCELED', 'transcription canceled');
    const { samples, offsetSec } = pieceSamples(audio, piece);
    perPiece.push({ words: toUtteranceWords(await decoder.decodeUtterance(toPcm16(samples)), decoder.framesPerSecond), offsetSec });
    opts.onProgress?.(0.5 + (0.5 * (i + 1)) / pieces.length);
    // Let progress, cancellation and other work through between pieces.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return piecesToTranscript(spans, perPiece);
}

/** The WAVs written are bit-exact for 16-bit sources, so the CLIs see the samples the agent decoded. */
async function transcribeWithCli(install: PocketsphinxInstall, audio: DecodedAudio, opts: TranscribeOptions): Promise<TranscriptSection> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mf-sphinx-'));
  try {
    const wav = path.join(dir, 'audio.wav');
    await writeFile(wav, encodeWavPcm16(audio.samples, audio.sampleRate));
    // The limit only catches a hung process, so it leaves room for a heavily shared host.
    const limits = { signal: opts.signal, timeoutMs: Math.max(300_000, audio.durationSec * 20_000) };
    const spans = utteranceSpans(await runPocketsphinx(install, wav, limits), audio.durationSec);
    opts.onProgress?.(0.5);
    if (spans.length === 0) return piecesToTranscript([], []);
    const pieces = piecesOf(spans).map((piece) => pieceSamples(audio, piece));
    const names = pieces.map((_, i) => `p${String(i).padStart(5, '0')}.wav`);
    await Promise.all(pieces.map((p, i) => writeFile(path.join(dir, names[i]), encodeWavPcm16(p.samples, audio.sampleRate))));
    const words = await runPocketsphinxBatch(install, dir, names, limits);
    return piecesToTranscript(spans, pieces.map((p, i) => ({ words: words[i], offsetSec: p.offsetSec })));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
