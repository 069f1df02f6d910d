// Image decoding with sharp: header checked before any pixel is decoded (the pixel bomb never gets a buffer),
// EXIF orientation applied, and the result handed to the analyzers as packed 8-bit RGB.
import sharp from 'sharp';
import { AgentError } from '../errors.js';
import { analysisSettings } from '../config.js';

export interface DecodedImage {
  /** Packed RGB, row-major, `width * height * 3` bytes. */
  data: Buffer;
  width: number;
  height: number;
  channels: 3;
}

export interface ImageHeader {
  width: number;
  height: number;
  format: string;
}

/** 64 megapixels (8000x8000) decodes to ~190 MB RGB; larger declared sizes are refused. */
export const DEFAULT_MAX_PIXELS = 64_000_000;

/** MEDIAFLEET_MAX_PIXELS (validated in config.ts), default DEFAULT_MAX_PIXELS. */
export function configuredMaxPixels(): number {
  return analysisSettings().maxPixels;
}

export interface DecodeImageOptions {
  maxPixels?: number;
}

/** Reads only the header; refuses images that declare more pixels than `maxPixels`. */
export async function readImageHeader(input: string | Buffer, opts: DecodeImageOptions = {}): Promise<ImageHeader> {
  const maxPixels = opts.maxPixels ?? configuredMaxPixels();
  let meta: sharp.Metadata;
  try {
    // limitInputPixels off here: metadata() decodes nothing, and we want to report the declared size ourselves.
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new AgentError('CORRUPT_MEDIA', `cannot read the image header: ${(err as Error).message}`);
  }
  const { width, height, format } = meta;
  if (!width || !height) throw new AgentError('CORRUPT_MEDIA', 'the image header declares no size');
  if (width * height > maxPixels) {
    throw new AgentError('PIXEL_LIMIT', `the image declares ${width}x${height} pixels; the limit is ${maxPixels} pixels`, {
      width,
      height,
      maxPixels,
    });
  }
  // EXIF orientations 5-8 swap the axes; report the size the analyzers will see.
  const swapped = (meta.orientation ?? 1) >= 5;
  return { width: swapped ? height : width, height: swapped ? width : height, format: format ?? 'unknown' };
}

export async function decodeImage(input: string | Buffer, opts: DecodeImageOptions = {}): Promise<DecodedImage> {
  const maxPixels = opts.maxPixels ?? configuredMaxPixels();
  await readImageHeader(input, { maxPixels });
  try {
    const { data, info } = await sharp(input, {
      // A truncated or damaged file must fail, not yield half an image padded with grey.
      failOn: 'truncated',
      // Second guard in libvips itself, in case a format reports one size and decodes another.
      limitInputPixels: maxPixels,
    })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
    return { data, width: info.width, height: info.height, channels: 3 };
  } catch (err) {
    if (err instanceof AgentError) throw err;
    const message = (err as Error).message;
    if (/pixel limit/i.test(message)) throw new AgentError('PIXEL_LIMIT', message);
    throw new AgentError('CORRUPT_MEDIA', `cannot decode the image: ${message}`);
  }
}

function sharpFromRaw(image: DecodedImage): sharp.Sharp {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
}

async function rawRgb(pipeline: sharp.Sharp): Promise<DecodedImage> {
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}

/** Resizes to exactly `width` x `height`, stretching like the classifiers' own preprocessing does. */
export function resizeImageExact(image: DecodedImage, width: number, height: number): Promise<DecodedImage> {
  return rawRgb(sharpFromRaw(image).resize(width, height, { fit: 'fill' }));
}

/**
 * Shrinks an image whose longer side exceeds `maxSide` (models work at a few hundred pixels; a 60 MP tensor would
 * cost gigabytes). `scale` maps the result's coordinates back: original = reduced / scale.
 */
export async function downscaleToFit(image: DecodedImage, maxSide: number): Promise<{ image: DecodedImage; scale: number }> {
  const longer = Math.max(image.width, image.height);
  if (longer <= maxSide) return { image, scale: 1 };
  const reduced = await rawRgb(sharpFromRaw(image).resize(maxSide, maxSide, { fit: 'inside' }));
  return { image: reduced, scale: reduced.width / image.width };
}

/** Pads right and bottom with `background` up to the given size, so coordinates stay those of the original. */
export function padImage(image: DecodedImage, width: number, height: number, background = { r: 255, g: 255, b: 255 }): Promise<DecodedImage> {
  if (width === image.width && height === image.height) return Promise.resolve(image);
  return rawRgb(
    sharpFromRaw(image).extend({ right: width - image.width, bottom: height - image.height, background }),
  );
}

/** Lossless PNG of a decoded image, for libraries that only take an encoded file. */
export function encodePng(image: DecodedImage): Promise<Buffer> {
  return sharpFromRaw(image).png({ compressionLevel: 1 }).toBuffer();
}
