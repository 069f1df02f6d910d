// PocketSphinx on real recordings: word error rate per file against the reference transcripts, and proof that
// the agent's path (ffmpeg decode → 16 kHz float → in-process decoder loaded once) gives exactly what the Debian
// CLI gives by hand, and what the agent's CLI fallback gives, word times and confidences included.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeAudioForSpeech } from '../../media/av/decode-audio.js';
import { findPocketsphinx, pocketsphinxTuningArgs } from '../../runtimes/pocketsphinx/pocketsphinx-cli.js';
import { AgentError } from '../../errors.js';
import { createPocketsphinxEngine, pocketsphinxRuntimeInUse, releasePocketsphinxDecoders } from './pocketsphinx-engine.js';
import { toSrt, toVtt } from './subtitles.js';
import { wordErrorRate } from './word-error-rate.js';

const audioDir = path.resolve('../shared/fixtures/audio');
const references = new Map(
  readFileSync(path.join(audioDir, 'transcripts.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('\t'))
    .map((l) => l.split('\t') as [string, string]),
);

/** The engine's own tool, run by hand with the agent's search settings: the hypothesis lines joined. */
async function pocketsphinxByHand(file: string): Promise<string> {
  const { spawn } = await import('node:child_process');
  const child = spawn('pocketsphinx_continuous', ['-infile', file, ...pocketsphinxTuningArgs], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  await new Promise((resolve) => child.on('close', resolve));
  return out.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
}

/**
 * pocketsphinx_continuous 0.8 skips a fixed 44-byte WAV header. A file with extra chunks (jfk.wav has a 26-byte
 * LIST chunk) would have those header bytes decoded as audio by the CLI, so the by-hand run gets the same samples
 * behind a canonical header: a byte copy of the data chunk, nothing resampled.
 */
const scratch = mkdtempSync(path.join(os.tmpdir(), 'mf-sphinx-test-'));
function withCanonicalHeader(file: string): { file: string; extraHeaderBytes: number } {
  const bytes = readFileSync(file);
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('latin1', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    if (id === 'data') {
      if (offset === 36) return { file, extraHeaderBytes: 0 };
      const copy = Buffer.concat([bytes.subarray(0, 36), bytes.subarray(offset)]);
      copy.writeUInt32LE(copy.length - 8, 4);
      const out = path.join(scratch, path.basename(file));
      writeFileSync(out, copy);
      return { file: out, extraHeaderBytes: offset - 36 };
    }
    offset += 8 + size + (size & 1);
  }
  throw new Error(`${file}: no data chunk`);
}

const installed = findPocketsphinx() !== undefined;

describe.skipIf(!installed)('PocketSphinx engine (needs Debian pocketsphinx + pocketsphinx-en-us; skipped without them)', () => {
  const engine = createPocketsphinxEngine(process.env, { runtime: 'library' });
  const cliEngine = createPocketsphinxEngine(process.env, { runtime: 'cli' });
  afterAll(releasePocketsphinxDecoders);
  const results: Record<string, { agent: number; cli: number; cliOnOriginal?: number; xRealtime: number }> = {};
  let jfkTranscript: Awaited<ReturnType<typeof engine.transcribe>> | undefined;

  it('uses the in-process library (libpocketsphinx3 comes with the pocketsphinx package)', () => {
    expect(pocketsphinxRuntimeInUse('library')).toEqual({ runtime: 'library' });
  });

  it('falls back to the CLI, with the same result, when the library cannot be loaded', async () => {
    const env = { ...process.env, MEDIAFLEET_POCKETSPHINX_LIB: path.join(scratch, 'missing', 'libpocketsphinx.so.3') };
    const inUse = pocketsphinxRuntimeInUse('library', env);
    expect(inUse.runtime).toBe('cli');
    expect(inUse.reason).toMatch(/cannot load .*missing\/libpocketsphinx\.so\.3/);
    const cards = await decodeAudioForSpeech(path.join(audioDir, 'cards-005.wav'), 'wav');
    const fallback = await createPocketsphinxEngine(env).transcribe(cards);
    expect(fallback.words?.length).toBeGreaterThan(0);
    expect(fallback).toEqual(await engine.transcribe(cards));
  }, 600_000);

  it.each([...references.keys()])('%s: WER equals the CLI run by hand, timings are consistent', async (name) => {
    const file = path.join(audioDir, name);
    const audio = await decodeAudioForSpeech(file, 'wav');
    const canonical = withCanonicalHeader(file);
    const reference = references.get(name)!;
    const started = performance.now();
    // Two cores: the agent's run and the by-hand run side by side.
    const [transcript, byHand, byHandOnOriginal] = await Promise.all([
      engine.transcribe(audio).then((t) => ((results[name] = { agent: 0, cli: 0, xRealtime: audio.durationSec / ((performance.now() - started) / 1000) }), t)),
      pocketsphinxByHand(canonical.file),
      canonical.extraHeaderBytes > 0 ? pocketsphinxByHand(file) : undefined,
    ]);
    const agentWer = wordErrorRate(reference, transcript.text);
    const cliWer = wordErrorRate(reference, byHand);
    results[name] = {
      ...results[name],
      agent: agentWer,
      cli: cliWer,
      ...(byHandOnOriginal !== undefined ? { cliOnOriginal: wordErrorRate(reference, byHandOnOriginal) } : {}),
    };
    if (name === 'jfk.wav') jfkTranscript = transcript;

    expect(agentWer).toBe(cliWer);
    expect(transcript).toMatchObject({ engine: 'pocketsphinx', language: 'en' });
    expect(transcript.segments.length).toBeGreaterThan(0);
    let last = 0;
    for (const s of transcript.segments) {
      expect(s.start).toBeGreaterThanOrEqual(last);
      expect(s.end).toBeGreaterThan(s.start);
      expect(s.end).toBeLessThanOrEqual(audio.durationSec + 0.05);
      last = s.end;
    }
    for (const w of transcript.words ?? []) {
      expect(w.end).toBeGreaterThanOrEqual(w.start);
      expect(w.word).not.toMatch(/^<|\(\d+\)$/);
    }
    expect(transcript.words?.map((w) => w.word).join(' ')).toBe(transcript.text);
    // The in-process decoder and the CLI fallback agree on everything: segments, word times, confidences.
    expect(transcript).toEqual(await cliEngine.transcribe(audio));
  }, 600_000);

  it('one loaded decoder gives each file the result of a fresh process, whatever came before', async () => {
    const jfk = await decodeAudioForSpeech(path.join(audioDir, 'jfk.wav'), 'wav');
    const cards = await decodeAudioForSpeech(path.join(audioDir, 'cards-005.wav'), 'wav');
    const first = await engine.transcribe(cards);
    await engine.transcribe(jfk);
    expect(await engine.transcribe(cards)).toEqual(first);
  }, 600_000);

  it('decoders in two worker threads at once (as in the job pool) give the same transcripts', async () => {
    const names = ['jfk.wav', 'librivox-0870.wav'];
    const engineUrl = new URL('./pocketsphinx-engine.ts', import.meta.url).href;
    const decodeUrl = new URL('../../media/av/decode-audio.ts', import.meta.url).href;
    // A .ts module in a worker needs tsx registered inside it (as the worker pool does for its entry).
    const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
    const inWorkers = await Promise.all(
      names.map((name) => {
        const source = `import { register } from ${JSON.stringify(tsxApi)}; register();
          import { parentPort } from 'node:worker_threads';
          const { createPocketsphinxEngine, pocketsphinxRuntimeInUse } = await import(${JSON.stringify(engineUrl)});
          const { decodeAudioForSpeech } = await import(${JSON.stringify(decodeUrl)});
          const audio = await decodeAudioForSpeech(${JSON.stringify(path.join(audioDir, name))}, 'wav');
          const transcript = await createPocketsphinxEngine().transcribe(audio);
          parentPort.postMessage({ runtime: pocketsphinxRuntimeInUse().runtime, transcript });`;
        const worker = new Worker(new URL('data:text/javascript,' + encodeURIComponent(source)));
        return new Promise<{ runtime: string; transcript: unknown }>((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
        }).finally(() => worker.terminate());
      }),
    );
    for (const [i, name] of names.entries()) {
      const audio = await decodeAudioForSpeech(path.join(audioDir, name), 'wav');
      expect(inWorkers[i].runtime).toBe('library');
      expect(inWorkers[i].transcript).toEqual(await engine.transcribe(audio));
    }
  }, 600_000);

  it('reports progress while decoding and lets timers run (the decoder yields to the event loop)', async () => {
    const jfk = await decodeAudioForSpeech(path.join(audioDir, 'jfk.wav'), 'wav');
    const progress: number[] = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      await engine.transcribe(jfk, { onProgress: (p) => progress.push(p) });
    } finally {
      clearInterval(timer);
    }
    expect(progress.some((p) => p > 0 && p < 1)).toBe(true);
    expect(progress).toEqual([...progress].sort((x, y) => x - y));
    expect(ticks).toBeGreaterThan(0);
  }, 600_000);

  it('cancels mid-file when the signal aborts during decoding', async () => {
    const jfk = await decodeAudioForSpeech(path.join(audioDir, 'jfk.wav'), 'wav');
    const controller = new AbortController();
    const error = await engine
      .transcribe(jfk, { signal: controller.signal, onProgress: (p) => p > 0 && p < 1 && controller.abort() })
      .catch((e: unknown) => e);
    expect((error as AgentError).code).toBe('CANCELED');
  }, 600_000);

  it('stops on an aborted signal with CANCELED and decodes normally afterwards', async () => {
    const cards = await decodeAudioForSpeech(path.join(audioDir, 'cards-001.wav'), 'wav');
    const expected = await engine.transcribe(cards);
    const error = await engine.transcribe(cards, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentError);
    expect((error as AgentError).code).toBe('CANCELED');
    expect(await engine.transcribe(cards)).toEqual(expected);
  }, 600_000);

  it('recognises most of the words overall (WER over all files below 50%)', () => {
    const values = Object.values(results);
    expect(values.length).toBe(references.size);
    const mean = values.reduce((s, r) => s + r.agent, 0) / values.length;
    console.log('pocketsphinx WER per file', JSON.stringify(results));
    expect(mean).toBeLessThan(0.5);
  });

  it('exports SRT and VTT with its timings', async () => {
    const transcript = jfkTranscript!;
    expect(transcript).toBeDefined();
    const srt = toSrt(transcript);
    const vtt = toVtt(transcript);
    expect(srt.split('\n')[0]).toBe('1');
    expect(srt).toMatch(/^\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}$/m);
    expect(vtt.startsWith('WEBVTT\n')).toBe(true);
    expect(vtt).toMatch(/^\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}$/m);
    expect(srt.match(/-->/g)).toHaveLength(transcript.segments.length);
  });
});
