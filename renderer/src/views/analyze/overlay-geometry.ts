// Turns a result document into shapes to draw over the image. The overlay's SVG uses the image's own pixel
// size as its viewBox, so boxes and keypoints are drawn in the agent's coordinates without rescaling.
import type { Face, PosePerson, ResultDocument } from '#agent/contracts/result-document.js';

export interface OverlayRect {
  kind: 'face' | 'ocr' | 'person';
  x: number;
  y: number;
  width: number;
  height: number;
  label: string;
}

export interface OverlayLine {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface OverlayPoint {
  x: number;
  y: number;
}

export interface OverlayShapes {
  width: number;
  height: number;
  rects: OverlayRect[];
  bones: OverlayLine[];
  joints: OverlayPoint[];
  /** Stroke width that reads the same on a thumbnail-sized and a 4K image. */
  stroke: number;
}

/** COCO-17 skeleton (MoveNet, BlazePose's first 17), by normalised keypoint name. */
export const skeletonEdges: ReadonlyArray<readonly [string, string]> = [
  ['leftshoulder', 'rightshoulder'],
  ['leftshoulder', 'leftelbow'],
  ['leftelbow', 'leftwrist'],
  ['rightshoulder', 'rightelbow'],
  ['rightelbow', 'rightwrist'],
  ['leftshoulder', 'lefthip'],
  ['rightshoulder', 'righthip'],
  ['lefthip', 'righthip'],
  ['lefthip', 'leftknee'],
  ['leftknee', 'leftankle'],
  ['righthip', 'rightknee'],
  ['rightknee', 'rightankle'],
  ['nose', 'lefteye'],
  ['nose', 'righteye'],
  ['lefteye', 'leftear'],
  ['righteye', 'rightear'],
];

/** "left_shoulder", "leftShoulder" and "Left-Shoulder" are the same joint. */
export const normaliseKeypointName = (name: string): string => name.toLowerCase().replace(/[^a-z]/g, '');

export function faceLabel(face: Face): string {
  const parts: string[] = [];
  if (face.gender && face.gender.label !== 'unknown') parts.push(face.gender.label);
  if (face.age !== undefined) parts.push(`~${Math.round(face.age)}y`);
  if (face.emotion) parts.push(face.emotion.label);
  return parts.join(' · ') || `face ${Math.round(face.score * 100)}%`;
}

export function poseShapes(people: readonly PosePerson[], minScore: number): { bones: OverlayLine[]; joints: OverlayPoint[] } {
  const bones: OverlayLine[] = [];
  const joints: OverlayPoint[] = [];
  for (const person of people) {
    const byName = new Map(person.keypoints.filter((k) => k.score >= minScore).map((k) => [normaliseKeypointName(k.name), k]));
    for (const k of byName.values()) joints.push({ x: k.x, y: k.y });
    for (const [a, b] of skeletonEdges) {
      const p = byName.get(a);
      const q = byName.get(b);
      if (p && q) bones.push({ x1: p.x, y1: p.y, x2: q.x, y2: q.y });
    }
  }
  return { bones, joints };
}

export interface OverlayLayers {
  faces: boolean;
  pose: boolean;
  ocr: boolean;
}

export function overlayShapes(
  result: Pick<ResultDocument, 'media' | 'faces' | 'pose' | 'ocr'>,
  layers: OverlayLayers = { faces: true, pose: true, ocr: true },
  minKeypointScore = 0.3,
): OverlayShapes | null {
  const { width, height } = result.media;
  if (!width || !height) return null;
  const rects: OverlayRect[] = [];
  if (layers.faces) for (const face of result.faces ?? []) rects.push({ kind: 'face', ...face.box, label: faceLabel(face) });
  if (layers.ocr) for (const line of result.ocr?.lines ?? []) rects.push({ kind: 'ocr', ...line.box, label: line.text });
  const { bones, joints } = layers.pose ? poseShapes(result.pose ?? [], minKeypointScore) : { bones: [], joints: [] };
  return { width, height, rects, bones, joints, stroke: Math.max(1.5, Math.max(width, height) / 300) };
}
