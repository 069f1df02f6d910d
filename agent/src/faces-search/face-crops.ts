// Small square pictures of faces, kept with the face index so a face can be shown after the media is gone (the
// agent deletes a job's input when it finishes). An image's faces are cut from the input at indexing time; a
// video's from its keyframes while the worker still has them (written beside the keyframe thumbnails).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { Box, ResultDocument } from '../contracts/result-document.js';

/** Side of a stored face picture, px: a console tile is 96 px, so this stays sharp at 1.3× zoom. */
export const FACE_CROP_SIDE = 128;
/** Room around the face box on each side, as a share of the box: hair and chin, as a person expects. */
const MARGIN = 0.25;

/** The square around a face box, grown by the margin and kept inside the image. */
export function cropSquare(box: Box, image: { width: number; height: number }): { left: number; top: number; width: number; height: number } {
  const side = Math.max(1, Math.round(Math.min(Math.max(box.width, box.height) * (1 + 2 * MARGIN), image.width, image.height)));
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const left = Math.round(Math.min(Math.max(0, cx - side / 2), image.width - side));
  const top = Math.round(Math.min(Math.max(0, cy - side / 2), image.height - side));
  return { left, top, width: side, height: side };
}

/**
 * One JPEG per box, cut from the image (EXIF rotation applied, as the face boxes are measured after it).
 * `boxScale` maps box coordinates to the file's pixels when the boxes were measured on another size of it.
 */
export async function cropFaces(source: string | Buffer, boxes: readonly Box[], boxScale = 1): Promise<Buffer[]> {
  if (boxes.length === 0) return [];
  // Decoded once; each face is then cut from the raw pixels.
  const { data, info } = await sharp(source, { limitInputPixels: false }).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const image = { width: info.width, height: info.height };
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } } as const;
  return Promise.all(
    boxes.map((box) => {
      const scaled = { x: box.x * boxScale, y: box.y * boxScale, width: box.width * boxScale, height: box.height * boxScale };
      return sharp(data, raw)
        .extract(cropSquare(scaled, image))
        .resize(FACE_CROP_SIDE, FACE_CROP_SIDE, { fit: 'fill', withoutEnlargement: false })
        .jpeg({ quality: 82 })
        .toBuffer();
    }),
  );
}

/** File name of a keyframe's face picture in the job's thumbnails directory (never served by the keyframe route). */
export function keyframeFaceCropName(entryIndex: number, faceIndex: number): string {
  return `kf-${String(entryIndex).padStart(4, '0')}-face-${faceIndex}.jpg`;
}

/** Written by the video pipeline for each keyframe with faces, from the keyframe it analysed. */
export async function writeKeyframeFaceCrops(keyframeFile: string, boxes: readonly Box[], dir: string, entryIndex: number): Promise<void> {
  const crops = await cropFaces(keyframeFile, boxes);
  await Promise.all(crops.map((jpeg, faceIndex) => writeFile(path.join(dir, keyframeFaceCropName(entryIndex, faceIndex)), jpeg)));
}

/** Key of a face within a result: the image's own faces, or a keyframe's. */
export const faceKey = (entryIndex: number | null, faceIndex: number): string => (entryIndex === null ? `image:${faceIndex}` : `frame:${entryIndex}:${faceIndex}`);

/**
 * The pictures of every face the index will store for this result, by faceKey: cut from the input for an image,
 * read from the keyframe pictures the worker wrote for a video. A face without one is stored without.
 */
export async function faceCropsForResult(result: ResultDocument, source: { inputPath: string; thumbnailsDir?: string }): Promise<Map<string, Buffer>> {
  const crops = new Map<string, Buffer>();
  const indexed = (faces: ResultDocument['faces']) => (faces ?? []).map((face, i) => ({ face, i })).filter(({ face }) => face.embedding && face.embedding.length > 0);
  const own = indexed(result.faces);
  if (own.length > 0 && result.media.kind === 'image') {
    const pictures = await cropFaces(source.inputPath, own.map(({ face }) => face.box));
    own.forEach(({ i }, n) => crops.set(faceKey(null, i), pictures[n]!));
  }
  if (source.thumbnailsDir) {
    for (const [entryIndex, entry] of (result.timeline ?? []).entries()) {
      for (const { i } of indexed(entry.faces)) {
        const jpeg = await readFile(path.join(source.thumbnailsDir, keyframeFaceCropName(entryIndex, i))).catch(() => null);
        if (jpeg) crops.set(faceKey(entryIndex, i), jpeg);
      }
    }
  }
  return crops;
}
