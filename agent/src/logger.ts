// Structured logs go to stderr only: stdout belongs to the CLI's JSON output.
import pino from 'pino';

export type Logger = pino.Logger;

/** `level` is config.logLevel (MEDIAFLEET_LOG_LEVEL). */
export function createLogger(level = 'info'): Logger {
  return pino({ level, base: { service: 'mediafleet-agent' } }, pino.destination({ fd: 2, sync: true }));
}
