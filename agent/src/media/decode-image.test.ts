// Decoding and sniffing on real files: every bad fixture gives its stable code, type comes from content, EXIF
// rotation is applied, and the pixel bomb is refused from its header without the process growing.
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentError } from '../errors.js';
import { decodeImage, downscaleToFit, readImageHeader } from './decode-image.js';
import { sha256OfFile, sniffMedia } from './sniff-media.js';
import { fixture } from '../../../test-harness/shared-folder.js';

const bad = fixture('bad');
const images = fixture('images');
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'mediafleet-decode-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'no error';
  } catch (err) {
    expect(err).toBeInstanceOf(AgentError);
    return (err as AgentError).code;
  }
}

/** Sniff, then decode if it is an image: the path analyzeFile takes for images. */
async function sniffAndDecode(path: string) {
  const sniffed = await sniffMedia(path);
  if (sniffed.kind !== 'image') return sniffed;
  return decodeImage(path);
}

describe('bad input gets a stable error code', () => {
  it.each([
    ['empty.jpg', 'EMPTY_FILE'],
    ['not-an-image.png', 'UNSUPPORTED_MEDIA'],
    ['pixel-bomb-30000x30000.png', 'PIXEL_LIMIT'],
    ['truncated-skimage.jpg', 'CORRUPT_MEDIA'],
    ['truncated.jpg', 'CORRUPT_MEDIA'],
  ])('%s → %s', async (file, code) => {
    expect(await codeOf(sniffAndDecode(join(bad, file)))).toBe(code);
  });

  it('truncated.avi is sniffed as video from its bytes (decoding it is the audio/video layer’s job)', async () => {
    expect(await sniffMedia(join(bad, 'truncated.avi'))).toMatchObject({ kind: 'video', mime: 'video/vnd.avi' });
  });

  it('a missing file is FILE_NOT_FOUND', async () => {
    expect(await codeOf(sniffMedia(join(tmp, 'nope.jpg')))).toBe('FILE_NOT_FOUND');
  });

  it('an image in a format sharp cannot decode (BMP) is UNSUPPORTED_MEDIA, not a crash', async () => {
    // A 1x1 24-bit BMP, written by hand.
    const bmp = Buffer.from(
      '424d3a000000000000003600000028000000010000000100000001001800000000000400000000000000000000000000000000000000ff000000',
      'hex',
    );
    await writeFile(join(tmp, 'pixel.bmp'), bmp);
    expect(await codeOf(sniffMedia(join(tmp, 'pixel.bmp')))).toBe('UNSUPPORTED_MEDIA');
  });

  it('a truncated JPEG fails as a whole instead of yielding a half-grey image', async () => {
    const whole = await sharp(join(images, 'messi5.jpg')).jpeg().toBuffer();
    const half = join(tmp, 'half.jpg');
    await writeFile(half, whole.subarray(0, Math.floor(whole.length / 2)));
    const header = await readImageHeader(half);
    expect(header.width).toBe(548); // the header alone is intact…
    expect(await codeOf(decodeImage(half))).toBe('CORRUPT_MEDIA'); // …but the pixels are not
  });
});

describe('the pixel bomb', () => {
  it('is refused from its header, with the process growing by at most a few tens of MB', async () => {
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const err = await decodeImage(join(bad, 'pixel-bomb-30000x30000.png')).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    const grownMb = (process.memoryUsage().rss - before) / 1e6;
    console.info(`pixel bomb: refused in ${elapsed.toFixed(0)} ms, rss +${grownMb.toFixed(1)} MB`);
    expect(err).toMatchObject({ code: 'PIXEL_LIMIT', details: { width: 30000, height: 30000 } });
    // Decoding it would need 2.7 GB of RGB; reading the header needs next to nothing.
    expect(grownMb).toBeLessThan(40);
    expect(elapsed).toBeLessThan(2000);
  });

  it('honours a lower configured limit', async () => {
    expect(await codeOf(decodeImage(join(images, 'messi5.jpg'), { maxPixels: 100_000 }))).toBe('PIXEL_LIMIT');
  });
});

describe('type from content, facts and decoding', () => {
  it('decides the type from the bytes, not the file name', async () => {
    const liar = join(tmp, 'really-a-jpeg.png');
    await copyFile(join(images, 'messi5.jpg'), liar);
    expect(await sniffMedia(liar)).toMatchObject({ kind: 'image', mime: 'image/jpeg', ext: 'jpg', bytes: 72937 });
  });

  it('hashes the file content', async () => {
    const path = join(tmp, 'abc.bin');
    await writeFile(path, 'abc');
    expect(await sha256OfFile(path)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('decodes to packed RGB, grayscale PNGs included', async () => {
    const img = await decodeImage(join(images, 'basketball1.png'));
    expect(img).toMatchObject({ width: 640, height: 480, channels: 3 });
    expect(img.data.length).toBe(640 * 480 * 3);
  });

  it('applies EXIF orientation, so a portrait photo stored sideways comes out upright', async () => {
    const rotated = join(tmp, 'orientation-6.jpg');
    // 548x342 pixels stored with orientation 6 ("rotate 90° clockwise to display").
    await sharp(join(images, 'messi5.jpg')).withMetadata({ orientation: 6 }).jpeg().toFile(rotated);
    expect(await readImageHeader(rotated)).toMatchObject({ width: 342, height: 548 });
    const img = await decodeImage(rotated);
    expect([img.width, img.height]).toEqual([342, 548]);
  });

  it('shrinks large images for the models and says by how much', async () => {
    const img = await decodeImage(join(images, 'starry_night.jpg'));
    const { image, scale } = await downscaleToFit(img, 376);
    expect([image.width, image.height]).toEqual([376, 300]);
    expect(scale).toBeCloseTo(0.5);
    expect((await downscaleToFit(img, 1000)).scale).toBe(1);
  });
});
