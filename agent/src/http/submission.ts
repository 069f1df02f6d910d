// What POST /v1/jobs and POST /v1/analyze share: the upload (streamed to disk, hashed), its text fields checked
// against the contract and this agent's limits, and the request fingerprint for idempotency.
import type { FastifyRequest } from 'fastify';
import type { AgentConfig } from '../config.js';
import { SubmitFields } from '../contracts/http-v1.js';
import { AgentError } from '../errors.js';
import { requestFingerprint } from '../jobs/job-queue.js';
import type { JobOptions } from '../store/jobs-repository.js';
import { discardUpload, receiveUpload, type ReceivedUpload } from './upload.js';

export function parseSubmitFields(fields: Record<string, string>, config: Pick<AgentConfig, 'maxJobTimeoutMs'>): SubmitFields {
  const parsed = SubmitFields.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue.path[0] === 'timeoutMs' && issue.code === 'too_big') throw timeoutAboveLimit(fields.timeoutMs, config.maxJobTimeoutMs);
    throw new AgentError('BAD_REQUEST', `${issue.path.join('.') || 'field'}: ${issue.message}`);
  }
  if (parsed.data.timeoutMs !== undefined && parsed.data.timeoutMs > config.maxJobTimeoutMs) throw timeoutAboveLimit(fields.timeoutMs, config.maxJobTimeoutMs);
  return parsed.data;
}

const timeoutAboveLimit = (asked: string | undefined, max: number): AgentError =>
  new AgentError('TIMEOUT_ABOVE_LIMIT', `timeoutMs ${asked} is above this agent's maximum of ${max} ms; ask for ${max} or less`);

export interface Submission {
  upload: ReceivedUpload;
  fields: SubmitFields;
  options: JobOptions;
  requestSha256: string;
}

/** Receives the upload and checks its fields; a refused submission leaves no file behind. */
export async function receiveSubmission(request: FastifyRequest, uploadsDir: string, config: AgentConfig, maxBytes: number): Promise<Submission> {
  const upload = await receiveUpload(request, uploadsDir, { maxBytes, idleMs: config.uploadIdleMs, minBytesPerSec: config.uploadMinBytesPerSec });
  try {
    const fields = parseSubmitFields(upload.fields, config);
    const options: JobOptions = { analyses: fields.analyses, ocrLang: fields.ocrLang, asrEngine: fields.asrEngine, includeEmbeddings: fields.includeEmbeddings };
    return { upload, fields, options, requestSha256: requestFingerprint(upload.sha256, options) };
  } catch (err) {
    await discardUpload(upload);
    throw err;
  }
}
