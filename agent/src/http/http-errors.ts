// One mapping from the agent's stable error codes to HTTP statuses, and the single error handler that turns
// anything thrown in a route into `{ error: { code, message } }` without leaking 5xx internals.
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AgentError, type ErrorCode } from '../errors.js';

/** Codes not listed (added later for other parts) answer 500 until they get a status here. */
const statusByCode: Partial<Record<ErrorCode, number>> = {
  EMPTY_FILE: 422,
  UNSUPPORTED_MEDIA: 415,
  CORRUPT_MEDIA: 422,
  PIXEL_LIMIT: 422,
  DURATION_LIMIT: 422,
  FILE_TOO_LARGE: 413,
  FILE_NOT_FOUND: 404,
  MODEL_MISSING: 503,
  BAD_REQUEST: 400,
  TIMEOUT: 504,
  CANCELED: 409,
  QUEUE_FULL: 429,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INTERNAL: 500,
  MODEL_CHECKSUM_MISMATCH: 503,
  MODEL_DOWNLOAD_FAILED: 503,
  MODEL_PULL_RUNNING: 409,
};

export function httpStatusOf(code: ErrorCode): number {
  return statusByCode[code] ?? 500;
}

/** Fastify's own errors (bad JSON, body too large, unsupported content type…) by their status. */
function codeForFastifyError(err: FastifyError): ErrorCode {
  const status = err.statusCode ?? 500;
  if (err.code === 'FST_REQ_FILE_TOO_LARGE' || status === 413) return 'FILE_TOO_LARGE';
  if (status === 404) return 'NOT_FOUND';
  if (status === 415) return 'UNSUPPORTED_MEDIA';
  if (status === 429) return 'QUEUE_FULL';
  if (status >= 400 && status < 500) return 'BAD_REQUEST';
  return 'INTERNAL';
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    let code: ErrorCode;
    let message: string;
    if (err instanceof AgentError) {
      code = err.code;
      message = err.message;
      const retryAfterSec = err.details?.retryAfterSec;
      if (typeof retryAfterSec === 'number') void reply.header('retry-after', String(retryAfterSec));
    } else if (hasZodFastifySchemaValidationErrors(err)) {
      code = 'BAD_REQUEST';
      message = err.validation.map((v) => `${v.instancePath || err.validationContext || 'request'} ${v.message}`).join('; ');
    } else {
      code = codeForFastifyError(err);
      message = err.message;
    }
    const status = httpStatusOf(code);
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      if (code === 'INTERNAL') message = 'internal error';
    }
    // The client may still be sending a body we refused to read: do not keep the connection.
    if (code === 'FILE_TOO_LARGE') void reply.header('connection', 'close');
    return reply.status(status).send({ error: { code, message } });
  });

  app.setNotFoundHandler((request, reply) => {
    return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });
}
