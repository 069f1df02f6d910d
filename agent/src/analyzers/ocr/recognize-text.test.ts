// OCR on the real fixtures with the real engines: PP-OCRv4 (default) and tesseract.js (explicit language).
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcrSection } from '../../contracts/result-document.js';
import { decodeImage, type DecodedImage } from '../../media/decode-image.js';
import { characterErrorRate } from './character-error-rate.js';
import { recognizeText } from './recognize-text.js';
import { findTesseractLangData, terminateTesseractWorkers } from './tesseract-engine.js';

const fixtures = '/work/shared/fixtures/images';
const images: Record<string, DecodedImage> = {};

beforeAll(async () => {
  for (const name of ['page.png', 'imageTextN.png', 'messi5.jpg', 'coffee.png']) images[name] = await decodeImage(`${fixtures}/${name}`);
});

afterAll(async () => {
  await terminateTesseractWorkers();
});

describe('PP-OCRv4 (default engine)', () => {
  for (const name of ['page.png', 'imageTextN.png']) {
    it(`reads ${name} with a character error rate of at most 5%`, async () => {
      const { section, model } = await recognizeText(images[name]);
      const truth = await readFile(`${fixtures}/${name.replace('.png', '.txt')}`, 'utf8');
      const cer = characterErrorRate(section.text, truth);
      console.info(`PP-OCR CER ${name}: ${(cer * 100).toFixed(2)}%`);
      expect(cer).toBeLessThanOrEqual(0.05);
      expect(OcrSection.parse(section)).toEqual(section);
      expect(model).toMatch(/PP-OCRv4/);
      expect(section.language).toBe('und-Latn');
      // Boxes are in the image's own pixels, one per line, top to bottom.
      expect(section.lines.length).toBe(truth.trim().split('\n').length);
      for (const line of section.lines) {
        expect(line.confidence).toBeGreaterThan(0.6);
        expect(line.box.x).toBeGreaterThanOrEqual(0);
        expect(line.box.x + line.box.width).toBeLessThanOrEqual(images[name].width);
        expect(line.box.y + line.box.height).toBeLessThanOrEqual(images[name].height);
        expect(line.box.width).toBeGreaterThan(line.box.height);
      }
      const ys = section.lines.map((l) => l.box.y);
      expect([...ys].sort((a, b) => a - b)).toEqual(ys);
    });
  }

  it('reads the UNICEF logo on the football shirt', async () => {
    const { section } = await recognizeText(images['messi5.jpg']);
    expect(section.text.toLowerCase()).toContain('unicef');
    const line = section.lines.find((l) => l.text.toLowerCase().includes('unicef'))!;
    // The logo sits on the shirt's chest, around (221..266, 148..162) in the 548x342 photo.
    expect(line.box.x).toBeGreaterThan(200);
    expect(line.box.x).toBeLessThan(240);
    expect(line.box.y).toBeGreaterThan(135);
    expect(line.box.y).toBeLessThan(160);
  });

  it('finds no text in a photo of a coffee cup', async () => {
    const { section } = await recognizeText(images['coffee.png']);
    expect(section.text).toBe('');
    expect(section.language).toBe('und');
  });
});

describe('tesseract.js (explicit language)', () => {
  it.skipIf(!findTesseractLangData('eng'))('reads page.png in English with CER at most 10% (skipped when no eng traineddata is installed)', async () => {
    const { section, model } = await recognizeText(images['page.png'], 'eng');
    const truth = await readFile(`${fixtures}/page.txt`, 'utf8');
    const cer = characterErrorRate(section.text, truth);
    console.info(`tesseract eng CER page.png: ${(cer * 100).toFixed(2)}%`);
    expect(model).toBe('tesseract/eng');
    expect(section.engine).toMatch(/tesseract/);
    expect(section.language).toBe('eng');
    expect(cer).toBeLessThanOrEqual(0.1);
    expect(section.lines[0].text).toMatch(/Region-based segmentation/);
  });

  it('refuses a language whose data is not installed, with MODEL_MISSING and no fallback', async () => {
    const lang = 'zzz';
    await expect(recognizeText(images['page.png'], lang)).rejects.toMatchObject({
      code: 'MODEL_MISSING',
      message: expect.stringContaining('zzz'),
    });
  });

  it('refuses a malformed language code with BAD_REQUEST', async () => {
    await expect(recognizeText(images['page.png'], '../etc')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
