// The shape every image analysis module exposes, so `analyze-file.ts` can run, warm up and describe them alike.
import type { DecodedImage } from '../media/decode-image.js';

export interface ImageAnalysisContext {
  ocrLang?: string;
  includeEmbeddings?: boolean;
  signal?: AbortSignal;
}

export interface ModelDescription {
  id: string;
  analysis: string;
  runtime: string;
  installed: boolean;
  loaded: boolean;
  bytes: number;
}

export interface ImageAnalyzer<Section> {
  /** Runs on one decoded image; returns the result section and the id of the model that produced it. */
  analyze(image: DecodedImage, ctx: ImageAnalysisContext): Promise<{ section: Section; model: string }>;
  /** Loads the default model(s) so the first job does not pay for it. */
  warmUp(): Promise<void>;
  describeModels(): Promise<ModelDescription[]>;
}
