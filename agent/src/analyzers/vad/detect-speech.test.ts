// Silero VAD on a real recording and on silence made here.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeAudioForSpeech, SPEECH_SAMPLE_RATE } from '../../media/av/decode-audio.js';
import { detectSpeech } from './detect-speech.js';
import { fixture, sharedModel } from '../../../../test-harness/shared-folder.js';

const model = sharedModel('silero_vad.onnx');
const jfk = fixture('audio', 'jfk.wav');

describe.skipIf(!existsSync(model))('Silero VAD (needs ../shared/models/silero_vad.onnx; skipped without it)', () => {
  it('finds the speech in jfk.wav and nothing in the pauses', async () => {
    const audio = await decodeAudioForSpeech(jfk, 'wav');
    const cpuBefore = process.cpuUsage();
    const spans = await detectSpeech(audio.samples, { modelPath: model });
    const cpu = process.cpuUsage(cpuBefore);
    // CPU time, not wall time: the shared build machine's load must not decide this test.
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    // jfk.wav: four phrases separated by pauses, speech from ~0.3 s to ~10.6 s of 11 s.
    expect(spans.length).toBeGreaterThanOrEqual(3);
    const speech = spans.reduce((s, x) => s + x.end - x.start, 0);
    expect(speech).toBeGreaterThan(6);
    expect(speech).toBeLessThan(audio.durationSec);
    expect(spans[0].start).toBeLessThan(1);
    expect(spans.at(-1)!.end).toBeGreaterThan(9.5);
    for (const s of spans) expect(s.end).toBeGreaterThan(s.start);
    // Target ≥100× real time (measured ~350× on an idle 2-core machine); includes loading the model.
    expect(audio.durationSec / cpuSeconds).toBeGreaterThan(20);
  });

  it('finds no speech in silence or in low noise', async () => {
    const silence = new Float32Array(SPEECH_SAMPLE_RATE * 10);
    expect(await detectSpeech(silence, { modelPath: model })).toEqual([]);
    const hiss = new Float32Array(SPEECH_SAMPLE_RATE * 10).map(() => (Math.random() - 0.5) * 0.002);
    expect(await detectSpeech(hiss, { modelPath: model })).toEqual([]);
  });

  it('reports MODEL_MISSING when the model is not installed', async () => {
    const { ModelManager } = await import('../../models/model-manager.js');
    const { defaultManifestsDir } = await import('../../models/model-manifest.js');
    const manager = new ModelManager({ manifestsDir: defaultManifestsDir({}), cacheDir: '/nonexistent/mediafleet-cache' });
    await expect(detectSpeech(new Float32Array(16000), { manager })).rejects.toMatchObject({ code: 'MODEL_MISSING' });
  });
});

describe.skipIf(!existsSync(model))('Silero VAD reuse (needs ../shared/models/silero_vad.onnx; skipped without it)', () => {
  it('gives the same spans when the cached detector is reused across files', async () => {
    const audio = await decodeAudioForSpeech(jfk, 'wav');
    const first = await detectSpeech(audio.samples, { modelPath: model });
    await detectSpeech(new Float32Array(SPEECH_SAMPLE_RATE * 3), { modelPath: model });
    expect(await detectSpeech(audio.samples, { modelPath: model })).toEqual(first);
  });
});
