// One model file from a URL or a mirror directory into the cache: resumable (HTTP Range on a `.part` file),
// with progress and cancellation, and only renamed into place after its sha256 matched.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AgentError } from '../errors.js';

export interface DownloadProgress {
  file: string;
  receivedBytes: number;
  totalBytes?: number;
}

export interface DownloadRequest {
  /** http(s) URL, or an absolute path to a file (a mirror directory on a server without internet). */
  source: string;
  /** Final place in the cache; the partial download lives next to it as `<dest>.part`. */
  dest: string;
  sha256?: string;
  size?: number;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

async function sizeOrZero(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

async function fetchIntoPart(req: DownloadRequest, part: string): Promise<void> {
  const name = path.basename(req.dest);
  let have = await sizeOrZero(part);
  if (req.size !== undefined && have > req.size) {
    await rm(part, { force: true });
    have = 0;
  }
  let res: Response;
  try {
    res = await fetch(req.source, { headers: have > 0 ? { range: `bytes=${have}-` } : {}, signal: req.signal, redirect: 'follow' });
  } catch (err) {
    if (req.signal?.aborted) throw new AgentError('CANCELED');
    const cause = (err as Error & { cause?: { code?: string } }).cause?.code;
    throw new AgentError('MODEL_DOWNLOAD_FAILED', `${name}: cannot reach ${req.source} (${cause ?? (err as Error).message}); check the network or the mirror (MEDIAFLEET_MODEL_MIRROR)`);
  }
  if (res.status === 416 && have > 0) return; // we already hold every byte; the checksum decides
  if (!res.ok || !res.body) throw new AgentError('MODEL_DOWNLOAD_FAILED', `${name}: HTTP ${res.status} from ${req.source}`);
  // 200 on a Range request means the server ignored it: start over rather than append a second copy.
  const resumed = res.status === 206 && have > 0;
  if (!resumed) have = 0;
  const length = Number(res.headers.get('content-length') ?? NaN);
  const totalBytes = req.size ?? (Number.isFinite(length) ? have + length : undefined);
  let received = have;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      req.onProgress?.({ file: name, receivedBytes: received, totalBytes });
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), counter, createWriteStream(part, { flags: resumed ? 'a' : 'w' }), {
      signal: req.signal,
    });
  } catch (err) {
    if (req.signal?.aborted) throw new AgentError('CANCELED');
    throw new AgentError('MODEL_DOWNLOAD_FAILED', `${name}: interrupted after ${received} bytes (${(err as Error).message}); pull again to resume`);
  }
  if (Number.isFinite(length) && received - have < length) {
    throw new AgentError('MODEL_DOWNLOAD_FAILED', `${name}: connection closed after ${received} bytes; pull again to resume`);
  }
}

/** Downloads (or copies from a mirror directory) and returns the sha256 of the file now at `dest`. */
export async function downloadModelFile(req: DownloadRequest): Promise<string> {
  const part = `${req.dest}.part`;
  await mkdir(path.dirname(req.dest), { recursive: true });
  if (/^https?:\/\//.test(req.source)) {
    await fetchIntoPart(req, part);
  } else {
    try {
      await copyFile(req.source, part);
    } catch (err) {
      throw new AgentError('MODEL_DOWNLOAD_FAILED', `${path.basename(req.dest)}: cannot copy from mirror ${req.source}: ${(err as Error).message}`);
    }
    req.onProgress?.({ file: path.basename(req.dest), receivedBytes: await sizeOrZero(part), totalBytes: req.size });
  }
  const actual = await sha256OfFile(part);
  if (req.sha256 && actual !== req.sha256) {
    // A wrong file must not be resumed from either: drop it.
    await rm(part, { force: true });
    throw new AgentError('MODEL_CHECKSUM_MISMATCH', `${path.basename(req.dest)}: sha256 ${actual} does not match the manifest's ${req.sha256}; the download was discarded`);
  }
  if (req.size !== undefined && (await sizeOrZero(part)) !== req.size) {
    await rm(part, { force: true });
    throw new AgentError('MODEL_CHECKSUM_MISMATCH', `${path.basename(req.dest)}: size differs from the manifest's ${req.size} bytes; the download was discarded`);
  }
  // Same directory, so rename is atomic: a reader sees the old state or the complete, checked file.
  await rename(part, req.dest);
  return actual;
}
