// Receives a multipart upload: the media part `file` is streamed straight to a file under the data dir (never
// held in memory); other parts are small text fields. An upload over the limit is refused from its
// Content-Length before any byte is read, or, when the length is not declared, as soon as the stream passes
// the limit; either way no partial file is left behind.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { AgentError } from '../errors.js';

export interface ReceivedUpload {
  path: string;
  fileName: string;
  bytes: number;
  fields: Record<string, string>;
}

/** Multipart headers and small fields around the file; a request declaring more than limit + this is refused. */
const multipartOverheadBytes = 64 * 1024;

export function refuseOversizedRequest(request: FastifyRequest, maxBytes: number): void {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes + multipartOverheadBytes) {
    throw new AgentError('FILE_TOO_LARGE', `the upload is ${declared} bytes; the limit is ${maxBytes}`);
  }
}

export async function receiveUpload(request: FastifyRequest, uploadsDir: string, maxBytes: number): Promise<ReceivedUpload> {
  if (!request.isMultipart()) throw new AgentError('BAD_REQUEST', 'send multipart/form-data with the media in field "file"');
  const fields: Record<string, string> = {};
  let saved: { path: string; fileName: string; bytes: number } | undefined;
  const target = path.join(uploadsDir, `${crypto.randomUUID()}.upload`);
  try {
    for await (const part of request.parts({ limits: { fileSize: maxBytes, files: 1, fields: 20, fieldSize: 16 * 1024 } })) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || saved) {
          part.file.resume();
          continue;
        }
        let bytes = 0;
        part.file.on('data', (chunk: Buffer) => (bytes += chunk.length));
        await pipeline(part.file, fs.createWriteStream(target, { flags: 'wx' }));
        if (part.file.truncated) throw new AgentError('FILE_TOO_LARGE', `the upload is larger than the limit of ${maxBytes} bytes`);
        saved = { path: target, fileName: path.basename(part.filename || 'upload'), bytes };
      } else {
        fields[part.fieldname] = String(part.value);
      }
    }
  } catch (err) {
    await fs.promises.rm(target, { force: true });
    if (err instanceof AgentError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new AgentError('FILE_TOO_LARGE', `the upload is larger than the limit of ${maxBytes} bytes`);
    if (code?.startsWith('FST_')) throw new AgentError('BAD_REQUEST', (err as Error).message);
    throw err;
  }
  if (!saved) throw new AgentError('BAD_REQUEST', 'the media must be sent in the multipart field "file"');
  return { ...saved, fields };
}

/** Deletes an upload that will not become a job (replayed idempotency key, refused request). */
export async function discardUpload(upload: ReceivedUpload): Promise<void> {
  await fs.promises.rm(upload.path, { force: true });
}
