import { describe, expect, it } from 'vitest';
import { groupSpeechIntoChunks } from './speech-chunks.js';

describe('groupSpeechIntoChunks', () => {
  it('merges spans with short pauses, pads them, and keeps long silences out', () => {
    const chunks = groupSpeechIntoChunks(
      [
        { start: 0.3, end: 2.3 },
        { start: 3.3, end: 4.5 },
        { start: 20, end: 22 },
      ],
      30,
    ).map((c) => ({ start: Math.round(c.start * 1000) / 1000, end: Math.round(c.end * 1000) / 1000 }));
    expect(chunks).toEqual([
      { start: 0.1, end: 4.7 },
      { start: 19.8, end: 22.2 },
    ]);
  });

  it('never makes a chunk longer than the window', () => {
    const chunks = groupSpeechIntoChunks([{ start: 0, end: 70 }], 70, { padSec: 0 });
    expect(chunks).toEqual([
      { start: 0, end: 28 },
      { start: 28, end: 56 },
      { start: 56, end: 70 },
    ]);
    const merged = groupSpeechIntoChunks([{ start: 0, end: 20 }, { start: 20.5, end: 30 }], 30, { padSec: 0 });
    expect(merged).toHaveLength(2);
  });
});
