// Speaker search with the real speaker-embedding model on real recordings: a "cards" recording's voice must find
// another "cards" recording (same CMU Sphinx speaker) before the LibriVox reader, and the other way round.
// The model comes from the model manager; no npm or Debian package ships one, and the build machines cannot
// download it, so here these tests skip and say why.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDING_MODEL_ID, SEGMENTATION_MODEL_ID, diarizeSpeakers } from '../analyzers/speakers/diarize-speakers.js';
import { loadSpeakerEmbedder, SPEAKER_EMBEDDING_MODEL_ID, type SpeakerEmbedder } from '../analyzers/speakers/embed-speaker-turns.js';
import type { ResultDocument } from '../contracts/result-document.js';
import { decodeAudioForSpeech } from '../media/av/decode-audio.js';
import { defaultModelManager } from '../models/model-manager.js';
import { openDatabase, type Db } from '../store/database.js';
import { SpeakerIndex } from './speaker-index.js';
import { SpeakersRepository } from './speakers-repository.js';
import { fixture } from '../../../test-harness/shared-folder.js';

const audioDir = fixture('audio');
const installed = async (id: string): Promise<boolean> => defaultModelManager().resolveModelFiles(id).then(() => true, () => false);
const hasEmbedding = await installed(SPEAKER_EMBEDDING_MODEL_ID);
const hasDiarization = hasEmbedding && (await installed(SEGMENTATION_MODEL_ID));

const wholeFileDoc = (file: string, durationSec: number, embedding: number[]): ResultDocument => ({
  version: 1,
  file,
  media: { kind: 'audio', mime: 'audio/wav', bytes: 1, sha256: '0'.repeat(64) },
  speakers: { model: SPEAKER_EMBEDDING_MODEL_ID, speakers: ['S1'], turns: [{ start: 0, end: durationSec, speaker: 'S1', embedding } as never] },
  timings: {},
  agent: { id: 't', version: '0' },
  models: {},
});

describe('speaker search with the real embedding model', () => {
  let dir: string;
  let db: Db;
  let index: SpeakerIndex;
  let embedder: SpeakerEmbedder;
  const turnOf = new Map<string, string>();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mf-speaker-model-'));
    const opened = openDatabase(path.join(dir, 'agent.sqlite'));
    db = opened.db;
    db.pragma('foreign_keys = OFF');
    index = new SpeakerIndex(new SpeakersRepository(db, opened.hasVectorSearch));
  });
  afterAll(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!hasEmbedding)(
    `finds the same speaker across recordings before another speaker (skipped: speaker embedding model not installed: ${SPEAKER_EMBEDDING_MODEL_ID})`,
    async () => {
      embedder = await loadSpeakerEmbedder();
      for (const name of ['cards-001', 'cards-005', 'librivox-0870', 'librivox-0880']) {
        const audio = await decodeAudioForSpeech(path.join(audioDir, `${name}.wav`), 'wav');
        const embedding = embedder.embed(audio.samples)!;
        expect(embedding).toHaveLength(embedder.dim);
        const indexed = index.indexResultSpeakers('acme', name, wholeFileDoc(`${name}.wav`, audio.durationSec, embedding), false);
        turnOf.set(name, indexed.speakers!.turns[0].embeddingId!);
      }
      const nearestJob = (name: string): string => index.findSimilar('acme', turnOf.get(name)!, { limit: 3 }).similar[0].jobId;
      expect(nearestJob('cards-001')).toBe('cards-005');
      expect(nearestJob('cards-005')).toBe('cards-001');
      expect(nearestJob('librivox-0870')).toBe('librivox-0880');
      expect(nearestJob('librivox-0880')).toBe('librivox-0870');
    },
    120_000,
  );

  it.skipIf(!hasDiarization)(
    `diarizes jfk.wav into turns that each carry an embedding (skipped: speaker models not installed: ${EMBEDDING_MODEL_ID}, ${SEGMENTATION_MODEL_ID})`,
    async () => {
      const audio = await decodeAudioForSpeech(path.join(audioDir, 'jfk.wav'), 'wav');
      const result = await diarizeSpeakers(audio, { withEmbeddings: true });
      expect(result.turns.length).toBeGreaterThan(0);
      for (const turn of result.turns.filter((t) => t.end - t.start >= 0.5)) expect(turn.embedding?.length).toBeGreaterThan(0);
    },
    120_000,
  );
});
