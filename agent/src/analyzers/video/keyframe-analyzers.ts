// How keyframes reach the image analyses: one small port, so the video pipeline does not depend on how (or in
// which thread) the image side runs its models. The default adapter calls the image analyzers in-process.
import type { Face, NsfwSection, OcrSection, PosePerson } from '../../contracts/result-document.js';

export type KeyframeAnalysisName = 'nsfw' | 'faces' | 'pose' | 'ocr';

export interface KeyframeSections {
  nsfw?: NsfwSection;
  faces?: Face[];
  pose?: PosePerson[];
  ocr?: OcrSection;
}

export interface KeyframeAnalyzers<Image = unknown> {
  decode(file: string): Promise<Image>;
  run<N extends KeyframeAnalysisName>(
    name: N,
    image: Image,
    ctx: { signal?: AbortSignal; includeEmbeddings?: boolean; ocrLang?: string },
  ): Promise<{ section: NonNullable<KeyframeSections[N]>; model: string }>;
}

interface ImageAnalyzerLike {
  analyze(image: unknown, ctx: { signal?: AbortSignal; includeEmbeddings?: boolean; ocrLang?: string }): Promise<{ section: unknown; model: string }>;
}

const loaders: Record<KeyframeAnalysisName, () => Promise<ImageAnalyzerLike>> = {
  nsfw: async () => (await import('../nsfw/classify-nsfw.js')).nsfwAnalyzer as ImageAnalyzerLike,
  faces: async () => (await import('../faces/detect-faces.js')).facesAnalyzer as ImageAnalyzerLike,
  pose: async () => (await import('../pose/detect-poses.js')).poseAnalyzer as ImageAnalyzerLike,
  ocr: async () => (await import('../ocr/recognize-text.js')).ocrAnalyzer as ImageAnalyzerLike,
};

/** The image side's analyzers (agent/src/analyzers/{nsfw,faces,pose,ocr}), loaded on first use. */
export function imageKeyframeAnalyzers(): KeyframeAnalyzers {
  const loaded = new Map<KeyframeAnalysisName, Promise<ImageAnalyzerLike>>();
  return {
    async decode(file) {
      const { decodeImage } = await import('../../media/decode-image.js');
      return decodeImage(file);
    },
    async run(name, image, ctx) {
      let analyzer = loaded.get(name);
      if (!analyzer) {
        analyzer = loaders[name]();
        loaded.set(name, analyzer);
      }
      const { section, model } = await (await analyzer).analyze(image, ctx);
      return { section: section as never, model };
    },
  };
}
