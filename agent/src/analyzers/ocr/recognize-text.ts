// OCR: PP-OCRv4 by default (Latin and Chinese text); tesseract.js when a tesseract language is asked for
// (`--ocr-lang deu`, `eng+deu`). A language whose data is missing fails with MODEL_MISSING, never falls back.
import type { OcrSection } from '../../contracts/result-document.js';
import type { DecodedImage } from '../../media/decode-image.js';
import type { ImageAnalysisContext, ImageAnalyzer, ModelDescription } from '../image-analyzer.js';
import { isPpOcrLoaded, loadPpOcr, PPOCR_MODEL_ID, ppOcrModelFiles, recognizeWithPpOcr } from './ppocr-engine.js';
import { findTesseractLangData, loadedTesseractLangs, recognizeWithTesseract } from './tesseract-engine.js';

/** `--ocr-lang` values served by PP-OCR: none/auto, and Chinese (its recogniser reads Chinese and Latin). */
const ppOcrLangs = new Set(['auto', 'ppocr', 'chi_sim', 'zh', 'ch']);

export function ocrEngineFor(ocrLang: string | undefined): 'ppocr' | 'tesseract' {
  return !ocrLang || ppOcrLangs.has(ocrLang.toLowerCase()) ? 'ppocr' : 'tesseract';
}

export async function recognizeText(image: DecodedImage, ocrLang?: string): Promise<{ section: OcrSection; model: string }> {
  if (ocrEngineFor(ocrLang) === 'ppocr') {
    const section = await recognizeWithPpOcr(image);
    if (ocrLang && ocrLang !== 'auto' && ocrLang !== 'ppocr') section.language = ocrLang;
    return { section, model: PPOCR_MODEL_ID };
  }
  const section = await recognizeWithTesseract(image, ocrLang!);
  return { section, model: `tesseract/${ocrLang}` };
}

export const ocrAnalyzer: ImageAnalyzer<OcrSection> = {
  analyze(image: DecodedImage, ctx: ImageAnalysisContext) {
    return recognizeText(image, ctx.ocrLang);
  },
  async warmUp() {
    await loadPpOcr();
  },
  async describeModels(): Promise<ModelDescription[]> {
    const ppocr = await ppOcrModelFiles();
    const out: ModelDescription[] = [
      { id: PPOCR_MODEL_ID, analysis: 'ocr', runtime: 'onnxruntime-node', installed: ppocr.installed, loaded: isPpOcrLoaded(), bytes: ppocr.bytes },
    ];
    const eng = findTesseractLangData('eng');
    const langs = new Set(['eng', ...loadedTesseractLangs()]);
    for (const lang of langs) {
      const data = lang === 'eng' ? eng : findTesseractLangData(lang);
      out.push({
        id: `tesseract/${lang}`,
        analysis: 'ocr',
        runtime: 'tesseract.js-wasm',
        installed: Boolean(data),
        loaded: loadedTesseractLangs().includes(lang),
        bytes: data ? await traineddataBytes(data.langPath, lang, data.gzip) : 0,
      });
    }
    return out;
  },
};

async function traineddataBytes(dir: string, lang: string, gzip: boolean): Promise<number> {
  const { stat } = await import('node:fs/promises');
  return stat(`${dir}/${lang}.traineddata${gzip ? '.gz' : ''}`).then((s) => s.size, () => 0);
}
