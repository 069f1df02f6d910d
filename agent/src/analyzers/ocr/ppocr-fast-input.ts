// Two shortcuts into @gutenye/ocr-node's input path, each giving the models exactly the values they got before.
//
// 1. The image goes in as decoded pixels. The library only opens files (sharp(path)); handing it a PNG meant
//    encoding the decoded image and decoding it again, about 75 ms of CPU on a 768x608 photo. Its ImageRaw.open
//    now also takes RGBA pixels, which rgbToPaddedRgba prepares (white padding, opaque alpha, as before).
// 2. Its conversion of an image to the models' input cost as much CPU as the
// detector and recogniser themselves (a profile of the worker: 4.3 s in imageToInput against 4.2 s in
// onnxruntime). The library pushes every channel value onto plain arrays, spreads them into a fourth one and
// lets the model copy that into a Float32Array; this writes the same planar BGR float32 values into one
// Float32Array. The library's own `Float32Array.from(data)` then copies it once, at memcpy speed.
//
// ImageRaw and ModelBase are not among the packages' exports, so they are reached by their files; the library imports
// those same files, so patching them changes what it runs. If a new version of the library moves them, the patches
// are skipped (installFastPpOcrInput says so) and OCR takes the PNG path as before: same results, slower.
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

/** RGB pixels → RGBA (alpha 255) padded right and bottom with white to `width` x `height`. */
export function rgbToPaddedRgba(image: { data: Uint8Array; width: number; height: number }, width: number, height: number): RgbaImage & { data: Uint8Array } {
  const out = new Uint8Array(width * height * 4).fill(255);
  const { data } = image;
  for (let y = 0; y < image.height; y++) {
    let i = y * image.width * 3;
    let o = y * width * 4;
    for (let x = 0; x < image.width; x++, i += 3, o += 4) {
      out[o] = data[i];
      out[o + 1] = data[i + 1];
      out[o + 2] = data[i + 2];
    }
  }
  return { data: out, width, height };
}

/** Marks pixels handed to the library's ImageRaw.open in place of a path. */
export class RgbaPixels {
  constructor(readonly image: RgbaImage) {}
}

type ImageRawClass = { open(input: unknown): Promise<unknown>; new (data: RgbaImage): unknown };

export interface InstalledPatches {
  /** The library's own imageToInput, kept for the test that compares both. */
  original: ImageToInput;
}

let patched: Promise<InstalledPatches | undefined> | undefined;

async function importLibraryFile<T>(packageName: string, ...path: string[]): Promise<T> {
  return (await import(pathToFileURL(join(dirname(require.resolve(packageName)), ...path)).href)) as T;
}

/** Installs both shortcuts once; undefined when the library's files are not where they were (nothing patched). */
export function installFastPpOcrInput(): Promise<InstalledPatches | undefined> {
  patched ??= (async () => {
    try {
      const { ModelBase } = await importLibraryFile<{ ModelBase?: { prototype: { imageToInput?: ImageToInput } } }>('@gutenye/ocr-common', 'models', 'ModelBase.js');
      const { ImageRaw } = await importLibraryFile<{ ImageRaw?: ImageRawClass }>('@gutenye/ocr-node', 'ImageRaw.js');
      const original = ModelBase?.prototype.imageToInput;
      const originalOpen = ImageRaw?.open;
      if (typeof original !== 'function' || typeof originalOpen !== 'function') return undefined;
      ModelBase!.prototype.imageToInput = rgbaToPlanarBgr;
      ImageRaw!.open = async function open(input: unknown) {
        return input instanceof RgbaPixels ? new ImageRaw!(input.image) : originalOpen.call(ImageRaw, input);
      };
      return { original };
    } catch {
      return undefined;
    }
  })();
  return patched;
}
