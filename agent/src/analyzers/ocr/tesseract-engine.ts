// tesseract.js (LSTM, wasm) for languages PP-OCR does not cover. Language data comes from installed
// `@tesseract.js-data/<lang>` packages or Debian's `tesseract-ocr-<lang>` files; nothing is downloaded.
import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OcrSection } from '../../contracts/result-document.js';
import { AgentError } from '../../errors.js';
import sharp from 'sharp';
import type { DecodedImage } from '../../media/decode-image.js';
import { polygonToBox } from './ocr-box.js';
import { analysisSettings } from '../../config.js';

const require = createRequire(import.meta.url);

export const TESSERACT_ENGINE = 'tesseract.js 6 (LSTM)';
const MIN_LINE_CONFIDENCE = 0.3;

export interface TesseractLangData {
  langPath: string;
  gzip: boolean;
  source: 'npm' | 'debian';
}

const LANG_CODE = /^[a-z][a-z0-9_]{1,15}$/i;

/** Where the traineddata of `lang` (e.g. `deu`) is installed, or undefined. */
export function findTesseractLangData(lang: string): TesseractLangData | undefined {
  try {
    const pkg = require(`@tesseract.js-data/${lang}`) as { langPath: string; gzip?: boolean };
    return { langPath: pkg.langPath, gzip: pkg.gzip ?? true, source: 'npm' };
  } catch {
    // not installed from npm; try Debian's tessdata folders
  }
  const root = '/usr/share/tesseract-ocr';
  if (existsSync(root)) {
    for (const version of readdirSync(root)) {
      const dir = join(root, version, 'tessdata');
      if (existsSync(join(dir, `${lang}.traineddata`))) return { langPath: dir, gzip: false, source: 'debian' };
    }
  }
  return undefined;
}

/** Validates `eng` or `eng+deu` and finds the data; MODEL_MISSING names the package that would provide it. */
export function resolveTesseractLangs(ocrLang: string): { langs: string[]; data: TesseractLangData } {
  const langs = ocrLang.split('+');
  for (const l of langs) {
    if (!LANG_CODE.test(l)) throw new AgentError('BAD_REQUEST', `invalid OCR language code: ${l}`);
  }
  const found = langs.map((l) => ({ l, data: findTesseractLangData(l) }));
  const missing = found.filter((f) => !f.data).map((f) => f.l);
  if (missing.length > 0) {
    throw new AgentError(
      'MODEL_MISSING',
      `OCR language data not installed: ${missing.join(', ')} (install @tesseract.js-data/${missing[0]} or Debian tesseract-ocr-${missing[0]})`,
      { langs: missing },
    );
  }
  const dirs = new Set(found.map((f) => f.data!.langPath));
  if (dirs.size > 1) {
    throw new AgentError('BAD_REQUEST', `OCR languages ${langs.join('+')} are installed in different places and cannot be combined`);
  }
  return { langs, data: found[0].data! };
}

type TesseractWorker = Awaited<ReturnType<typeof import('tesseract.js').createWorker>>;

const workers = new Map<string, Promise<TesseractWorker>>();

function workerFor(ocrLang: string): Promise<TesseractWorker> {
  let worker = workers.get(ocrLang);
  if (!worker) {
    const { langs, data } = resolveTesseractLangs(ocrLang);
    worker = (async () => {
      const { createWorker, OEM } = await import('tesseract.js');
      const created = await createWorker(langs, OEM.LSTM_ONLY, {
        langPath: data.langPath,
        gzip: data.gzip,
        // 'none': never write a traineddata cache into the working directory.
        cacheMethod: 'none',
        errorHandler: () => undefined,
      });
      // Our PNGs carry no resolution; without this tesseract guesses one and prints a warning on stdout.
      await created.setParameters({ user_defined_dpi: '300' });
      return created;
    })();
    worker.catch(() => workers.delete(ocrLang));
    workers.set(ocrLang, worker);
  }
  return worker;
}

/** Below this height, text is usually too small for tesseract's LSTM; such images are enlarged 2x. */
const SMALL_IMAGE_SIDE = 1000;

/**
 * Tesseract binarises globally, so unevenly lit pages (a shadow across a scan) lose whole words. Greyscale,
 * enlarge small images, and even out local contrast (CLAHE) before recognition. Returns the PNG and its scale.
 */
export async function prepareForTesseract(image: DecodedImage): Promise<{ png: Buffer; scale: number }> {
  const scale = Math.min(image.width, image.height) < SMALL_IMAGE_SIDE ? 2 : 1;
  const png = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .greyscale()
    .resize(image.width * scale, image.height * scale, { kernel: 'cubic' })
    .clahe({ width: 32, height: 32 })
    .png({ compressionLevel: 1 })
    .toBuffer();
  return { png, scale };
}

/**
 * tesseract.js runs in a worker thread that keeps the process alive and is not exposed to unref. An idle worker is
 * ended after MEDIAFLEET_TESSERACT_IDLE_MS, so a CLI run exits on its own (callers that can should call `terminateTesseractWorkers`).
 */
const inFlight = new Map<string, number>();
const idleTimers = new Map<string, NodeJS.Timeout>();

function markBusy(ocrLang: string): void {
  clearTimeout(idleTimers.get(ocrLang));
  idleTimers.delete(ocrLang);
  inFlight.set(ocrLang, (inFlight.get(ocrLang) ?? 0) + 1);
}

function markIdle(ocrLang: string): void {
  const left = (inFlight.get(ocrLang) ?? 1) - 1;
  inFlight.set(ocrLang, left);
  if (left > 0) return;
  const timer = setTimeout(() => {
    idleTimers.delete(ocrLang);
    const worker = workers.get(ocrLang);
    workers.delete(ocrLang);
    void worker?.then((w) => w.terminate()).catch(() => undefined);
  }, analysisSettings().tesseractIdleMs);
  timer.unref();
  idleTimers.set(ocrLang, timer);
}

export async function recognizeWithTesseract(image: DecodedImage, ocrLang: string): Promise<OcrSection> {
  markBusy(ocrLang);
  try {
    return await recognizeWithWorker(await workerFor(ocrLang), image, ocrLang);
  } finally {
    markIdle(ocrLang);
  }
}

async function recognizeWithWorker(worker: TesseractWorker, image: DecodedImage, ocrLang: string): Promise<OcrSection> {
  const { png, scale } = await prepareForTesseract(image);
  const { data } = await worker.recognize(png, {}, { text: true, blocks: true });
  const lines = (data.blocks ?? [])
    .flatMap((b) => b.paragraphs.flatMap((p) => p.lines))
    .filter((l) => l.text.trim().length > 0 && l.confidence / 100 >= MIN_LINE_CONFIDENCE)
    .map((l) => ({
      text: l.text.trim(),
      confidence: l.confidence / 100,
      box: polygonToBox(
        [
          [l.bbox.x0, l.bbox.y0],
          [l.bbox.x1, l.bbox.y1],
        ],
        scale,
        image.width,
        image.height,
      ),
    }));
  return { text: lines.map((l) => l.text).join('\n'), lines, language: ocrLang, engine: TESSERACT_ENGINE };
}

export function loadedTesseractLangs(): string[] {
  return [...workers.keys()];
}

/** Ends tesseract's worker threads so a CLI process can exit. */
export async function terminateTesseractWorkers(): Promise<void> {
  for (const timer of idleTimers.values()) clearTimeout(timer);
  idleTimers.clear();
  const all = [...workers.values()];
  workers.clear();
  await Promise.all(all.map(async (w) => (await w.catch(() => undefined))?.terminate()));
}
