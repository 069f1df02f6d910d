import { describe, expect, it } from 'vitest';
import { summarizeTimeline } from './summarize-timeline.js';

describe('summarizeTimeline', () => {
  it('keeps the worst verdict with its first time, and the most persons seen', () => {
    const s = summarizeTimeline([
      { t: 0, nsfw: { verdict: 'safe' }, pose: [{}, {}] },
      { t: 2, nsfw: { verdict: 'suggestive' }, faces: [{}, {}, {}], pose: [{}] },
      { t: 4, nsfw: { verdict: 'suggestive' } },
      { t: 6, nsfw: { verdict: 'safe' }, pose: [{}, {}] },
    ]);
    expect(s).toMatchObject({ worstVerdict: 'suggestive', worstVerdictAt: 2, maxPersons: 3, maxPersonsAt: 2 });
  });

  it('clusters face embeddings into persons with first and last seen', () => {
    const a = [1, 0, 0, 0];
    const a2 = [0.95, 0.1, 0, 0];
    const b = [0, 0, 1, 0];
    const s = summarizeTimeline([
      { t: 1, faces: [{ embedding: a }] },
      { t: 3, faces: [{ embedding: b }, { embedding: a2 }] },
      { t: 5, faces: [{ embedding: a }] },
    ]);
    expect(s.persons).toEqual([
      { id: 'P1', firstSeen: 1, lastSeen: 5, faces: 3 },
      { id: 'P2', firstSeen: 3, lastSeen: 3, faces: 1 },
    ]);
  });

  it('collects confident OCR text once each, in order', () => {
    const s = summarizeTimeline([
      { t: 0, ocr: { lines: [{ text: ' EXIT ', confidence: 0.9 }, { text: 'x', confidence: 0.9 }] } },
      { t: 1, ocr: { lines: [{ text: 'EXIT', confidence: 0.8 }, { text: 'noise', confidence: 0.2 }, { text: 'Gate  4', confidence: 0.7 }] } },
    ]);
    expect(s.textSeen).toEqual(['EXIT', 'Gate 4']);
  });
});

describe('thumbnailPath', () => {
  it('serves only names the video analyzer writes', async () => {
    const { thumbnailPath } = await import('./analyze-video.js');
    expect(thumbnailPath('/data/job1', 'kf-0003-12000ms.jpg')).toBe('/data/job1/kf-0003-12000ms.jpg');
    expect(() => thumbnailPath('/data/job1', '../secrets.json')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => thumbnailPath('/data/job1', 'kf-0003-12000ms.jpg/../../x')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});
