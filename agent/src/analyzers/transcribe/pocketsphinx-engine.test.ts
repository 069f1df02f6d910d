// PocketSphinx on real recordings: word error rate per file against the reference transcripts, next to the
// Debian CLI run by hand as a user would (`pocketsphinx_continuous -infile F`, default flags): the agent's path
// (ffmpeg decode → 16 kHz float → two passes in the in-process decoder) must be at least as good on every clip.
// And the agent's CLI fallback (the same two passes through pocketsphinx_continuous and pocketsphinx_batch)
// gives exactly what the in-process decoder gives, word times and confidences included.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeAudioForSpeech } from '../../media/av/decode-audio.js';
import { findPocketsphinx } from '../../runtimes/pocketsphinx/pocketsphinx-cli.js';
import { AgentError } from '../../errors.js';
import { createPocketsphinxEngine, pocketsphinxRuntimeInUse, releasePocketsphinxDecoders } from './pocketsphinx-engine.js';
import { toSrt, toVtt } from './subtitles.js';
import { wordErrorRate } from './word-error-rate.js';
import { analysisSettings } from '../../config.js';
import { fixture } from '../../../../test-harness/shared-folder.js';

const audioDir = fixture('audio');
const references = new Map(
  readFileSync(path.join(audioDir, 'transcripts.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('\t'))
    .map((l) => l.split('\t') as [string, string]),
);

/** The engine's own tool with its default flags, as a user runs it: the hypothesis lines joined. */
async function pocketsphinxByHand(file: string): Promise<string> {
  const { spawn } = await import('node:child_process');
  const child = spawn('pocketsphinx_continuous', ['-infile', file], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  await new Promise((resolve) => child.on('close', resolve));
  return out.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
}

/**
 * pocketsphinx_continuous 0.8 skips a fixed 44-byte WAV header. A file with extra chunks (jfk.wav has a 26-byte
 * LIST chunk) has those header bytes decoded as audio by the CLI, so the by-hand run is also made on the same
 * samples behind a canonical header (a byte copy of the data chunk, nothing resampled) and reported beside it.
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
  const engine = createPocketsphinxEngine(analysisSettings(), { runtime: 'library' });
  const cliEngine = createPocketsphinxEngine(analysisSettings(), { runtime: 'cli' });
  afterAll(releasePocketsphinxDecoders);
  const results: Record<string, { agent: number; cli: number; cliOnCanonicalHeader?: number; words: number; xRealtime: number }> = {};
  let jfkTranscript: Awaited<ReturnType<typeof engine.transcribe>> | undefined;

  it('uses the in-process library (libpocketsphinx3 comes with the pocketsphinx package)', () => {
    expect(pocketsphinxRuntimeInUse('library')).toEqual({ runtime: 'library' });
  });

  it('falls back to the CLI, with the same result, when the library cannot be loaded', async () => {
    const settings = { ...analysisSettings(), pocketsphinxLib: path.join(scratch, 'missing', 'libpocketsphinx.so.3') };
    const inUse = pocketsphinxRuntimeInUse('library', settings);
    expect(inUse.runtime).toBe('cli');
    expect(inUse.reason).toMatch(/cannot load .*missing\/libpocketsphinx\.so\.3/);
    const cards = await decodeAudioForSpeech(path.join(audioDir, 'cards-005.wav'), 'wav');
    const fallback = await createPocketsphinxEngine(settings).transcribe(cards);
    expect(fallback.words?.length).toBeGreaterThan(0);
    expect(fallback).toEqual(await engine.transcribe(cards));
  }, 600_000);

  it.each([...references.keys()])('%s: WER at least as good as pocketsphinx_continuous with its default flags; timings consistent', async (name) => {
    const file = path.join(audioDir, name);
    const audio = await decodeAudioForSpeech(file, 'wav');
    const canonical = withCanonicalHeader(file);
    const reference = references.get(name)!;
    const started = performance.now();
    // Two cores: the agent's run and the by-hand run side by side.
    const [transcript, byHand, byHandOnCanonical] = await Promise.all([
      engine.transcribe(audio).then((t) => ((results[name] = { agent: 0, cli: 0, words: 0, xRealtime: audio.durationSec / ((performance.now() - started) / 1000) }), t)),
      pocketsphinxByHand(file),
      canonical.extraHeaderBytes > 0 ? pocketsphinxByHand(canonical.file) : undefined,
    ]);
    const agentWer = wordErrorRate(reference, transcript.text);
    const cliWer = wordErrorRate(reference, byHand);
    results[name] = {
      ...results[name],
      agent: agentWer,
      cli: cliWer,
      words: reference.split(' ').length,
      ...(byHandOnCanonical !== undefined ? { cliOnCanonicalHeader: wordErrorRate(reference, byHandOnCanonical) } : {}),
    };
    if (name === 'jfk.wav') {
      jfkTranscript = transcript;
      // Word times are the file's: "country" ends at about 10.4 s (a pass that dropped pauses put it near 9 s).
      expect(transcript.words!.at(-1)!.end).toBeGreaterThan(10);
      expect(transcript.segments.length).toBeGreaterThan(1);
    }

    expect(agentWer, `agent: "${transcript.text}"; pocketsphinx_continuous: "${byHand}"`).toBeLessThanOrEqual(cliWer);
    expect(transcript).toMatchObject({ engine: 'pocketsphinx', language: 'en' });
    expect(transcript.segments.length).toBeGreaterThan(0);
    let last = 0;
    for (const s of transcript.segments) {
      expect(s.start).toBeGreaterThanOrEqual(last);
      expect(s.end).toBeGreaterThan(s.start);
      expect(s.end).toBeLessThanOrEqual(audio.durationSec + 0.05);
      last = s.end;
    }
    let lastWordEnd = 0;
    for (const w of transcript.words ?? []) {
      expect(w.end).toBeGreaterThanOrEqual(w.start);
      expect(w.start).toBeGreaterThanOrEqual(lastWordEnd - 0.001);
      expect(w.word).not.toMatch(/^<|\(\d+\)$/);
      lastWordEnd = w.end;
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

  it('over all clips, fewer words wrong than pocketsphinx_continuous with its defaults, and most words right', () => {
    const values = Object.values(results);
    expect(values.length).toBe(references.size);
    const pooled = (key: 'agent' | 'cli') => values.reduce((s, r) => s + r[key] * r.words, 0) / values.reduce((s, r) => s + r.words, 0);
    console.log(`pocketsphinx WER pooled: agent ${pooled('agent').toFixed(3)}, pocketsphinx_continuous ${pooled('cli').toFixed(3)}; per file ${JSON.stringify(results)}`);
    expect(pooled('agent')).toBeLessThan(pooled('cli'));
    expect(pooled('agent')).toBeLessThan(0.35);
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
