// Speaker diarization needs two models no package ships and the build machines cannot download; the absence
// must be reported, and the real run is skipped with that reason until the models are pulled.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAudioForSpeech } from '../../media/av/decode-audio.js';
import { defaultModelManager, ModelManager } from '../../models/model-manager.js';
import { defaultManifestsDir } from '../../models/model-manifest.js';
import { assignSpeakers, diarizeSpeakers, EMBEDDING_MODEL_ID, SEGMENTATION_MODEL_ID } from './diarize-speakers.js';
import { fixture } from '../../../../test-harness/shared-folder.js';

const emptyCache = new ModelManager({ manifestsDir: defaultManifestsDir({}), cacheDir: mkdtempSync(path.join(os.tmpdir(), 'mf-empty-cache-')) });
const installed = await defaultModelManager()
  .resolveModelFiles(SEGMENTATION_MODEL_ID)
  .then(() => defaultModelManager().resolveModelFiles(EMBEDDING_MODEL_ID))
  .then(() => true, () => false);

describe('speaker diarization', () => {
  it('reports MODEL_MISSING naming both absent models', async () => {
    const audio = await decodeAudioForSpeech(fixture('audio', 'jfk.wav'), 'wav');
    const err = await diarizeSpeakers(audio, { manager: emptyCache }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODEL_MISSING' });
    expect((err as Error).message).toContain(SEGMENTATION_MODEL_ID);
    expect((err as Error).message).toContain(EMBEDDING_MODEL_ID);
  });

  it.skipIf(!installed)(
    'finds one speaker in jfk.wav (skipped: the diarization models are not installed in MEDIAFLEET_MODELS_DIR and cannot be downloaded here)',
    async () => {
      const audio = await decodeAudioForSpeech(fixture('audio', 'jfk.wav'), 'wav');
      const result = await diarizeSpeakers(audio);
      expect(result.speakers).toEqual(['S1']);
      expect(result.turns.length).toBeGreaterThan(0);
    },
  );

  it('labels transcript segments with the speaker of the most overlapping turn', () => {
    const labelled = assignSpeakers(
      { engine: 'e', model: 'm', language: 'en', text: 'a b', segments: [{ start: 0, end: 2, text: 'a' }, { start: 2, end: 5, text: 'b' }, { start: 9, end: 10, text: 'c' }] },
      [{ start: 0, end: 2.5, speaker: 'S1' }, { start: 2.5, end: 6, speaker: 'S2' }],
    );
    expect(labelled.segments.map((s) => s.speaker)).toEqual(['S1', 'S2', undefined]);
  });
});
