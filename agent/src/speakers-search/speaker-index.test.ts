// Speaker search on a real SQLite file (with sqlite-vec, and the exact-scan fallback): per-turn vectors leave the
// result for ids, search ranks by voice similarity, skips the query's own job unless asked, and never crosses
// tenants. Vectors here are made-up directions: this is the store and search logic; the model is tested in
// speaker-search-model.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../contracts/result-document.js';
import { openDatabase, type Db } from '../store/database.js';
import { SpeakerIndex } from './speaker-index.js';
import { SpeakersRepository } from './speakers-repository.js';

const unit = (i: number, dims = 16): number[] => Array.from({ length: dims }, (_, k) => (k === i ? 1 : 0));
const blend = (a: number[], b: number[], t: number): number[] => a.map((v, k) => v * (1 - t) + b[k] * t);

const doc = (turns: { speaker: string; embedding?: number[] }[]): ResultDocument => ({
  version: 1,
  file: 'talk.wav',
  media: { kind: 'audio', mime: 'audio/wav', bytes: 1, sha256: '0'.repeat(64) },
  speakers: { model: 'test', speakers: [...new Set(turns.map((t) => t.speaker))], turns: turns.map((t, i) => ({ start: i * 2, end: i * 2 + 1.5, ...t })) },
  timings: {},
  agent: { id: 't', version: '0' },
  models: {},
});

const turnIds = (result: ResultDocument): (string | undefined)[] => result.speakers!.turns.map((t) => t.embeddingId);

for (const vectorSearch of [true, false]) {
  describe(`SpeakerIndex (${vectorSearch ? 'sqlite-vec' : 'exact scan'})`, () => {
    let dir: string;
    let db: Db;
    let index: SpeakerIndex;
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'mf-speakers-'));
      const opened = openDatabase(path.join(dir, 'agent.sqlite'));
      db = opened.db;
      db.pragma('foreign_keys = OFF'); // no job rows needed here
      if (vectorSearch) expect(opened.hasVectorSearch).toBe(true);
      index = new SpeakerIndex(new SpeakersRepository(db, vectorSearch && opened.hasVectorSearch));
    });
    afterEach(() => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('replaces turn vectors by ids unless asked to keep them, and leaves turns without vectors alone', () => {
      const stripped = index.indexResultSpeakers('acme', 'j1', doc([{ speaker: 'S1', embedding: unit(0) }, { speaker: 'S2' }]), false);
      const [first, second] = stripped.speakers!.turns as Array<{ embeddingId?: string; embedding?: number[] }>;
      expect(first.embeddingId).toEqual(expect.any(String));
      expect(first.embedding).toBeUndefined();
      expect(second).toEqual({ start: 2, end: 3.5, speaker: 'S2' });
      const kept = index.indexResultSpeakers('acme', 'j2', doc([{ speaker: 'S1', embedding: unit(1) }]), true);
      expect((kept.speakers!.turns[0] as { embedding?: number[] }).embedding).toEqual(unit(1));
      const none = doc([]);
      expect(index.indexResultSpeakers('acme', 'j3', { ...none, speakers: undefined }, false).speakers).toBeUndefined();
    });

    it("finds the same voice in the tenant's other media first, and leaves out the query's own job by default", () => {
      const alice = unit(0);
      const bob = unit(1);
      const [aliceInTalk, bobInTalk] = turnIds(index.indexResultSpeakers('acme', 'talk', doc([{ speaker: 'S1', embedding: alice }, { speaker: 'S2', embedding: bob }]), false));
      const [aliceInPodcast] = turnIds(index.indexResultSpeakers('acme', 'podcast', doc([{ speaker: 'S1', embedding: blend(alice, bob, 0.2) }]), false));
      const [bobInCall] = turnIds(index.indexResultSpeakers('acme', 'call', doc([{ speaker: 'S1', embedding: blend(bob, alice, 0.1) }]), false));

      const found = index.findSimilar('acme', aliceInTalk!, { limit: 10 });
      expect(found.turn).toMatchObject({ id: aliceInTalk, jobId: 'talk', speaker: 'S1' });
      expect(found.similar.map((s) => s.id)).toEqual([aliceInPodcast, bobInCall]);
      expect(found.similar[0].similarity).toBeGreaterThan(found.similar[1].similarity);
      expect(found.similar[0].similarity).toBeCloseTo(0.8 / Math.hypot(0.8, 0.2), 5);

      const withOwnJob = index.findSimilar('acme', aliceInTalk!, { limit: 10, includeSameJob: true });
      expect(withOwnJob.similar.map((s) => s.id)).toContain(bobInTalk);
      expect(withOwnJob.similar.map((s) => s.id)).not.toContain(aliceInTalk);
      expect(index.findSimilar('acme', aliceInTalk!, { limit: 1 }).similar).toHaveLength(1);
    });

    it("never shows or searches another tenant's voices", () => {
      const [mine] = turnIds(index.indexResultSpeakers('acme', 'a1', doc([{ speaker: 'S1', embedding: unit(2) }]), false));
      const [theirs] = turnIds(index.indexResultSpeakers('globex', 'g1', doc([{ speaker: 'S1', embedding: unit(2) }]), false));
      expect(index.findSimilar('acme', mine!, { limit: 10 }).similar).toEqual([]);
      expect(() => index.findSimilar('acme', theirs!, { limit: 10 })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
      expect(() => index.findSimilar('acme', 'no-such-turn', { limit: 10 })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    });
  });
}
