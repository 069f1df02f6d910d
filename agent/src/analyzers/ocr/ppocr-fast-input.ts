// Speeds up @gutenye/ocr-common's conversion of an image to the models' input, which cost as much CPU as the
// detector and recogniser themselves (a profile of the worker: 4.3 s in imageToInput against 4.2 s in
// onnxruntime). The library pushes every channel value onto plain arrays, spreads them into a fourth one and
// lets the model copy that into a Float32Array; this writes the same planar BGR float32 values into one
// Float32Array. The library's own `Float32Array.from(data)` then copies it once, at memcpy speed.
//
// ModelBase is not among the package's exports, so it is reached by its file; Detection and Recognition import that
// same file, so patching its prototype changes what they run. If a new version of the library moves it, the patch
// is skipped and OCR runs as before (same results, slower).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** The library's input image: packed RGBA bytes. */
export interface RgbaImage {
  data: ArrayLike<number>;
  width: number;
  height: number;
}

export interface ModelInput {
  data: ArrayLike<number>;
  width: number;
  height: number;
}

type ImageToInput = (image: RgbaImage, options: { mean?: number[]; std?: number[] }) => ModelInput;

/** Planar B, G, R planes of `(value / 255 - mean) / std`, as the library computes them (mean and std per R, G, B). */
export function rgbaToPlanarBgr(image: RgbaImage, { mean = [0, 0, 0], std = [1, 1, 1] }: { mean?: number[]; std?: number[] } = {}): ModelInput {
  const pixels = Math.floor(image.data.length / 4);
  const out = new Float32Array(pixels * 3);
  const { data } = image;
  const bPlane = 0;
  const gPlane = pixels;
  const rPlane = 2 * pixels;
  for (let p = 0, i = 0; p < pixels; p++, i += 4) {
    out[rPlane + p] = (data[i] / 255 - mean[0]) / std[0];
    out[gPlane + p] = (data[i + 1] / 255 - mean[1]) / std[1];
    out[bPlane + p] = (data[i + 2] / 255 - mean[2]) / std[2];
  }
  return { data: out, width: image.width, height: image.height };
}

let patched: Promise<{ original: ImageToInput } | undefined> | undefined;

/** Installs rgbaToPlanarBgr as ModelBase.prototype.imageToInput; returns the library's original, or undefined. */
export function installFastPpOcrInput(): Promise<{ original: ImageToInput } | undefined> {
  patched ??= (async () => {
    try {
      const modelBasePath = join(dirname(require.resolve('@gutenye/ocr-common')), 'models', 'ModelBase.js');
      const { ModelBase } = (await import(pathToFileURL(modelBasePath).href)) as { ModelBase?: { prototype: { imageToInput?: ImageToInput } } };
      const original = ModelBase?.prototype.imageToInput;
      if (typeof original !== 'function') return undefined;
      ModelBase!.prototype.imageToInput = rgbaToPlanarBgr;
      return { original };
    } catch {
      return undefined;
    }
  })();
  return patched;
}
