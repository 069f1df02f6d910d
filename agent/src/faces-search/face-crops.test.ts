// Face pictures cut from real images with sharp: a square around the face with a margin, kept inside the image,
// 128 px, from the EXIF-rotated pixels the face boxes are measured in.
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FACE_CROP_SIDE, cropFaces, cropSquare } from './face-crops.js';
import { fixturesDir as fixtures } from '../../../test-harness/shared-folder.js';

describe('face crops', () => {
  it('grows the box to a square with a margin and keeps it inside the image', () => {
    expect(cropSquare({ x: 100, y: 100, width: 40, height: 60 }, { width: 400, height: 300 })).toEqual({ left: 75, top: 85, width: 90, height: 90 });
    expect(cropSquare({ x: 0, y: 0, width: 40, height: 40 }, { width: 400, height: 300 })).toMatchObject({ left: 0, top: 0 });
    const edge = cropSquare({ x: 380, y: 280, width: 20, height: 20 }, { width: 400, height: 300 });
    expect(edge.left + edge.width).toBe(400);
    expect(edge.top + edge.height).toBe(300);
    // A face larger than the short side: the square is the short side.
    expect(cropSquare({ x: 0, y: 0, width: 400, height: 300 }, { width: 400, height: 300 })).toMatchObject({ width: 300, height: 300 });
  });

  it('cuts 128 px JPEGs of the faces from a real photo, the face region and not elsewhere', async () => {
    const file = path.join(fixtures, 'images/messi5.jpg');
    // A box around a region of the image, and the same region cut by sharp directly: the crop shows that region.
    const box = { x: 200, y: 40, width: 60, height: 60 };
    const [crop] = await cropFaces(file, [box]);
    const meta = await sharp(crop!).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', FACE_CROP_SIDE, FACE_CROP_SIDE]);
    const square = cropSquare(box, (await sharp(file).metadata()) as { width: number; height: number });
    const expected = await sharp(file).extract(square).resize(8, 8, { fit: 'fill' }).raw().toBuffer();
    const got = await sharp(crop!).resize(8, 8, { fit: 'fill' }).raw().toBuffer();
    const elsewhere = await sharp(file).extract({ left: 0, top: 250, width: 90, height: 90 }).resize(8, 8, { fit: 'fill' }).raw().toBuffer();
    const distance = (a: Buffer, b: Buffer) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]!), 0) / a.length;
    expect(distance(got, expected)).toBeLessThan(12);
    expect(distance(got, elsewhere)).toBeGreaterThan(distance(got, expected) * 2);
  });
});
