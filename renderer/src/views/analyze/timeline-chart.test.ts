// The timeline chart's data from a result: counts per keyframe, moderation and text as merged bands covering the
// video without gaps, persons' spans, the nearest keyframe to a click, and round axis times.
import { describe, expect, it } from 'vitest';
import type { ResultDocument } from '#agent/contracts/result-document.js';
import { axisTicks, keyframeSpans, nearestKeyframe, timelineChartData } from './timeline-chart.js';

const box = { x: 0, y: 0, width: 10, height: 10 };
const nsfw = (verdict: 'safe' | 'suggestive' | 'explicit') => ({ verdict, scores: {}, model: 'm' });
const ocr = (...lines: Array<[string, number]>) => ({ text: lines.map((l) => l[0]).join('\n'), lines: lines.map(([text, confidence]) => ({ text, confidence, box })), language: 'en', engine: 'ppocr' });
const pose = (n: number) => Array.from({ length: n }, () => ({ box, score: 0.9, keypoints: [] }));
const faces = (n: number) => Array.from({ length: n }, () => ({ box, score: 0.9 }));

const result: ResultDocument = {
  version: 1,
  file: 'street.mp4',
  media: { kind: 'video', mime: 'video/mp4', width: 1280, height: 720, durationSec: 10, bytes: 1, sha256: 'c'.repeat(64) },
  timeline: [
    { t: 0, nsfw: nsfw('safe'), pose: pose(1), faces: faces(0), ocr: ocr() },
    { t: 2, nsfw: nsfw('suggestive'), pose: pose(3), faces: faces(2), ocr: ocr(['OPEN', 0.9], ['□#□', 0.2]) },
    { t: 4, nsfw: nsfw('suggestive'), pose: pose(2), faces: faces(1), ocr: ocr(['OPEN', 0.95], ['24/7', 0.8]) },
    { t: 6, nsfw: nsfw('safe'), pose: pose(0), faces: faces(0), ocr: ocr(['x', 0.99]) },
    { t: 8, nsfw: nsfw('explicit'), pose: pose(1), faces: faces(1), ocr: ocr(['EXIT', 0.7]) },
  ],
  summary: {
    worstVerdict: 'explicit',
    worstVerdictAt: 8,
    maxPersons: 3,
    maxPersonsAt: 2,
    persons: [
      { id: 'P1', firstSeen: 2, lastSeen: 4, faces: 3 },
      { id: 'P2', firstSeen: 8, lastSeen: 8, faces: 1 },
    ],
    textSeen: ['OPEN', '24/7', 'EXIT'],
  },
  timings: {},
  agent: { id: 'local', version: '0' },
  models: {},
};

describe('timeline chart data', () => {
  it('gives each keyframe the time up to halfway to its neighbours, covering the whole video', () => {
    expect(keyframeSpans([0, 2, 5], 9)).toEqual([
      { start: 0, end: 1 },
      { start: 1, end: 3.5 },
      { start: 3.5, end: 9 },
    ]);
  });

  it('counts people and faces per keyframe, and scales to the most seen at once', () => {
    const data = timelineChartData(result);
    expect(data.counts.map((c) => [c.t, c.people, c.faces])).toEqual([
      [0, 1, 0],
      [2, 3, 2],
      [4, 2, 1],
      [6, 0, 0],
      [8, 1, 1],
    ]);
    expect(data.maxCount).toBe(3);
    expect(data.has).toEqual({ people: true, faces: true, moderation: true, text: true });
  });

  it('merges keyframes with the same verdict into one band, and bands of text where it was read', () => {
    const data = timelineChartData(result);
    expect(data.verdicts).toEqual([
      { start: 0, end: 1, verdict: 'safe' },
      { start: 1, end: 5, verdict: 'suggestive' },
      { start: 5, end: 7, verdict: 'safe' },
      { start: 7, end: 10, verdict: 'explicit' },
    ]);
    // Low-confidence noise and single characters are not text a person should go and look at.
    expect(data.texts).toEqual([
      { start: 1, end: 5, texts: ['OPEN', '24/7'] },
      { start: 7, end: 10, texts: ['EXIT'] },
    ]);
  });

  it("draws each distinct person from the first to the last keyframe they were seen on, in time order", () => {
    expect(timelineChartData(result).persons).toEqual([
      { id: 'P1', faces: 3, start: 1, end: 5 },
      { id: 'P2', faces: 1, start: 7, end: 10 },
    ]);
    expect(timelineChartData(result, 1).persons.map((p) => p.id)).toEqual(['P1']);
  });

  it('leaves out the lanes of analyses that did not run', () => {
    const facesOnly = { ...result, timeline: result.timeline!.map(({ t }) => ({ t, faces: faces(1) })) };
    expect(timelineChartData(facesOnly).has).toEqual({ people: false, faces: true, moderation: false, text: false });
  });

  it('picks the keyframe nearest a moment, and labels the axis in round steps', () => {
    expect([nearestKeyframe([0, 2, 4], 2.9), nearestKeyframe([0, 2, 4], 3.1), nearestKeyframe([0, 2, 4], 99)]).toEqual([1, 2, 2]);
    expect(axisTicks(79.5)).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
    expect(axisTicks(10)).toEqual([0, 2, 4, 6, 8, 10]);
  });
});
