// PocketSphinx as an AsrEngine. The default runtime is the Debian library loaded in-process (models load once
// per worker, then each file costs only its decoding); it replays pocketsphinx_continuous's file loop, so the
// result is the CLI's. Where the library cannot be loaded the Debian CLI itself runs on a 16-bit WAV copy.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TranscriptSection } from '../../contracts/result-document.js';
import { AgentError } from '../../errors.js';
import { encodeWavPcm16, toPcm16, type DecodedAudio } from '../../media/av/decode-audio.js';
import { findPocketsphinx, pocketsphinxDecoderArgs, runPocketsphinx, type PocketsphinxInstall, type PocketsphinxUtterance } from '../../runtimes/pocketsphinx/pocketsphinx-cli.js';
import { loadPocketsphinxLibrary, PocketsphinxDecoder, toPocketsphinxUtterances } from '../../runtimes/pocketsphinx/pocketsphinx-library.js';
import type { AsrEngine, EngineAvailability, TranscribeOptions } from './asr-engine.js';

export const POCKETSPHINX_MODEL = 'cmusphinx-en-us-5.2';

/** 'library': in-process decoder (falls back to the CLI when the library cannot load); 'cli': always the CLI. */
export type PocketsphinxRuntime = 'library' | 'cli';

export function utterancesToTranscript(utterances: PocketsphinxUtterance[]): TranscriptSection {
  const segments = utterances
    .filter((u) => u.words.length > 0)
    .map((u) => ({ start: u.words[0].start, end: u.words.at(-1)!.end, text: u.text }));
  return {
    engine: 'pocketsphinx',
    model: POCKETSPHINX_MODEL,
    language: 'en',
    text: segments.map((s) => s.text).join(' '),
    segments,
    words: utterances.flatMap((u) => u.words),
  };
}

/** One loaded decoder per option set in this thread; the engine objects themselves are created per job. */
const decoders = new Map<string, PocketsphinxDecoder>();

/** Why the library loaded but its decoder could not be used (a sphinxbase build with another struct layout). */
const unusableLibrary = new Map<string, string>();

function sharedDecoder(install: PocketsphinxInstall, env: NodeJS.ProcessEnv): PocketsphinxDecoder {
  const args = pocketsphinxDecoderArgs(install);
  const key = [env.MEDIAFLEET_SPHINXBASE_LIB, env.MEDIAFLEET_POCKETSPHINX_LIB, ...args].join('\0');
  let decoder = decoders.get(key);
  if (!decoder) {
    try {
      decoder = PocketsphinxDecoder.open(args, env);
    } catch (err) {
      if (err instanceof AgentError && err.code === 'INTERNAL') unusableLibrary.set(libraryKey(env), err.message);
      throw err;
    }
    decoders.set(key, decoder);
  }
  return decoder;
}

const libraryKey = (env: NodeJS.ProcessEnv) => `${env.MEDIAFLEET_SPHINXBASE_LIB}\0${env.MEDIAFLEET_POCKETSPHINX_LIB}`;

/** Frees the loaded decoders (tests, benchmarks, a CLI run that is done). */
export async function releasePocketsphinxDecoders(): Promise<void> {
  const all = [...decoders.values()];
  decoders.clear();
  await Promise.all(all.map((d) => d.close()));
}

/** Which runtime a transcription will use here, and why the library is not used when it is not. */
export function pocketsphinxRuntimeInUse(
  requested: PocketsphinxRuntime = 'library',
  env: NodeJS.ProcessEnv = process.env,
): { runtime: PocketsphinxRuntime; reason?: string } {
  if (requested === 'cli') return { runtime: 'cli', reason: 'asked for' };
  const lib = loadPocketsphinxLibrary(env);
  if (lib instanceof Error) return { runtime: 'cli', reason: lib.message };
  const unusable = unusableLibrary.get(libraryKey(env));
  return unusable ? { runtime: 'cli', reason: unusable } : { runtime: 'library' };
}

/** MEDIAFLEET_POCKETSPHINX_RUNTIME=cli forces the CLI (e.g. to compare); otherwise the library when it loads. */
export function createPocketsphinxEngine(env: NodeJS.ProcessEnv = process.env, opts: { runtime?: PocketsphinxRuntime } = {}): AsrEngine {
  const requested: PocketsphinxRuntime = opts.runtime ?? (env.MEDIAFLEET_POCKETSPHINX_RUNTIME === 'cli' ? 'cli' : 'library');
  return {
    id: 'pocketsphinx',
    rank: 1,
    async availability(): Promise<EngineAvailability> {
      return findPocketsphinx(env)
        ? { available: true, model: POCKETSPHINX_MODEL }
        : { available: false, reason: 'pocketsphinx_continuous or its en-us model is not installed (Debian: pocketsphinx, pocketsphinx-en-us)' };
    },
    async transcribe(audio: DecodedAudio, opts: TranscribeOptions = {}): Promise<TranscriptSection> {
      const install = findPocketsphinx(env);
      if (!install) throw new AgentError('MODEL_MISSING', 'pocketsphinx is not installed (Debian: pocketsphinx, pocketsphinx-en-us)');
      opts.onProgress?.(0);
      let utterances: PocketsphinxUtterance[] | undefined;
      if (pocketsphinxRuntimeInUse(requested, env).runtime === 'library') {
        try {
          utterances = await transcribeInProcess(install, audio, opts, env);
        } catch (err) {
          // Only a library whose decoder cannot be set up falls back (remembered above); other errors stand.
          if (pocketsphinxRuntimeInUse(requested, env).runtime === 'library') throw err;
        }
      }
      utterances ??= await transcribeWithCli(install, audio, opts);
      opts.onProgress?.(1);
      return utterancesToTranscript(utterances);
    },
  };
}

async function transcribeInProcess(install: PocketsphinxInstall, audio: DecodedAudio, opts: TranscribeOptions, env: NodeJS.ProcessEnv): Promise<PocketsphinxUtterance[]> {
  const decoder = sharedDecoder(install, env);
  const raw = await decoder.decode(toPcm16(audio.samples), { signal: opts.signal, onProgress: opts.onProgress });
  return toPocketsphinxUtterances(raw, decoder.framesPerSecond);
}

/** The WAV written is bit-exact for 16-bit sources, so the CLI sees the samples the agent decoded. */
async function transcribeWithCli(install: PocketsphinxInstall, audio: DecodedAudio, opts: TranscribeOptions): Promise<PocketsphinxUtterance[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mf-sphinx-'));
  try {
    const wav = path.join(dir, 'audio.wav');
    await writeFile(wav, encodeWavPcm16(audio.samples, audio.sampleRate));
    // The limit only catches a hung process, so it leaves room for a heavily shared host.
    return await runPocketsphinx(install, wav, { signal: opts.signal, timeoutMs: Math.max(300_000, audio.durationSec * 20_000) });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
