// The model-free parts of per-turn speaker embeddings: which samples a turn covers, and unit-length vectors (so
// cosine similarity in SQL and in JS agree). The model itself: speakers-search/speaker-search-model.test.ts.
import { describe, expect, it } from 'vitest';
import type { DecodedAudio } from '../../media/av/decode-audio.js';
import { normalise, turnSamples } from './embed-speaker-turns.js';

const audio: DecodedAudio = { sampleRate: 16_000, samples: Float32Array.from({ length: 16_000 * 3 }, (_, i) => i), durationSec: 3 };

describe('speaker turn embeddings', () => {
  it('cuts a turn out of 16 kHz audio by its start and end seconds, clamped to the recording', () => {
    const mid = turnSamples(audio, 1, 1.5);
    expect(mid.length).toBe(8000);
    expect(mid[0]).toBe(16_000);
    expect(turnSamples(audio, 2.5, 10).length).toBe(8000);
    expect(turnSamples(audio, -1, 0.25).length).toBe(4000);
    expect(turnSamples(audio, 5, 6).length).toBe(0);
  });

  it('scales vectors to unit length and leaves an all-zero vector at zero', () => {
    const v = normalise([3, 4]);
    expect(v).toEqual([0.6, 0.8]);
    expect(normalise([0, 0, 0])).toEqual([0, 0, 0]);
  });
});
