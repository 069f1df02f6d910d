// When a rented instance's uptime began, for its lifetime and spend caps: the first start of an agent on it, kept
// in the data directory (the instance's own disk). An agent that crashes and starts again, or a container that is
// restarted, must not begin its lifetime and spend from zero each time: a crash loop would never reach a cap.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger.js';

const fileName = 'self-destroy-uptime.json';

interface UptimeRecord {
  containerId: string;
  startedAtMs: number;
}

/**
 * The recorded start for this `containerId`, or `nowMs` (recorded now) when there is none: a data directory
 * carried over from another instance, a missing or damaged file. A start in the future (a clock set back) reads
 * as now. When the record cannot be written the caps count from this start, and the log says so.
 */
export function instanceStartedAt(dataDir: string, containerId: string, nowMs: number, logger: Logger): number {
  const file = path.join(dataDir, fileName);
  try {
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<UptimeRecord>;
    if (record.containerId === containerId && typeof record.startedAtMs === 'number' && Number.isFinite(record.startedAtMs)) {
      return Math.min(record.startedAtMs, nowMs);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn({ err, file }, 'self-destroy: the uptime record is unreadable; uptime counts from now');
  }
  try {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ containerId, startedAtMs: nowMs } satisfies UptimeRecord));
    fs.renameSync(tmp, file);
  } catch (err) {
    logger.warn({ err, file }, 'self-destroy: could not record when this instance started; a restarted agent would count its lifetime and spend from its own start');
  }
  return nowMs;
}
