// Faces: boxes, named landmarks, age, gender, emotion and the 1024-d faceres embedding, from @vladmandic/human
// (blazeface + facemesh + faceres + emotion) on the tfjs wasm backend.
import type { Face } from '../../contracts/result-document.js';
import { downscaleToFit, type DecodedImage } from '../../media/decode-image.js';
import { detectWithHuman, humanModelBytes, humanModelsFor, isHumanLoaded, loadHuman, type HumanFace } from '../../runtimes/tfjs/human.js';
import type { ImageAnalysisContext, ImageAnalyzer, ModelDescription } from '../image-analyzer.js';

export const FACES_MODEL_ID = `human/${humanModelsFor.faces.join('+')}`;

/** Faces are found at up to this size; larger images are reduced first and the results scaled back. */
const MAX_SIDE = 1920;

type MeshPoint = number[];

function mean(points: readonly MeshPoint[] | undefined): { x: number; y: number } | undefined {
  if (!points || points.length === 0) return undefined;
  const x = points.reduce((a, p) => a + p[0], 0) / points.length;
  const y = points.reduce((a, p) => a + p[1], 0) / points.length;
  return { x, y };
}

/**
 * A few named points from the 468-point mesh. `left`/`right` are the person's own (MediaPipe's convention), so the
 * person's left eye appears on the image's right.
 */
export function namedLandmarks(face: HumanFace, scale: number): Record<string, { x: number; y: number }> {
  const a = face.annotations as unknown as Record<string, MeshPoint[] | undefined>;
  const candidates: Record<string, { x: number; y: number } | undefined> = {
    leftEye: mean([...(a.leftEyeUpper0 ?? []), ...(a.leftEyeLower0 ?? [])]),
    rightEye: mean([...(a.rightEyeUpper0 ?? []), ...(a.rightEyeLower0 ?? [])]),
    nose: mean(a.noseTip),
    mouth: mean([...(a.lipsUpperInner ?? []), ...(a.lipsLowerInner ?? [])]),
    mouthLeft: mean(a.lipsUpperOuter?.slice(-1)),
    mouthRight: mean(a.lipsUpperOuter?.slice(0, 1)),
  };
  const out: Record<string, { x: number; y: number }> = {};
  for (const [name, p] of Object.entries(candidates)) if (p) out[name] = { x: p.x / scale, y: p.y / scale };
  return out;
}

export function toFace(face: HumanFace, scale: number, includeEmbedding: boolean): Face {
  const [x, y, width, height] = face.box;
  const topEmotion = face.emotion?.[0];
  const out: Face = {
    box: { x: x / scale, y: y / scale, width: width / scale, height: height / scale },
    score: face.score,
  };
  if (typeof face.age === 'number') out.age = Math.round(face.age * 10) / 10;
  if (face.gender) {
    const label = face.gender === 'male' || face.gender === 'female' ? face.gender : 'unknown';
    out.gender = { label, score: face.genderScore ?? 0 };
  }
  if (topEmotion) out.emotion = { label: topEmotion.emotion, score: topEmotion.score };
  const landmarks = namedLandmarks(face, scale);
  if (Object.keys(landmarks).length > 0) out.landmarks = landmarks;
  if (includeEmbedding && face.embedding && face.embedding.length > 0) out.embedding = Array.from(face.embedding);
  return out;
}

export async function detectFaces(image: DecodedImage, includeEmbeddings = false): Promise<Face[]> {
  const { image: input, scale } = await downscaleToFit(image, MAX_SIDE);
  const result = await detectWithHuman(input, 'faces');
  return result.face.map((f) => toFace(f, scale, includeEmbeddings)).sort((a, b) => area(b) - area(a));
}

function area(face: Face): number {
  return face.box.width * face.box.height;
}

export const facesAnalyzer: ImageAnalyzer<Face[]> = {
  async analyze(image: DecodedImage, ctx: ImageAnalysisContext) {
    return { section: await detectFaces(image, ctx.includeEmbeddings ?? false), model: FACES_MODEL_ID };
  },
  async warmUp() {
    await loadHuman();
  },
  async describeModels(): Promise<ModelDescription[]> {
    return describeHumanModels('faces');
  },
};

export async function describeHumanModels(analysis: keyof typeof humanModelsFor): Promise<ModelDescription[]> {
  const out: ModelDescription[] = [];
  for (const name of humanModelsFor[analysis]) {
    const bytes = await humanModelBytes(name).catch(() => 0);
    out.push({ id: `human/${name}`, analysis, runtime: 'tfjs-wasm', installed: bytes > 0, loaded: isHumanLoaded(), bytes });
  }
  return out;
}
