// The whisper.cpp path end to end with the whisper.cpp test model (real format, untrained weights): the transcript
// is meaningless, so this asserts structure, timing fields and speed, never words.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultDocument } from '../../contracts/result-document.js';
import type { ModelManager } from '../../models/model-manager.js';
import { findPocketsphinx } from '../../runtimes/pocketsphinx/pocketsphinx-cli.js';
import { analyzeAudioVideo } from '../av/analyze-av.js';
import { agent, fixtures, managerWithModels, sharedModels } from '../../../../test-harness/agent/av-test-support.js';
import { chooseAsrEngine } from './choose-asr-engine.js';
import { releaseWhisperContexts } from './whisper-cpp-engine.js';

const testModel = 'whisper-for-tests-tiny.en';
const available = existsSync(path.join(sharedModels, 'for-tests-ggml-tiny.en.bin'));
let manager: ModelManager;

beforeAll(async () => {
  if (available) manager = await managerWithModels([testModel, 'silero-vad']);
});
afterAll(() => releaseWhisperContexts());

describe.skipIf(!available)('whisper.cpp engine (needs ../shared/models/for-tests-ggml-tiny.en.bin; skipped without it)', () => {
  it('is chosen by model id, and never automatically for the test model', async () => {
    expect((await chooseAsrEngine(testModel, manager)).id).toBe('whisper.cpp');
    if (findPocketsphinx()) expect((await chooseAsrEngine(undefined, manager)).id).toBe('pocketsphinx');
    await expect(chooseAsrEngine('whisper.cpp', manager)).rejects.toMatchObject({ code: 'MODEL_MISSING' });
  });

  it('transcribes jfk.wav through analyzeAudioVideo: a valid document with well-formed segments', async () => {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const doc = await analyzeAudioVideo(path.join(fixtures, 'audio/jfk.wav'), { mime: 'audio/wav', kind: 'audio' }, { agent, asrEngine: testModel, modelManager: manager });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    expect(ResultDocument.safeParse(doc).success).toBe(true);
    expect(doc.transcript).toMatchObject({ engine: 'whisper.cpp', model: testModel, language: 'en' });
    expect(typeof doc.transcript!.text).toBe('string');
    for (const s of doc.transcript!.segments) {
      expect(s.start).toBeGreaterThanOrEqual(0);
      expect(s.end).toBeGreaterThanOrEqual(s.start);
      expect(s.end).toBeLessThanOrEqual(11.1);
      expect(s.text.length).toBeGreaterThan(0);
    }
    expect(doc.models.transcribe).toBe(`whisper.cpp/${testModel}`);
    expect(doc.timings.transcribe).toBeGreaterThan(0);
    // 11 s of audio. CPU seconds (both decoder threads together), not wall time, so the shared host's load does
    // not decide the test; the untrained test model decodes to its token limit, so this is a ceiling, not a target.
    console.log(`whisper.cpp ${testModel}: ${(11 / seconds).toFixed(2)}x real time (wall), ${cpuSeconds.toFixed(1)} CPU s`);
    expect(cpuSeconds).toBeLessThan(90);
  }, 600_000);
});
