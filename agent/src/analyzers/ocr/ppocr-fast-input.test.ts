// The faster model input must be the library's own, value for value, or OCR results would drift.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, encodePng, padImage } from '../../media/decode-image.js';
import { installFastPpOcrInput, rgbaToPlanarBgr, rgbToPaddedRgba } from './ppocr-fast-input.js';
import { fixture } from '../../../../test-harness/shared-folder.js';

async function rgbaOf(file: string | Buffer): Promise<{ data: Buffer; width: number; height: number }> {
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
    const image = await rgbaOf(fixture('images', 'page.png'));
    for (const options of [{}, { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }]) {
      const expected = original(image, options);
      const actual = rgbaToPlanarBgr(image, options);
      expect({ width: actual.width, height: actual.height }).toEqual({ width: image.width, height: image.height });
      // The library turns its number[] into a Float32Array before running the model; compare what the model sees.
      expect(Buffer.from(Float32Array.from(actual.data).buffer).equals(Buffer.from(Float32Array.from(expected.data).buffer))).toBe(true);
    }
  });

  it('hands the library the same RGBA pixels it decoded from the padded PNG before', async () => {
    for (const name of ['page.png', 'messi5.jpg']) {
      const image = await decodeImage(fixture('images', name));
      const width = Math.ceil(image.width / 32) * 32;
      const height = Math.ceil(image.height / 32) * 32;
      const viaPng = await rgbaOf(await encodePng(await padImage(image, width, height)));
      const direct = rgbToPaddedRgba(image, width, height);
      expect({ width: direct.width, height: direct.height }).toEqual({ width: viaPng.width, height: viaPng.height });
      expect(Buffer.from(direct.data).equals(viaPng.data)).toBe(true);
    }
  });
});
