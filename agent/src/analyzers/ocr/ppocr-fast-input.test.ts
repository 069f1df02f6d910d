// The faster model input must be the library's own, value for value, or OCR results would drift.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { installFastPpOcrInput, rgbaToPlanarBgr } from './ppocr-fast-input.js';

async function rgbaOf(file: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(file).ensureAlpha(1).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('PP-OCR model input', () => {
  it('is installed into the installed @gutenye/ocr-common (the patch is not silently skipped)', async () => {
    const installed = await installFastPpOcrInput();
    expect(typeof installed?.original).toBe('function');
  });

  it('gives exactly the float32 values of the library’s imageToInput, for the detector and the recogniser settings', async () => {
    const { original } = (await installFastPpOcrInput())!;
    const image = await rgbaOf('/work/shared/fixtures/images/page.png');
    for (const options of [{}, { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }]) {
      const expected = original(image, options);
      const actual = rgbaToPlanarBgr(image, options);
      expect({ width: actual.width, height: actual.height }).toEqual({ width: image.width, height: image.height });
      // The library turns its number[] into a Float32Array before running the model; compare what the model sees.
      expect(Buffer.from(Float32Array.from(actual.data).buffer).equals(Buffer.from(Float32Array.from(expected.data).buffer))).toBe(true);
    }
  });
});
