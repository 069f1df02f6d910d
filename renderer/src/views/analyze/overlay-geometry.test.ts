import { describe, expect, it } from 'vitest';
import type { ResultDocument } from '#agent/contracts/result-document.js';
import { faceLabel, normaliseKeypointName, overlayShapes, poseShapes } from './overlay-geometry.js';

const media = { kind: 'image' as const, mime: 'image/jpeg', width: 1000, height: 500, bytes: 1, sha256: 'a'.repeat(64) };
const kp = (name: string, x: number, y: number, score = 0.9) => ({ name, x, y, score });

describe('overlay geometry', () => {
  it('draws face boxes in image pixels, labelled with gender, age and emotion', () => {
    const shapes = overlayShapes({
      media,
      faces: [{ box: { x: 10, y: 20, width: 30, height: 40 }, score: 0.9, age: 33.6, gender: { label: 'male', score: 0.8 }, emotion: { label: 'happy', score: 0.7 } }],
    })!;
    expect(shapes.width).toBe(1000);
    expect(shapes.height).toBe(500);
    expect(shapes.rects).toEqual([{ kind: 'face', x: 10, y: 20, width: 30, height: 40, label: 'male · ~34y · happy' }]);
  });

  it('labels a face with nothing known by its score', () => {
    expect(faceLabel({ box: { x: 0, y: 0, width: 1, height: 1 }, score: 0.87 })).toBe('face 87%');
  });

  it('joins keypoints into a skeleton whatever the naming style, skipping low-score joints', () => {
    const { bones, joints } = poseShapes(
      [
        {
          box: { x: 0, y: 0, width: 10, height: 10 },
          score: 0.9,
          keypoints: [kp('left_shoulder', 1, 1), kp('rightShoulder', 5, 1), kp('leftElbow', 1, 4), kp('leftWrist', 1, 8, 0.1)],
        },
      ],
      0.3,
    );
    expect(joints).toHaveLength(3);
    expect(bones).toEqual([
      { x1: 1, y1: 1, x2: 5, y2: 1 },
      { x1: 1, y1: 1, x2: 1, y2: 4 },
    ]);
    expect(normaliseKeypointName('Right-Ankle')).toBe('rightankle');
  });

  it('leaves out layers that are switched off and returns nothing without image size', () => {
    const result: Pick<ResultDocument, 'media' | 'faces' | 'ocr'> = {
      media,
      faces: [{ box: { x: 0, y: 0, width: 1, height: 1 }, score: 1 }],
      ocr: { text: 'UNICEF', language: 'en', engine: 'ppocr', lines: [{ text: 'UNICEF', confidence: 0.9, box: { x: 5, y: 5, width: 50, height: 10 } }] },
    };
    expect(overlayShapes(result, { faces: false, pose: true, ocr: true })!.rects.map((r) => r.kind)).toEqual(['ocr']);
    expect(overlayShapes({ ...result, media: { ...media, width: undefined } })).toBeNull();
  });

  it('scales the stroke with the image so lines stay visible on large photos', () => {
    expect(overlayShapes({ media: { ...media, width: 4000, height: 3000 } })!.stroke).toBeGreaterThan(overlayShapes({ media: { ...media, width: 400, height: 300 } })!.stroke);
  });
});
