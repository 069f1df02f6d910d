// The single entry point the service, the CLI and the benchmark call: sniff, decode, run the requested analyses
// and assemble one result document. Safe to call repeatedly and inside a worker thread: each model loads once.
import { AgentError } from '../errors.js';
import {
  RESULT_DOCUMENT_VERSION,
  imageAnalysisNames,
  type AnalysisName,
  type ResultDocument,
} from '../contracts/result-document.js';
import { sha256OfFile, sniffMedia } from '../media/sniff-media.js';
import { decodeImage } from '../media/decode-image.js';
import type { ImageAnalyzer, ModelDescription } from './image-analyzer.js';

export type ImageAnalysisName = (typeof imageAnalysisNames)[number];

export interface AnalyzeFileProgress {
  stage: string;
  progress: number;
}

export interface AnalyzeFileOptions {
  analyses?: AnalysisName[];
  ocrLang?: string;
  includeEmbeddings?: boolean;
  signal?: AbortSignal;
  onProgress?: (e: AnalyzeFileProgress) => void;
  agent: { id: string; version: string };
}

export type InstalledModel = ModelDescription;

type AnyImageAnalyzer = ImageAnalyzer<unknown>;

/** Each analyzer module is imported on first use, so asking only for OCR never loads tfjs. */
const analyzerLoaders: Record<ImageAnalysisName, () => Promise<AnyImageAnalyzer>> = {
  nsfw: async () => (await import('./nsfw/classify-nsfw.js')).nsfwAnalyzer as AnyImageAnalyzer,
  faces: async () => (await import('./faces/detect-faces.js')).facesAnalyzer as AnyImageAnalyzer,
  pose: async () => (await import('./pose/detect-poses.js')).poseAnalyzer as AnyImageAnalyzer,
  ocr: async () => (await import('./ocr/recognize-text.js')).ocrAnalyzer as AnyImageAnalyzer,
};

const loadedAnalyzers = new Map<ImageAnalysisName, Promise<AnyImageAnalyzer>>();

function analyzerFor(name: ImageAnalysisName): Promise<AnyImageAnalyzer> {
  let loaded = loadedAnalyzers.get(name);
  if (!loaded) {
    loaded = analyzerLoaders[name]();
    // A failed import should be retried next time (e.g. after a model was installed), not cached forever.
    loaded.catch(() => loadedAnalyzers.delete(name));
    loadedAnalyzers.set(name, loaded);
  }
  return loaded;
}

function isImageAnalysis(name: string): name is ImageAnalysisName {
  return (imageAnalysisNames as readonly string[]).includes(name);
}

function throwIfCanceled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AgentError('CANCELED');
}

export async function analyzeFile(path: string, opts: AnalyzeFileOptions): Promise<ResultDocument> {
  const { signal, onProgress } = opts;
  throwIfCanceled(signal);
  const sniffed = await sniffMedia(path);

  if (sniffed.kind !== 'image') {
    // Audio and video: the audio/video layer (./av/analyze-av.ts).
    const av = await loadAudioVideoAnalyzer();
    return av(path, sniffed, opts);
  }

  const explicit = Boolean(opts.analyses && opts.analyses.length > 0);
  const requested = explicit ? opts.analyses! : [...imageAnalysisNames];
  for (const name of requested) {
    if (!isImageAnalysis(name)) throw new AgentError('BAD_REQUEST', `analysis ${name} does not apply to images`);
  }
  const analyses = requested as ImageAnalysisName[];

  onProgress?.({ stage: 'decode', progress: 0 });
  const timings: Record<string, number> = {};
  const t0 = performance.now();
  const [image, sha256] = await Promise.all([decodeImage(path), sha256OfFile(path)]);
  timings.decode = performance.now() - t0;
  throwIfCanceled(signal);

  const doc: ResultDocument = {
    version: RESULT_DOCUMENT_VERSION,
    file: path,
    media: { kind: 'image', mime: sniffed.mime, width: image.width, height: image.height, bytes: sniffed.bytes, sha256 },
    timings,
    agent: opts.agent,
    models: {},
  };

  for (const [i, name] of analyses.entries()) {
    throwIfCanceled(signal);
    onProgress?.({ stage: name, progress: (i + 1) / (analyses.length + 1) });
    const started = performance.now();
    let result: { section: unknown; model: string };
    try {
      const analyzer = await analyzerFor(name);
      result = await analyzer.analyze(image, { ocrLang: opts.ocrLang, includeEmbeddings: opts.includeEmbeddings, signal });
    } catch (err) {
      // An analysis the caller asked for by name fails the file; one that only ran by default is reported as
      // skipped, so a missing optional model does not block the others.
      if (!explicit && err instanceof AgentError && err.code === 'MODEL_MISSING') {
        (doc.skipped ??= []).push({ analysis: name, code: err.code, message: err.message });
        continue;
      }
      throw err;
    }
    const { section, model } = result;
    timings[name] = performance.now() - started;
    doc.models[name] = model;
    (doc as Record<string, unknown>)[name] = section;
  }
  throwIfCanceled(signal);
  onProgress?.({ stage: 'done', progress: 1 });
  return doc;
}

/** The audio/video layer, imported on first use so that image jobs never load ffmpeg or sherpa-onnx. */
async function loadAudioVideoAnalyzer(): Promise<typeof import('./av/analyze-av.js').analyzeAudioVideo> {
  return (await import('./av/analyze-av.js')).analyzeAudioVideo;
}

/** Preloads the models of the given analyses (default: all image analyses); a worker calls this at start. */
export async function warmUpModels(analyses: readonly string[] = imageAnalysisNames): Promise<void> {
  for (const name of analyses) {
    if (!isImageAnalysis(name)) continue;
    const analyzer = await analyzerFor(name);
    await analyzer.warmUp();
  }
}

export async function describeInstalledModels(): Promise<InstalledModel[]> {
  const out: InstalledModel[] = [];
  for (const name of imageAnalysisNames) {
    try {
      out.push(...(await (await analyzerFor(name)).describeModels()));
    } catch {
      out.push({ id: name, analysis: name, runtime: 'unknown', installed: false, loaded: false, bytes: 0 });
    }
  }
  return out;
}

/** Ends helper threads the analyzers started (tesseract.js workers), so a CLI process can exit on its own. */
export async function shutdownAnalyzers(): Promise<void> {
  if (!loadedAnalyzers.has('ocr')) return;
  const { terminateTesseractWorkers } = await import('./ocr/tesseract-engine.js');
  await terminateTesseractWorkers();
}
