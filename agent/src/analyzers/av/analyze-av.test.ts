// Audio files end to end through analyzeAudioVideo with the real engines, and every kind of bad input.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResultDocument } from '../../contracts/result-document.js';
import { decodeAudioForSpeech, encodeWavPcm16, SPEECH_SAMPLE_RATE } from '../../media/av/decode-audio.js';
import type { ModelManager } from '../../models/model-manager.js';
import { findPocketsphinx } from '../../runtimes/pocketsphinx/pocketsphinx-cli.js';
import { analyzeAudioVideo } from './analyze-av.js';
import { agent, fixtures, makeMedia, managerWithModels, tempDir } from '../../../../test-harness/agent/av-test-support.js';

const wav = { mime: 'audio/wav', kind: 'audio' as const };
const jfk = path.join(fixtures, 'audio/jfk.wav');
const work = tempDir('mf-av-');
let manager: ModelManager;

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'no error',
    (err: { code?: string }) => err.code ?? String(err),
  );
}

beforeAll(async () => {
  manager = await managerWithModels(['silero-vad']);
});

describe.skipIf(!findPocketsphinx())('analyzeAudioVideo on audio (needs Debian pocketsphinx; skipped without it)', () => {
  it('transcribes jfk.wav with timestamps and a valid result document', async () => {
    const stages: string[] = [];
    const doc = await analyzeAudioVideo(jfk, wav, {
      agent,
      asrEngine: 'pocketsphinx',
      modelManager: manager,
      onProgress: (e) => stages.push(e.stage),
    });
    expect(ResultDocument.safeParse(doc).success).toBe(true);
    expect(doc.media).toMatchObject({ kind: 'audio', mime: 'audio/wav' });
    expect(doc.media.durationSec).toBeCloseTo(11, 0);
    expect(doc.transcript?.engine).toBe('pocketsphinx');
    expect(doc.transcript?.text).toMatch(/country/);
    expect(doc.transcript?.segments.length).toBeGreaterThan(1);
    expect(doc.transcript?.words?.length).toBeGreaterThan(5);
    expect(doc.models).toMatchObject({ transcribe: expect.stringMatching(/^pocketsphinx\//), vad: 'silero-vad' });
    expect(stages).toEqual(expect.arrayContaining(['probe', 'audio', 'transcribe', 'done']));
    expect(doc.timings.transcribe).toBeGreaterThan(0);
  }, 600_000);

  it('gives an empty transcript for silence, without running the engine', async () => {
    const silence = path.join(work, 'silence.wav');
    makeMedia(['-f', 'lavfi', '-i', 'anullsrc=r=44100:cl=stereo', '-t', '5', silence]);
    const doc = await analyzeAudioVideo(silence, wav, { agent, asrEngine: 'pocketsphinx', modelManager: manager });
    expect(doc.transcript).toMatchObject({ engine: 'pocketsphinx', text: '', segments: [] });
    expect(doc.models.vad).toBe('silero-vad');
    expect(doc.media.durationSec).toBeCloseTo(5, 1);
  });

  it('gives an empty transcript for a WAV with no samples', async () => {
    const empty = path.join(work, 'no-samples.wav');
    writeFileSync(empty, encodeWavPcm16(new Float32Array(0), SPEECH_SAMPLE_RATE));
    const doc = await analyzeAudioVideo(empty, wav, { agent, asrEngine: 'pocketsphinx', modelManager: manager });
    expect(doc.transcript).toMatchObject({ text: '', segments: [] });
  });

  it('reports speakers as skipped with MODEL_MISSING when the diarization models are absent', async () => {
    const doc = await analyzeAudioVideo(jfk, wav, { agent, analyses: ['speakers'], modelManager: manager });
    expect(doc.transcript).toBeUndefined();
    expect(doc.speakers).toBeUndefined();
    expect(doc.skipped).toEqual([expect.objectContaining({ analysis: 'speakers', code: 'MODEL_MISSING' })]);
  });
});

describe('analyzeAudioVideo refuses bad input with a clear code', () => {
  it('zero-byte file → EMPTY_FILE', async () => {
    const zero = path.join(work, 'zero.wav');
    writeFileSync(zero, '');
    expect(await codeOf(analyzeAudioVideo(zero, wav, { agent, modelManager: manager }))).toBe('EMPTY_FILE');
  });

  it('a container lying about its type (an MP4 presented as WAV) → CORRUPT_MEDIA', async () => {
    const mp4 = path.join(work, 'really-mp4.wav');
    makeMedia(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:a', 'aac', '-f', 'mp4', mp4]);
    expect(await codeOf(analyzeAudioVideo(mp4, wav, { agent, modelManager: manager }))).toBe('CORRUPT_MEDIA');
  });

  it('longer than the configured maximum → DURATION_LIMIT', async () => {
    expect(await codeOf(analyzeAudioVideo(jfk, wav, { agent, modelManager: manager, maxDurationSec: 5 }))).toBe('DURATION_LIMIT');
  });

  it('the decoder enforces the limit itself, whatever the header claims → DURATION_LIMIT', async () => {
    // probeMedia is bypassed here: this is the guard for headers that understate the length.
    expect(await codeOf(decodeAudioForSpeech(jfk, 'wav', { maxDurationSec: 5 }))).toBe('DURATION_LIMIT');
  });

  it('image analyses on audio → BAD_REQUEST; unknown ASR engine → BAD_REQUEST; absent model → MODEL_MISSING', async () => {
    expect(await codeOf(analyzeAudioVideo(jfk, wav, { agent, analyses: ['video'], modelManager: manager }))).toBe('BAD_REQUEST');
    expect(await codeOf(analyzeAudioVideo(jfk, wav, { agent, asrEngine: 'no-such-engine', modelManager: manager }))).toBe('BAD_REQUEST');
    expect(await codeOf(analyzeAudioVideo(jfk, wav, { agent, asrEngine: 'whisper-base.en', modelManager: manager }))).toBe('MODEL_MISSING');
  });

  it('a canceled job stops with CANCELED', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await codeOf(analyzeAudioVideo(jfk, wav, { agent, modelManager: manager, signal: controller.signal }))).toBe('CANCELED');
  });
});
