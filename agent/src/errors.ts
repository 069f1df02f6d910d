// Errors with a stable `code`: the CLI, the HTTP API, the console and the tests all rely on these codes,
// so never rename one; add a new code instead.

import { errorCodes, type ErrorCode } from './contracts/error-codes.js';

export { errorCodes, type ErrorCode };

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

/** A write that failed because the disk (or the database file's filesystem) is full. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'SQLITE_FULL' || code === 'EDQUOT';
}

/** Any thrown value as `{ code, message }`; unknown errors become INTERNAL without leaking internals. */
export function toErrorInfo(err: unknown): { code: ErrorCode; message: string } {
  if (err instanceof AgentError) return err.toJSON();
  if (isDiskFull(err)) return { code: 'DISK_FULL', message: errorCodes.DISK_FULL };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message };
}
