// Decide what a file is from its bytes (never its name), and the facts every result document carries:
// kind, mime, size and sha256.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileTypeFromFile } from 'file-type';
import { AgentError } from '../errors.js';

export type MediaKind = 'image' | 'video' | 'audio';

export interface SniffedMedia {
  kind: MediaKind;
  mime: string;
  /** Extension file-type associates with the content (e.g. `jpg`), for temp files and logs. */
  ext: string;
  bytes: number;
}

/** Image formats sharp's prebuilt libvips decodes; other images (bmp, ico, psd, HEVC-coded heic…) are refused up front. */
const decodableImageMimes = new Set([
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/tiff',
  'image/avif',
]);

/** Containers file-type reports under `application/…` that actually hold audio or video. */
const otherMediaMimes: Record<string, MediaKind> = {
  'application/ogg': 'audio',
  'application/x-matroska': 'video',
  'application/mp4': 'video',
};

export async function sniffMedia(path: string): Promise<SniffedMedia> {
  const bytes = await fileSize(path);
  if (bytes === 0) throw new AgentError('EMPTY_FILE');
  const type = await fileTypeFromFile(path).catch((err: unknown) => {
    throw new AgentError('CORRUPT_MEDIA', `cannot read the file header: ${(err as Error).message}`);
  });
  if (!type) throw new AgentError('UNSUPPORTED_MEDIA', 'the content is not a recognised image, video or audio format');
  const kind = mediaKindOf(type.mime);
  if (!kind) throw new AgentError('UNSUPPORTED_MEDIA', `unsupported content type ${type.mime}`);
  return { kind, mime: type.mime, ext: type.ext, bytes };
}

function mediaKindOf(mime: string): MediaKind | undefined {
  if (mime.startsWith('image/')) return decodableImageMimes.has(mime) ? 'image' : undefined;
  if (mime.startsWith('video/')) return 'video';
  if (mime.startsWith('audio/')) return 'audio';
  return otherMediaMimes[mime];
}

async function fileSize(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new AgentError('FILE_NOT_FOUND', `not a regular file: ${path}`);
    return info.size;
  } catch (err) {
    if (err instanceof AgentError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new AgentError('FILE_NOT_FOUND', `no such file: ${path}`);
    throw err;
  }
}

/** Streams the file, so a large video is never held in memory just to hash it. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
