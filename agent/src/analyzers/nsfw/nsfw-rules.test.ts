// The verdict logic and the rules file (the model itself is exercised on the fixtures in analyze-file.test.ts).
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideNsfwVerdict, defaultNsfwRulesPath, loadNsfwRules } from './nsfw-rules.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'mediafleet-nsfw-rules-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const scores = (s: Partial<Record<'Drawing' | 'Hentai' | 'Neutral' | 'Porn' | 'Sexy', number>>) => ({
  Drawing: 0,
  Hentai: 0,
  Neutral: 0,
  Porn: 0,
  Sexy: 0,
  ...s,
});

describe('the shipped rules', () => {
  it('flag confident Porn, Hentai or Sexy scores and pass ordinary photos', async () => {
    const { rules, model } = await loadNsfwRules(defaultNsfwRulesPath({}));
    expect(model).toBe('MobileNetV2Mid');
    expect(decideNsfwVerdict(scores({ Porn: 0.9, Neutral: 0.1 }), rules)).toMatchObject({ verdict: 'explicit', reason: 'Porn 0.90 >= 0.6' });
    expect(decideNsfwVerdict(scores({ Hentai: 0.7, Drawing: 0.3 }), rules).verdict).toBe('explicit');
    expect(decideNsfwVerdict(scores({ Porn: 0.4, Hentai: 0.4, Neutral: 0.2 }), rules).verdict).toBe('explicit');
    expect(decideNsfwVerdict(scores({ Sexy: 0.8, Neutral: 0.2 }), rules).verdict).toBe('suggestive');
    expect(decideNsfwVerdict(scores({ Porn: 0.35, Neutral: 0.65 }), rules).verdict).toBe('suggestive');
    expect(decideNsfwVerdict(scores({ Neutral: 0.9, Drawing: 0.1 }), rules)).toEqual({ verdict: 'safe', reason: 'no rule matched' });
    expect(decideNsfwVerdict(scores({ Drawing: 0.98, Porn: 0.02 }), rules).verdict).toBe('safe');
  });

  it('take the most severe matching verdict, whatever the order of the rules', () => {
    const rules = [
      { verdict: 'suggestive' as const, classes: ['Porn' as const], min: 0.2 },
      { verdict: 'explicit' as const, classes: ['Porn' as const], min: 0.5 },
    ];
    expect(decideNsfwVerdict(scores({ Porn: 0.6 }), rules).verdict).toBe('explicit');
    expect(decideNsfwVerdict(scores({ Porn: 0.3 }), rules).verdict).toBe('suggestive');
  });
});

describe('the rules file', () => {
  it('is re-read after it changes', async () => {
    const path = join(tmp, 'rules.json');
    await writeFile(path, JSON.stringify({ model: 'MobileNetV2', rules: [] }));
    expect((await loadNsfwRules(path)).model).toBe('MobileNetV2');
    await writeFile(path, JSON.stringify({ model: 'InceptionV3', rules: [{ verdict: 'explicit', classes: ['Porn'], min: 0.1 }] }));
    const later = new Date(Date.now() + 5000);
    await utimes(path, later, later);
    const reread = await loadNsfwRules(path);
    expect(reread.model).toBe('InceptionV3');
    expect(reread.rules).toHaveLength(1);
  });

  it('names the problem in a malformed file', async () => {
    const path = join(tmp, 'bad.json');
    await writeFile(path, JSON.stringify({ rules: [{ verdict: 'explicit', classes: ['Nudity'], min: 0.5 }] }));
    await expect(loadNsfwRules(path)).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('rules.0.classes.0') });
    await writeFile(path, '{ not json');
    await expect(loadNsfwRules(path)).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('not valid JSON') });
    await expect(loadNsfwRules(join(tmp, 'missing.json'))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('is found through MEDIAFLEET_NSFW_RULES', () => {
    expect(defaultNsfwRulesPath({ nsfwRules: '/etc/mediafleet/nsfw.json' })).toBe('/etc/mediafleet/nsfw.json');
    expect(defaultNsfwRulesPath({})).toMatch(/agent\/config\/nsfw-rules\.json$/);
  });
});
