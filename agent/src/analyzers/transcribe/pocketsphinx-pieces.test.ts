// Where PocketSphinx's second pass decodes: first-pass utterances widened by a margin (never past the midpoint
// to a neighbour), joined into pieces, and the words put back into one segment per utterance.
import { describe, expect, it } from 'vitest';
import { piecesOf, piecesToTranscript, utteranceSpans } from './pocketsphinx-engine.js';

const word = (w: string, start: number, end: number) => ({ word: w, start, end, confidence: 0.9 });

describe('PocketSphinx second-pass pieces', () => {
  it('widens each utterance by the margin, stops at the midpoint to a neighbour and at the file edges', () => {
    const spans = utteranceSpans(
      [
        { text: 'a b', words: [word('a', 0.1, 0.5), word('b', 0.6, 1.0)] },
        { text: '', words: [] },
        { text: 'c', words: [word('c', 1.2, 1.6)] },
        { text: 'd', words: [word('d', 5.0, 5.9)] },
      ],
      6,
    );
    const rounded = spans.map((s) => ({ start: Number(s.start.toFixed(6)), end: Number(s.end.toFixed(6)) }));
    expect(rounded).toEqual([
      { start: 0, end: 1.1 },
      { start: 1.1, end: 1.9 },
      { start: 4.7, end: 6 },
    ]);
  });

  it('joins neighbours up to 1.5 s apart into pieces of at most 28 s', () => {
    expect(piecesOf([{ start: 0, end: 2 }, { start: 3, end: 5 }, { start: 7, end: 8 }])).toEqual([{ start: 0, end: 5 }, { start: 7, end: 8 }]);
    const long = Array.from({ length: 20 }, (_, i) => ({ start: i * 2, end: i * 2 + 1.5 }));
    const pieces = piecesOf(long);
    expect(pieces.every((p) => p.end - p.start <= 28)).toBe(true);
    expect(pieces).toHaveLength(2);
  });

  it('places words in the file and gives one segment per first-pass utterance', () => {
    const spans = [{ start: 0, end: 2 }, { start: 3, end: 5 }];
    const t = piecesToTranscript(spans, [{ offsetSec: 0.5, words: [word('ask', 0, 0.3), word('not', 0.4, 0.8), word('what', 2.7, 3.1)] }]);
    expect(t.words?.map((w) => [w.word, w.start])).toEqual([['ask', 0.5], ['not', 0.9], ['what', 3.2]]);
    expect(t.segments).toEqual([
      { start: 0.5, end: 1.3, text: 'ask not' },
      { start: 3.2, end: 3.6, text: 'what' },
    ]);
    expect(t.text).toBe('ask not what');
  });
});
