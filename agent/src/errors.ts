// Errors with a stable `code`: the CLI, the HTTP API, the console and the tests all rely on these codes,
// so never rename one; add a new code instead.

export const errorCodes = {
  EMPTY_FILE: 'the file is empty',
  UNSUPPORTED_MEDIA: 'the content is not an image, video or audio format the agent reads',
  CORRUPT_MEDIA: 'the file is truncated or damaged and cannot be decoded',
  PIXEL_LIMIT: 'the image declares more pixels than the agent will decode',
  DURATION_LIMIT: 'the media is longer than the configured maximum duration',
  FILE_TOO_LARGE: 'the upload is larger than the configured limit',
  FILE_NOT_FOUND: 'no such file',
  MODEL_MISSING: 'a model the analysis needs is not installed',
  MODEL_CHECKSUM_MISMATCH: 'a downloaded model file does not match the sha256 in its manifest',
  MODEL_DOWNLOAD_FAILED: 'a model file could not be downloaded',
  MODEL_PULL_RUNNING: 'a pull of this model is already running',
  BAD_REQUEST: 'the request is malformed',
  TIMEOUT: 'the job ran longer than its time limit',
  CANCELED: 'the job was canceled',
  QUEUE_FULL: 'the queue is full; retry later',
  UNAUTHORIZED: 'missing or unknown token',
  FORBIDDEN: 'the token does not allow this',
  NOT_FOUND: 'no such resource',
  INTERNAL: 'internal error',
} as const;
export type ErrorCode = keyof typeof errorCodes;

export class AgentError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message ?? errorCodes[code]);
    this.name = 'AgentError';
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Any thrown value as `{ code, message }`; unknown errors become INTERNAL without leaking internals. */
export function toErrorInfo(err: unknown): { code: ErrorCode; message: string } {
  if (err instanceof AgentError) return err.toJSON();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message };
}
