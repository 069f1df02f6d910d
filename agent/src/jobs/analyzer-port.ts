// What the queue needs from the models side (`analyzers/analyze-file.ts`), loaded lazily so that the HTTP side
// and the CLI's usage errors never pay for loading tfjs, onnxruntime and the models.
import type { AnalysisName, ResultDocument } from '../contracts/result-document.js';
import type { ModelDescription } from '../analyzers/image-analyzer.js';

export interface AnalyzeProgress {
  stage: string;
  progress: number;
}

export interface AnalyzeFileOptions {
  analyses?: string[];
  ocrLang?: string;
  asrEngine?: string;
  /** Video: where keyframe thumbnails are written. */
  thumbnailsDir?: string;
  includeEmbeddings?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: unknown) => void;
  agent: { id: string; version: string };
}

/** What the analyzers report about each model (installed, loaded, size). */
export type InstalledModel = ModelDescription;

export interface Analyzers {
  analyzeFile(path: string, options: AnalyzeFileOptions): Promise<ResultDocument>;
  warmUpModels(analyses?: string[]): Promise<unknown>;
  describeInstalledModels(): Promise<InstalledModel[]>;
}

export async function loadAnalyzers(): Promise<Analyzers> {
  const mod = await import('../analyzers/analyze-file.js');
  return {
    // Names are validated at the edges (HTTP schema, CLI option parser) against the same AnalysisName enum.
    analyzeFile: (path, options) => mod.analyzeFile(path, { ...options, analyses: options.analyses as AnalysisName[] | undefined }),
    warmUpModels: (analyses) => mod.warmUpModels(analyses),
    describeInstalledModels: () => mod.describeInstalledModels(),
  };
}

/** The models side reports progress as a number or `{ stage?, progress? }`; the queue wants both fields. */
export function normaliseProgress(value: unknown, fallbackStage = 'analyzing'): AnalyzeProgress {
  if (typeof value === 'number') return { stage: fallbackStage, progress: clamp01(value) };
  if (value && typeof value === 'object') {
    const v = value as { stage?: unknown; analysis?: unknown; progress?: unknown };
    const stage = typeof v.stage === 'string' ? v.stage : typeof v.analysis === 'string' ? v.analysis : fallbackStage;
    return { stage, progress: typeof v.progress === 'number' ? clamp01(v.progress) : 0 };
  }
  return { stage: fallbackStage, progress: 0 };
}

function clamp01(n: number): number {
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
}
