// The token a worker shows when it fetches an upload from the job's origin agent: an HMAC of the job id under a
// key only the origin holds (kept in its data directory, so tokens survive its restart). Nothing is shared
// between agents but Redis: whoever can read the queue can fetch what is queued, and nothing more.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export class InputTokens {
  private constructor(private readonly key: Buffer) {}

  /** Loads the key from <dataDir>/cluster-input.key, creating it (mode 0600) on first use. */
  static open(dataDir: string): InputTokens {
    const file = path.join(dataDir, 'cluster-input.key');
    try {
      return new InputTokens(fs.readFileSync(file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const key = crypto.randomBytes(32);
    // 'wx': if another start created it meanwhile, use theirs rather than overwrite it.
    try {
      fs.writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
      return new InputTokens(key);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return new InputTokens(fs.readFileSync(file));
    }
  }

  sign(jobId: string): string {
    return crypto.createHmac('sha256', this.key).update(`input:${jobId}`).digest('base64url');
  }

  verify(jobId: string, token: string): boolean {
    const expected = Buffer.from(this.sign(jobId));
    const given = Buffer.from(token);
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  }
}
