// Video files end to end with the real image models on real keyframes: vtest.avi (pedestrians, no audio track),
// Megamind.avi (animation with an AC-3 soundtrack), the truncated AVI, and a video made here without audio.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResultDocument } from '../../contracts/result-document.js';
import type { ModelManager } from '../../models/model-manager.js';
import { findPocketsphinx } from '../../runtimes/pocketsphinx/pocketsphinx-cli.js';
import { keyframeFaceCropName } from '../../faces-search/face-crops.js';
import { analyzeAudioVideo } from './analyze-av.js';
import { agent, fixtures, makeMedia, managerWithModels, tempDir } from '../../../../test-harness/agent/av-test-support.js';

const avi = { mime: 'video/vnd.avi', kind: 'video' as const };
const work = tempDir('mf-video-');
let manager: ModelManager;

beforeAll(async () => {
  manager = await managerWithModels(['silero-vad']);
});

describe('analyzeAudioVideo on video', () => {
  it('vtest.avi: a timeline with at least 3 persons at some time, thumbnails, per-stage progress', async () => {
    const thumbnailsDir = path.join(work, 'vtest-thumbs');
    const events: { stage: string; progress: number }[] = [];
    const started = performance.now();
    const doc = await analyzeAudioVideo(path.join(fixtures, 'video/vtest.avi'), avi, {
      agent,
      analyses: ['transcribe', 'faces', 'pose', 'nsfw'],
      modelManager: manager,
      thumbnailsDir,
      // ~80 s of video: a keyframe every 4 s (20 at most) keeps the test short; pedestrians are small and
      // partly hidden, so the body detector finds three or more of them in some frames, not in every one.
      keyframes: { intervalSec: 4, maxFps: 1 / 4, maxFrames: 20 },
      onProgress: (e) => events.push(e),
    });
    const seconds = (performance.now() - started) / 1000;
    expect(ResultDocument.safeParse(doc).success).toBe(true);
    expect(doc.media).toMatchObject({ kind: 'video', width: 768, height: 576 });
    expect(doc.media.durationSec).toBeCloseTo(79.5, 0);

    const timeline = doc.timeline!;
    expect(timeline.length).toBeGreaterThanOrEqual(18);
    expect(timeline.length).toBeLessThanOrEqual(20);
    for (const [i, entry] of timeline.entries()) {
      if (i > 0) expect(entry.t).toBeGreaterThanOrEqual(timeline[i - 1].t + 4 - 0.2);
      expect(entry.t).toBeLessThan(79.5);
      expect(entry.pose).toBeDefined();
      expect(entry.nsfw?.verdict).toBe('safe');
      expect(existsSync(path.join(thumbnailsDir, entry.thumbnail!))).toBe(true);
      for (const face of entry.faces ?? []) expect(face.embedding).toBeUndefined();
    }
    const persons = timeline.map((e) => Math.max(e.faces?.length ?? 0, e.pose?.length ?? 0));
    expect(Math.max(...persons)).toBeGreaterThanOrEqual(3);
    expect(doc.summary).toMatchObject({ maxPersons: Math.max(...persons), worstVerdict: 'safe' });

    // No audio track: an empty transcript, not an error.
    expect(doc.transcript?.segments).toEqual([]);

    const stages = new Set(events.map((e) => e.stage));
    for (const stage of ['probe', 'frames', 'done']) expect(stages.has(stage), stage).toBe(true);
    // Each analysis of each keyframe says which keyframe of how many, in order, with progress that only grows.
    const n = timeline.length;
    const keyframeEvents = events.filter((e) => e.stage.startsWith('keyframe '));
    expect(keyframeEvents[0]?.stage).toBe(`keyframe 1 of ${n}: faces`);
    expect(keyframeEvents.at(-1)?.stage).toBe(`keyframe ${n} of ${n}: nsfw`);
    expect(new Set(keyframeEvents.map((e) => e.stage)).size).toBe(n * 3);
    for (const [i, e] of keyframeEvents.entries()) if (i > 0) expect(e.progress).toBeGreaterThanOrEqual(keyframeEvents[i - 1]!.progress);
    expect(events.at(-1)).toMatchObject({ stage: 'done', progress: 1 });
    // The face index keeps a picture of each face seen on a keyframe.
    for (const [i, entry] of timeline.entries()) {
      for (const [f] of (entry.faces ?? []).entries()) expect(existsSync(path.join(thumbnailsDir, keyframeFaceCropName(i, f))), `face ${f} of keyframe ${i}`).toBe(true);
    }
    console.log(`vtest.avi: ${timeline.length} keyframes in ${seconds.toFixed(1)} s, max persons ${doc.summary?.maxPersons}`);
  }, 600_000);

  it.skipIf(!findPocketsphinx())('Megamind.avi completes with every analysis and its soundtrack transcribed (needs Debian pocketsphinx; skipped without it)', async () => {
    const doc = await analyzeAudioVideo(path.join(fixtures, 'video/Megamind.avi'), avi, {
      agent,
      asrEngine: 'pocketsphinx',
      modelManager: manager,
      keyframes: { maxFrames: 4, intervalSec: 3, maxFps: 1 / 3 },
    });
    expect(ResultDocument.safeParse(doc).success).toBe(true);
    expect(doc.media).toMatchObject({ kind: 'video', width: 720, height: 528 });
    expect(doc.timeline!.length).toBeGreaterThanOrEqual(3);
    for (const entry of doc.timeline!) {
      expect(entry.nsfw).toBeDefined();
      expect(entry.faces).toBeDefined();
      expect(entry.pose).toBeDefined();
      expect(entry.ocr).toBeDefined();
    }
    expect(doc.transcript?.engine).toBe('pocketsphinx');
    expect(Object.keys(doc.models)).toEqual(expect.arrayContaining(['transcribe', 'nsfw', 'faces', 'pose', 'ocr']));
    expect(doc.summary?.worstVerdict).toBeDefined();
  }, 600_000);

  it('the truncated AVI fails cleanly with CORRUPT_MEDIA', async () => {
    const err = await analyzeAudioVideo(path.join(fixtures, 'bad/truncated.avi'), avi, { agent, modelManager: manager }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CORRUPT_MEDIA' });
    expect((err as Error).message).toMatch(/truncated/);
  });

  it('a video made without an audio track gives an empty transcript and a timeline', async () => {
    const silentVideo = path.join(work, 'no-audio.avi');
    makeMedia(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10', '-t', '3', '-c:v', 'mpeg4', '-an', silentVideo]);
    const doc = await analyzeAudioVideo(silentVideo, avi, { agent, analyses: ['transcribe', 'nsfw'], modelManager: manager });
    expect(doc.transcript?.segments).toEqual([]);
    expect(doc.timeline!.length).toBeGreaterThanOrEqual(2);
    expect(doc.timeline!.every((e) => e.nsfw !== undefined && e.faces === undefined)).toBe(true);
  });
});
