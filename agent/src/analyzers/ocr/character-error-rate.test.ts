import { describe, expect, it } from 'vitest';
import { characterErrorRate, editDistance } from './character-error-rate.js';

describe('character error rate', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abc', 'abc')).toBe(0);
  });

  it('ignores layout whitespace but not missing spaces between words', () => {
    expect(characterErrorRate('a  b\nc', 'a b c')).toBe(0);
    expect(characterErrorRate('ab c', 'a b c')).toBeCloseTo(1 / 5);
  });
});
