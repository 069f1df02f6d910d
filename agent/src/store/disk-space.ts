// Whether the data directory's disk has room: free space from statfs (at most a second old) against the configured
// minimum, and any write that failed with ENOSPC/SQLITE_FULL in the last few seconds (a quota or a burst can fill the
// disk between two looks). New uploads are refused while the disk is full; everything else goes on, and uploads
// are taken again as soon as there is room, with nothing to restart.
import fs from 'node:fs';
import { AgentError } from '../errors.js';

export interface DiskSpaceStatus {
  full: boolean;
  freeBytes: number | null;
  /** Why the disk counts as full. */
  reason?: string;
}

const checkEveryMs = 1000;
/** After a write hit a full disk, it counts as full this long even if statfs shows room. */
const writeFailureMemoryMs = 10_000;

export class DiskSpace {
  private checked?: { at: number; freeBytes: number | null };
  private lastWriteFailureAt = -Infinity;

  constructor(
    private readonly dir: string,
    private readonly minFreeBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Call when a write failed because the disk is full. */
  noteWriteFailure(): void {
    this.lastWriteFailureAt = this.now();
    this.checked = undefined;
  }

  status(): DiskSpaceStatus {
    const now = this.now();
    if (!this.checked || now - this.checked.at >= checkEveryMs) this.checked = { at: now, freeBytes: this.freeBytes() };
    const { freeBytes } = this.checked;
    if (freeBytes !== null && freeBytes < this.minFreeBytes) {
      return { full: true, freeBytes, reason: `${freeBytes} bytes free under the data directory, below the minimum of ${this.minFreeBytes} (MEDIAFLEET_MIN_FREE_DISK_BYTES)` };
    }
    if (now - this.lastWriteFailureAt < writeFailureMemoryMs) return { full: true, freeBytes, reason: 'a write failed because the disk is full' };
    return { full: false, freeBytes };
  }

  /** DISK_FULL (507, Retry-After) while the disk is full: checked before any byte of an upload is read. */
  assertRoomForUpload(): void {
    const status = this.status();
    if (status.full) throw new AgentError('DISK_FULL', `the agent's disk is full (${status.reason}); uploads are refused until there is room: retry later or on another agent`, { retryAfterSec: 30 });
  }

  private freeBytes(): number | null {
    try {
      const stats = fs.statfsSync(this.dir);
      return Number(stats.bavail) * Number(stats.bsize);
    } catch {
      return null;
    }
  }
}

/** What the uploads folder holds (files and bytes), for /v1/health; at most two seconds old. */
export class UploadsUsage {
  private cached?: { at: number; files: number; bytes: number };

  constructor(
    private readonly dir: string,
    private readonly now: () => number = Date.now,
  ) {}

  read(): { files: number; bytes: number } {
    const now = this.now();
    if (this.cached && now - this.cached.at < 2000) return { files: this.cached.files, bytes: this.cached.bytes };
    let files = 0;
    let bytes = 0;
    for (const name of safeReaddir(this.dir)) {
      try {
        bytes += fs.statSync(`${this.dir}/${name}`).size;
        files++;
      } catch {
        // removed meanwhile
      }
    }
    this.cached = { at: now, files, bytes };
    return { files, bytes };
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
