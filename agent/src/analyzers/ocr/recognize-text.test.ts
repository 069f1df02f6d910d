// OCR on the real fixtures with the real engines: PP-OCRv4 (default) and tesseract.js (explicit language).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcrSection } from '../../contracts/result-document.js';
import { decodeImage, type DecodedImage } from '../../media/decode-image.js';
import { characterErrorRate } from './character-error-rate.js';
import { recognizeText } from './recognize-text.js';
import { findTesseractLangData, terminateTesseractWorkers } from './tesseract-engine.js';
import { fixture } from '../../../../test-harness/shared-folder.js';

const fixtures = fixture('images');
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

  it.skipIf(!findTesseractLangData('eng'))(
    'ends an idle tesseract worker, so a process that never shuts it down still exits (skipped when no eng traineddata is installed)',
    async () => {
      const entry = fileURLToPath(new URL('./recognize-text.ts', import.meta.url));
      const decode = fileURLToPath(new URL('../../media/decode-image.ts', import.meta.url));
      const code = `
        const { recognizeText } = await import(${JSON.stringify(entry)});
        const { decodeImage } = await import(${JSON.stringify(decode)});
        const { section } = await recognizeText(await decodeImage('${fixtures}/page.png'), 'eng');
        console.log(section.lines.length);`;
      const dir = await mkdtemp(join(tmpdir(), 'mediafleet-tesseract-'));
      const script = join(dir, 'recognize-once.mts');
      await writeFile(script, code);
      const started = Date.now();
      // A script file, not `-e`: `--input-type` would be inherited by tesseract's worker thread and break it.
      const child = spawn(process.execPath, ['--import', 'tsx', script], {
        cwd: fileURLToPath(new URL('../../../..', import.meta.url)),
        env: { ...process.env, MEDIAFLEET_TESSERACT_IDLE_MS: '300' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      const exitCode = await new Promise<number | null>((resolve) => {
        const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
        child.on('exit', (c) => {
          clearTimeout(killer);
          resolve(c);
        });
      });
      await rm(dir, { recursive: true, force: true });
      expect(exitCode).toBe(0);
      expect(Number(out.trim())).toBeGreaterThan(3);
      console.info(`tesseract child process exited on its own after ${Date.now() - started} ms`);
    },
  );

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
