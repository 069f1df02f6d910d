// One mapping from the agent's stable error codes to HTTP statuses, and the handlers that turn anything that goes
// wrong into `{ error: { code, message } }` without leaking 5xx internals: errors thrown in a route, Fastify's
// own errors before routing (bad URL, parameter too long), and malformed HTTP on the socket.
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AgentError, isDiskFull, type ErrorCode } from '../errors.js';

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
  TENANT_QUEUE_FULL: 429,
  TIMEOUT_ABOVE_LIMIT: 400,
  IDEMPOTENCY_KEY_REUSED: 422,
  IMAGES_ONLY: 415,
  UPLOAD_STALLED: 408,
  UPLOAD_TOO_SLOW: 408,
  MALFORMED_MULTIPART: 400,
  // Never seen by the client (it is gone); 400 keeps it out of the 5xx logs and metrics.
  CLIENT_CLOSED: 400,
  URI_TOO_LONG: 414,
  RATE_LIMITED: 429,
  OVERLOADED: 503,
  DISK_FULL: 507,
  CALLBACK_URL_REFUSED: 400,
  WEBHOOK_SECRET_MISSING: 409,
  MEDIA_TOOL_MISSING: 503,
  // Retrying here cannot help (the instance is going away): no Retry-After, the client goes elsewhere.
  SELF_DESTROYING: 503,
  PAIRING_PROOF_INVALID: 401,
  // Gone for good: the agent is paired and never pairs again (a console that lost its token rents anew).
  PAIRING_DONE: 410,
  PAIRING_RATE_LIMITED: 429,
};

export function httpStatusOf(code: ErrorCode): number {
  return statusByCode[code] ?? 500;
}

/** Fastify's own errors (bad JSON, body too large, unsupported content type…) by their status. */
function codeForFastifyError(err: FastifyError): ErrorCode {
  const status = err.statusCode ?? 500;
  if (isDiskFull(err)) return 'DISK_FULL';
  if (err.code === 'FST_REQ_FILE_TOO_LARGE' || status === 413) return 'FILE_TOO_LARGE';
  if (status === 414) return 'URI_TOO_LONG';
  if (status === 404) return 'NOT_FOUND';
  if (status === 415) return 'UNSUPPORTED_MEDIA';
  if (status === 429) return 'QUEUE_FULL';
  if (status >= 400 && status < 500) return 'BAD_REQUEST';
  return 'INTERNAL';
}

/** How a client's mistake before routing reads: what was wrong and what to do. */
function frameworkErrorMessage(err: FastifyError, url: string): { code: ErrorCode; message: string } {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return { code: 'URI_TOO_LONG', message: `a path parameter of ${url.split('?')[0].slice(0, 200)} is longer than the agent accepts; ids are at most 100 characters` };
  if (err.code === 'FST_ERR_BAD_URL') return { code: 'BAD_REQUEST', message: `the URL ${url.split('?')[0].slice(0, 200)} is not valid (bad percent-encoding)` };
  return { code: codeForFastifyError(err), message: err.message };
}

/** Fastify's `frameworkErrors`: errors raised while routing, before any handler (FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH). */
export function sendFrameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { code, message } = frameworkErrorMessage(err, request.raw.url ?? '');
  const status = httpStatusOf(code);
  request.log.info({ code: err.code }, message);
  void reply.status(status).send({ error: { code, message: status >= 500 ? 'internal error' : message } });
}

/** Fastify's `clientErrorHandler`: HTTP that cannot be parsed never reaches a route; answer it in the same envelope. */
export function writeClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message]: [number, ErrorCode, string] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'UPLOAD_TOO_SLOW', 'the request took longer than the agent allows; send it again over a faster link']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'BAD_REQUEST', 'the request headers are larger than the agent accepts']
        : [400, 'BAD_REQUEST', 'the request is not valid HTTP'];
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

/** `onDiskFull` hears of every request that failed on a full disk (the disk monitor refuses uploads meanwhile). */
export function installErrorHandler(app: FastifyInstance, hooks: { onDiskFull?: () => void } = {}): void {
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
    } else if (isDiskFull(err)) {
      code = 'DISK_FULL';
      message = "the agent's disk is full; retry later or on another agent";
      void reply.header('retry-after', '30');
    } else {
      code = codeForFastifyError(err);
      message = err.message;
    }
    const status = httpStatusOf(code);
    if (code === 'CLIENT_CLOSED') {
      // Not the agent's error: the client went away. Nothing can be sent to it either.
      request.log.info({ code }, message);
    } else if (code === 'DISK_FULL' || code === 'OVERLOADED' || code === 'SELF_DESTROYING') {
      // Conditions of the machine, already reported by health and metrics: one line per refusal, not a stack. A
      // write that failed tells the disk monitor; a refusal because the monitor already says full does not.
      const writeFailed = !(err instanceof AgentError) || err.details?.writeFailed === true;
      if (code === 'DISK_FULL' && writeFailed) hooks.onDiskFull?.();
      request.log.warn({ code }, message);
    } else if (status >= 500) {
      request.log.error({ err }, 'request failed');
      if (code === 'INTERNAL') message = 'internal error';
    }
    // The client may still be sending a body we refused or stopped reading: do not keep the connection.
    if (code === 'FILE_TOO_LARGE' || !request.raw.complete) void reply.header('connection', 'close');
    return reply.status(status).send({ error: { code, message } });
  });

  app.setNotFoundHandler((request, reply) => {
    return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });
}
