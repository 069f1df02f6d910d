// Submitting a folder: every file becomes a row with its size, sha256 and media kind before anything is sent. Files
// are read several at a time, small ones once for both the hash and the type, large ones streamed; whichever way,
// the figures must be the file's own and the rows must keep the folder's order. Real fixtures, a real SQLite store;
// the batch is paused, so no agent is involved.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleCore } from '../console-core.js';
import type { AnalysisRequest, BatchSummary } from '../contracts/requests.js';
import { openTestCore } from '../../../test-harness/console/test-core.js';
import { fixturesDir } from '../../../test-harness/shared-folder.js';

describe('requests:submit describes every file of a folder', () => {
  let dir: string;
  let core: ConsoleCore;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mf-submit-'));
    core = openTestCore(dir);
  });
  afterAll(async () => {
    await core?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('size, sha256 and media kind are the file’s own, small (read whole) or large (streamed), in the folder’s order', async () => {
    const folder = join(dir, 'media');
    mkdirSync(folder);
    // Megamind.avi is over the 1 MiB read-whole limit; the rest are under it.
    copyFileSync(join(fixturesDir, 'video', 'Megamind.avi'), join(folder, 'a-Megamind.avi'));
    copyFileSync(join(fixturesDir, 'audio', 'jfk.wav'), join(folder, 'b-jfk.wav'));
    copyFileSync(join(fixturesDir, 'images', 'chelsea.png'), join(folder, 'c-chelsea.png'));
    // A file named as an image whose bytes are not one: kept as a request of unknown kind (the agent says why).
    writeFileSync(join(folder, 'd-not-really.jpg'), 'plain text, not a picture');
    for (let i = 0; i < 30; i++) writeFileSync(join(folder, `e-${String(i).padStart(2, '0')}.jpg`), `small ${i}`);

    const answer = await core.invoke('requests:submit', { paths: [folder], paused: true });
    if (!answer.ok) throw new Error(answer.error.message);
    const { batch, requests } = answer.data as { batch: BatchSummary; requests: AnalysisRequest[] };
    expect(batch.total).toBe(34);
    expect(requests.map((r) => r.fileName)).toEqual([
      'a-Megamind.avi',
      'b-jfk.wav',
      'c-chelsea.png',
      'd-not-really.jpg',
      ...Array.from({ length: 30 }, (_, i) => `e-${String(i).padStart(2, '0')}.jpg`),
    ]);
    for (const r of requests) {
      const path = join(folder, r.fileName);
      expect(r.bytes, r.fileName).toBe(statSync(path).size);
      expect(r.sha256, r.fileName).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'));
    }
    expect(requests.slice(0, 4).map((r) => r.mediaKind)).toEqual(['video', 'audio', 'image', 'unknown']);
    expect(statSync(join(folder, 'a-Megamind.avi')).size).toBeGreaterThan(1024 * 1024);
  });
});
