// Receives a multipart upload: the media part `file` is streamed straight to a file under the data dir (never
// held in memory, hashed on the way for idempotency checks); other parts are small text fields. An upload over
// the limit is refused from its Content-Length before any byte is read, or, when the length is not declared, as
// soon as the stream passes the limit. An upload that sends nothing for `idleMs`, or that cannot finish within
// 2 × idleMs + its size at `minBytesPerSec`, is closed with 408. Malformed multipart is a 400 with its own code, a full
// disk a 507, a client that goes away mid-upload is not the agent's error. Whatever happens, no partial file is
// left behind.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { AgentError, isDiskFull } from '../errors.js';

export interface ReceivedUpload {
  path: string;
  fileName: string;
  bytes: number;
  /** sha256 of the file's bytes, hex. */
  sha256: string;
  fields: Record<string, string>;
}

export interface UploadLimits {
  maxBytes: number;
  /** Close the upload when no byte arrives for this long. */
  idleMs: number;
  /** The whole request must end within 60 s + (declared or maximum size) / this rate. */
  minBytesPerSec: number;
}

/** Multipart headers and small fields around the file; a request declaring more than limit + this is refused. */
const multipartOverheadBytes = 64 * 1024;

export function refuseOversizedRequest(request: FastifyRequest, maxBytes: number): void {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes + multipartOverheadBytes) {
    throw new AgentError('FILE_TOO_LARGE', `the upload is ${declared} bytes; the limit is ${maxBytes}`);
  }
}

/**
 * How long a request of `requestBytes` may take: twice the idle limit (connection set-up, a slow start) plus its
 * size at `minBytesPerSec`. With `maxUploadBytes` it is the longest any request may take (the server's timeout).
 */
export function uploadDeadlineMs(requestBytes: number, limits: Pick<UploadLimits, 'idleMs' | 'minBytesPerSec'>): number {
  return 2 * limits.idleMs + Math.ceil((requestBytes / limits.minBytesPerSec) * 1000);
}

/**
 * Stops reading the request with `error` when it stalls or runs past its deadline: the error reaches the multipart
 * parser (which listens for the request's errors), so the handler fails with it and answers 408 on the socket,
 * which is still open.
 */
function watchUpload(request: FastifyRequest, limits: UploadLimits): () => void {
  const raw = request.raw;
  const declared = Number(request.headers['content-length']);
  const maxRequestBytes = limits.maxBytes + multipartOverheadBytes;
  const deadlineMs = uploadDeadlineMs(Number.isFinite(declared) && declared > 0 ? Math.min(declared, maxRequestBytes) : maxRequestBytes, limits);
  const fail = (error: AgentError): void => {
    if (!raw.readableEnded && !raw.destroyed) raw.emit('error', error);
  };
  const onIdle = (): void =>
    fail(new AgentError('UPLOAD_STALLED', `the upload sent nothing for ${limits.idleMs} ms and was closed; send it again`));
  // On the request, not the socket: the server destroys a socket whose timeout nobody listens to on the request.
  raw.setTimeout(limits.idleMs, onIdle);
  const deadline = setTimeout(
    () => fail(new AgentError('UPLOAD_TOO_SLOW', `the upload did not finish within ${deadlineMs} ms (at least ${limits.minBytesPerSec} bytes/s); send it again over a faster link`)),
    deadlineMs,
  );
  return () => {
    clearTimeout(deadline);
    raw.off('timeout', onIdle);
    raw.socket?.setTimeout(0);
  };
}

/** What went wrong while reading a multipart body, as the client should hear it. */
function uploadError(err: unknown, request: FastifyRequest, maxBytes: number): unknown {
  if (err instanceof AgentError) return err;
  const code = (err as { code?: string }).code;
  const message = (err as Error)?.message ?? String(err);
  if (code === 'FST_REQ_FILE_TOO_LARGE') return new AgentError('FILE_TOO_LARGE', `the upload is larger than the limit of ${maxBytes} bytes`);
  if (isDiskFull(err)) return new AgentError('DISK_FULL', "the agent's disk is full; the upload was not kept. Retry later or on another agent", { retryAfterSec: 30, writeFailed: true });
  if (request.raw.aborted || code === 'ECONNRESET' || code === 'FST_REQ_FILE_PREMATURE_CLOSE' || /premature close|aborted/i.test(message)) {
    return new AgentError('CLIENT_CLOSED', 'the client closed the connection before the upload was complete');
  }
  // busboy's own wording: "Malformed part header", "Unexpected end of form", "Multipart: Boundary not found"…
  if (code?.startsWith('FST_') || /multipart|boundary|part header|end of form|malformed/i.test(message)) {
    return new AgentError('MALFORMED_MULTIPART', `the multipart/form-data body could not be read (${message}); send the media in field "file" of a well-formed form`);
  }
  return err;
}

export async function receiveUpload(request: FastifyRequest, uploadsDir: string, limits: UploadLimits): Promise<ReceivedUpload> {
  if (!request.isMultipart()) throw new AgentError('BAD_REQUEST', 'send multipart/form-data with the media in field "file"');
  const { maxBytes } = limits;
  const fields: Record<string, string> = {};
  let saved: Omit<ReceivedUpload, 'fields'> | undefined;
  const target = path.join(uploadsDir, `${crypto.randomUUID()}.upload`);
  const unwatch = watchUpload(request, limits);
  try {
    for await (const part of request.parts({ limits: { fileSize: maxBytes, files: 1, fields: 20, fieldSize: 16 * 1024 } })) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || saved) {
          part.file.resume();
          continue;
        }
        const hash = crypto.createHash('sha256');
        let bytes = 0;
        const measure = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            bytes += chunk.length;
            hash.update(chunk);
            callback(null, chunk);
          },
        });
        await pipeline(part.file, measure, fs.createWriteStream(target, { flags: 'wx' }));
        if (part.file.truncated) throw new AgentError('FILE_TOO_LARGE', `the upload is larger than the limit of ${maxBytes} bytes`);
        saved = { path: target, fileName: path.basename(part.filename || 'upload'), bytes, sha256: hash.digest('hex') };
      } else {
        fields[part.fieldname] = String(part.value);
      }
    }
  } catch (err) {
    await fs.promises.rm(target, { force: true });
    throw uploadError(err, request, maxBytes);
  } finally {
    unwatch();
  }
  if (!saved) throw new AgentError('BAD_REQUEST', 'the media must be sent in the multipart field "file"');
  return { ...saved, fields };
}

/** Deletes an upload that will not become a job (replayed idempotency key, refused request). */
export async function discardUpload(upload: ReceivedUpload): Promise<void> {
  await fs.promises.rm(upload.path, { force: true });
}
