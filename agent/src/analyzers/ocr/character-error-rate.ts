// Character error rate of OCR output against a ground truth: edit distance over the reference length, after
// collapsing whitespace (line breaks and spacing are layout, not reading).
export function normaliseForCer(text: string): string {
  return text.normalize('NFKC').replace(/\s+/gu, ' ').trim();
}

/** Levenshtein distance over Unicode code points, two rows of memory. */
export function editDistance(a: string, b: string): number {
  const s = Array.from(a);
  const t = Array.from(b);
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  let curr = new Array<number>(t.length + 1);
  for (let i = 1; i <= s.length; i++) {
    curr[0] = i;
    for (let j = 1; j <= t.length; j++) {
      const substitution = prev[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1);
      curr[j] = Math.min(prev[j] + 1, curr[j - 1] + 1, substitution);
    }
    [prev, curr] = [curr, prev];
  }
  return prev[t.length];
}

export function characterErrorRate(hypothesis: string, reference: string): number {
  const ref = normaliseForCer(reference);
  const hyp = normaliseForCer(hypothesis);
  if (ref.length === 0) return hyp.length === 0 ? 0 : 1;
  return editDistance(hyp, ref) / Array.from(ref).length;
}
