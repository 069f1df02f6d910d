// "Text seen" on real media: a clip made of vtest.avi's pedestrians, then page.png held for four seconds, then
// pedestrians again, analysed with the real OCR on its keyframes. The summary names the page's text once, with
// when it was on screen, and nothing from the pedestrian parts, whatever the OCR made of them.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { ResultDocument } from '../../contracts/result-document.js';
import { agent, fixtures, makeMedia, tempDir } from '../../../../test-harness/agent/av-test-support.js';
import { analyzeAudioVideo } from '../av/analyze-av.js';
import { shutdownAnalyzers } from '../analyze-file.js';

const work = tempDir('mf-text-seen-');
afterAll(async () => {
  await shutdownAnalyzers();
  rmSync(work, { recursive: true, force: true });
});

describe('text seen in a video', () => {
  it('names the text of a page shown for 4 s once, with first and last seen, and none of the noise around it', async () => {
    const clip = path.join(work, 'pedestrians-page-pedestrians.avi');
    const vtest = path.join(fixtures, 'video/vtest.avi');
    // 3 s of pedestrians (from t=53 s, where the OCR once read "TA" on a leg), 4 s of page.png, 3 s again.
    makeMedia([
      '-ss', '53', '-t', '3', '-i', vtest,
      '-loop', '1', '-t', '4', '-i', path.join(fixtures, 'images/page.png'),
      '-ss', '20', '-t', '3', '-i', vtest,
      '-filter_complex',
      '[1:v]scale=768:-2,pad=768:576:(ow-iw)/2:(oh-ih)/2:white,fps=10,format=yuv420p[page];' +
        '[0:v]fps=10,format=yuv420p[a];[2:v]fps=10,format=yuv420p[b];[a][page][b]concat=n=3:v=1:a=0[v]',
      '-map', '[v]', '-c:v', 'mpeg4', '-q:v', '2', clip,
    ]);
    const doc = await analyzeAudioVideo(clip, { mime: 'video/vnd.avi', kind: 'video' }, { agent, analyses: ['ocr'], keyframes: { intervalSec: 1, maxFps: 1 } });
    expect(ResultDocument.safeParse(doc).success).toBe(true);
    const summary = doc.summary!;
    const heading = summary.textAppearances?.find((t) => /region.based segmentation/i.test(t.text));
    expect(heading, JSON.stringify(summary.textAppearances)).toBeDefined();
    // On screen from 3 s to 7 s: read on several keyframes, named once.
    expect(heading!.keyframes).toBeGreaterThanOrEqual(3);
    expect(heading!.firstSeen).toBeGreaterThanOrEqual(2.9);
    expect(heading!.lastSeen).toBeLessThan(7.1);
    expect(summary.textSeen.filter((t) => /region.based segmentation/i.test(t))).toHaveLength(1);
    // Nothing named outside the page's four seconds.
    for (const t of summary.textAppearances ?? []) {
      expect(t.firstSeen, t.text).toBeGreaterThanOrEqual(2.9);
      expect(t.lastSeen, t.text).toBeLessThan(7.1);
    }
    const noiseRead = doc.timeline!.filter((e) => e.t < 2.9 || e.t >= 7.1).flatMap((e) => e.ocr?.lines.map((l) => `${l.text}@${e.t}`) ?? []);
    console.log(`text seen: ${JSON.stringify(summary.textSeen)}; left out from the pedestrian parts: ${JSON.stringify(noiseRead)}`);
  }, 600_000);
});
