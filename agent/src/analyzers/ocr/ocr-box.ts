// Geometry shared by the OCR engines: polygons to axis-aligned boxes in the original image's pixels.
import type { Box } from '../../contracts/result-document.js';

/** Bounding box of a polygon given in a reduced image, mapped back (÷ scale) and clipped to the original. */
export function polygonToBox(points: readonly (readonly number[])[], scale: number, width: number, height: number): Box {
  const xs = points.map((p) => p[0] / scale);
  const ys = points.map((p) => p[1] / scale);
  const x0 = clamp(Math.min(...xs), 0, width);
  const y0 = clamp(Math.min(...ys), 0, height);
  const x1 = clamp(Math.max(...xs), 0, width);
  const y1 = clamp(Math.max(...ys), 0, height);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

/** A script-level guess for PP-OCR output, which does not say which language it read. BCP 47 tags. */
export function guessLanguageTag(text: string): string {
  const han = text.match(/\p{Script=Han}/gu)?.length ?? 0;
  const latin = text.match(/\p{Script=Latin}/gu)?.length ?? 0;
  if (han === 0 && latin === 0) return 'und';
  return han > latin ? 'zh' : 'und-Latn';
}
