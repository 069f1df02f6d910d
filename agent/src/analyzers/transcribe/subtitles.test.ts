import { describe, expect, it } from 'vitest';
import { toSrt, toVtt } from './subtitles.js';
import { wordErrorRate } from './word-error-rate.js';

const transcript = {
  segments: [
    { start: 0.5, end: 2.25, text: 'ask not what your country' },
    { start: 3661.0049, end: 3662.5, text: 'can do for you', speaker: 'S1' },
    { start: 4000, end: 4001, text: '   ' },
  ],
};

describe('subtitles', () => {
  it('writes numbered SRT cues with comma milliseconds and skips empty cues', () => {
    expect(toSrt(transcript)).toBe(
      '1\n00:00:00,500 --> 00:00:02,250\nask not what your country\n\n2\n01:01:01,005 --> 01:01:02,500\nS1: can do for you\n',
    );
  });

  it('writes WebVTT with a header, dot milliseconds and voice tags', () => {
    expect(toVtt(transcript)).toBe(
      'WEBVTT\n\n00:00:00.500 --> 00:00:02.250\nask not what your country\n\n01:01:01.005 --> 01:01:02.500\n<v S1>can do for you\n',
    );
  });

  it('keeps a cue from breaking out of its block', () => {
    expect(toSrt({ segments: [{ start: 0, end: 1, text: 'a\n\nb --> c' }] })).toBe('1\n00:00:00,000 --> 00:00:01,000\na\nb -> c\n');
  });
});

describe('word error rate', () => {
  it('counts substitutions, deletions and insertions over the reference length', () => {
    expect(wordErrorRate('ten of clubs', 'ten of clubs')).toBe(0);
    expect(wordErrorRate('ten of clubs', 'ten clubs')).toBeCloseTo(1 / 3);
    expect(wordErrorRate('ten of clubs', 'two of clubs now')).toBeCloseTo(2 / 3);
    expect(wordErrorRate('Ten, of CLUBS!', 'ten of clubs')).toBe(0);
    expect(wordErrorRate('', '')).toBe(0);
  });
});
