// Pose: people with 17 named keypoints (MoveNet multipose through @vladmandic/human on the tfjs wasm backend).
import type { PosePerson } from '../../contracts/result-document.js';
import { downscaleToFit, type DecodedImage } from '../../media/decode-image.js';
import { detectWithHuman, humanModelsFor, loadHuman, type HumanBody } from '../../runtimes/tfjs/human.js';
import { describeHumanModels } from '../faces/detect-faces.js';
import type { ImageAnalysisContext, ImageAnalyzer, ModelDescription } from '../image-analyzer.js';

export const POSE_MODEL_ID = `human/${humanModelsFor.pose.join('+')}`;

const MAX_SIDE = 1920;

export function toPosePerson(body: HumanBody, scale: number): PosePerson {
  const [x, y, width, height] = body.box;
  return {
    box: { x: x / scale, y: y / scale, width: width / scale, height: height / scale },
    score: body.score,
    keypoints: body.keypoints.map((k) => ({
      name: k.part,
      x: k.position[0] / scale,
      y: k.position[1] / scale,
      score: k.score,
    })),
  };
}

export async function detectPoses(image: DecodedImage): Promise<PosePerson[]> {
  const { image: input, scale } = await downscaleToFit(image, MAX_SIDE);
  const result = await detectWithHuman(input, 'pose');
  return result.body.map((b) => toPosePerson(b, scale)).sort((a, b) => b.score - a.score);
}

export const poseAnalyzer: ImageAnalyzer<PosePerson[]> = {
  async analyze(image: DecodedImage, _ctx: ImageAnalysisContext) {
    return { section: await detectPoses(image), model: POSE_MODEL_ID };
  },
  async warmUp() {
    await loadHuman();
  },
  async describeModels(): Promise<ModelDescription[]> {
    return describeHumanModels('pose');
  },
};
