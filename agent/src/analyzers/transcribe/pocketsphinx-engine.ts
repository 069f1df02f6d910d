// PocketSphinx as an AsrEngine: the decoded 16 kHz audio is written once as 16-bit WAV (bit-exact for 16-bit
// sources) and given to the Debian CLI, so the agent adds no loss over running the tool by hand.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TranscriptSection } from '../../contracts/result-document.js';
import { AgentError } from '../../errors.js';
import { encodeWavPcm16, type DecodedAudio } from '../../media/av/decode-audio.js';
import { findPocketsphinx, runPocketsphinx, type PocketsphinxUtterance } from '../../runtimes/pocketsphinx/pocketsphinx-cli.js';
import type { AsrEngine, EngineAvailability, TranscribeOptions } from './asr-engine.js';

export const POCKETSPHINX_MODEL = 'cmusphinx-en-us-5.2';

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

export function createPocketsphinxEngine(env: NodeJS.ProcessEnv = process.env): AsrEngine {
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
      const dir = await mkdtemp(path.join(os.tmpdir(), 'mf-sphinx-'));
      try {
        const wav = path.join(dir, 'audio.wav');
        await writeFile(wav, encodeWavPcm16(audio.samples, audio.sampleRate));
        opts.onProgress?.(0);
        // The decoder runs near 2× real time on an idle core; the limit only catches a hung process, so it leaves
        // room for a heavily shared host.
        const utterances = await runPocketsphinx(install, wav, { signal: opts.signal, timeoutMs: Math.max(300_000, audio.durationSec * 20_000) });
        opts.onProgress?.(1);
        return utterancesToTranscript(utterances);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
