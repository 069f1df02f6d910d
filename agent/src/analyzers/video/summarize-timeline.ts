// The video summary from its timeline: worst moderation verdict and when, how many persons at most and when,
// distinct persons (face embeddings clustered across keyframes) with first/last seen, and the text seen: lines
// the OCR read with confidence, at a readable size and made mostly of letters or digits, each named once with
// when it was on screen (keyframe OCR also "reads" textures and limbs: "□#□", "TA" at 0.70 on vtest.avi).
import type { Face, NsfwVerdict } from '../../contracts/result-document.js';
import { cosineSimilarity as cosine } from '../faces/cosine-similarity.js';

export interface TimelinePoint {
  t: number;
  nsfw?: { verdict: NsfwVerdict };
  faces?: Pick<Face, 'embedding'>[];
  pose?: unknown[];
  ocr?: { lines: { text: string; confidence: number; box?: { height: number } }[] };
}

export interface TextAppearance {
  text: string;
  firstSeen: number;
  lastSeen: number;
  /** Keyframes it was read on. */
  keyframes: number;
}

export interface VideoSummaryData {
  worstVerdict?: NsfwVerdict;
  worstVerdictAt?: number;
  maxPersons: number;
  maxPersonsAt?: number;
  persons: { id: string; firstSeen: number; lastSeen: number; faces: number }[];
  textSeen: string[];
  textAppearances: TextAppearance[];
}

export interface TextFloors {
  /** PP-OCR reads real text at 0.89-0.99 on the fixtures; keyframe noise came at 0.68-0.70. */
  minConfidence: number;
  /** Lines shorter than this share of the frame height (and than minHeightPx) are unreadable to a viewer. */
  minHeightShare: number;
  minHeightPx: number;
  /** At least this many letters or digits, and at least half of the line's non-space characters. */
  minAlphanumerics: number;
}

export const defaultTextFloors: TextFloors = { minConfidence: 0.8, minHeightShare: 0.015, minHeightPx: 8, minAlphanumerics: 2 };

const alphanumeric = /[\p{L}\p{N}]/gu;

/** A line worth naming in the summary: confident, large enough, mostly letters or digits. */
export function isReadableText(line: { text: string; confidence: number; box?: { height: number } }, frameHeight: number | undefined, floors: TextFloors = defaultTextFloors): boolean {
  const text = line.text.replace(/\s+/g, ' ').trim();
  if (line.confidence < floors.minConfidence) return false;
  const letters = text.match(alphanumeric)?.length ?? 0;
  if (letters < floors.minAlphanumerics || letters * 2 < text.replace(/ /g, '').length) return false;
  if (line.box) {
    const minHeight = Math.max(floors.minHeightPx, frameHeight ? frameHeight * floors.minHeightShare : 0);
    if (line.box.height < minHeight) return false;
  }
  return true;
}

/** The same words read on two keyframes ("EXIT", "Exit.") are one text. */
const textKey = (text: string) => (text.toLowerCase().match(alphanumeric) ?? []).join('');

const severity: Record<NsfwVerdict, number> = { safe: 0, suggestive: 1, explicit: 2 };

/** Persons visible in a keyframe: the larger of faces found and bodies found (faces are missed from behind). */
export function personsIn(point: TimelinePoint): number {
  return Math.max(point.faces?.length ?? 0, point.pose?.length ?? 0);
}

export function summarizeTimeline(
  timeline: TimelinePoint[],
  opts: { personSimilarity?: number; maxTexts?: number; frameHeight?: number; textFloors?: TextFloors } = {},
): VideoSummaryData {
  const similarity = opts.personSimilarity ?? 0.55;
  const summary: VideoSummaryData = { maxPersons: 0, persons: [], textSeen: [], textAppearances: [] };
  const clusters: { centroid: number[]; firstSeen: number; lastSeen: number; faces: number }[] = [];
  const texts = new Map<string, TextAppearance & { confidence: number }>();

  for (const point of [...timeline].sort((a, b) => a.t - b.t)) {
    if (point.nsfw && (summary.worstVerdict === undefined || severity[point.nsfw.verdict] > severity[summary.worstVerdict])) {
      summary.worstVerdict = point.nsfw.verdict;
      summary.worstVerdictAt = point.t;
    }
    const persons = personsIn(point);
    if (persons > summary.maxPersons) {
      summary.maxPersons = persons;
      summary.maxPersonsAt = point.t;
    }
    for (const face of point.faces ?? []) {
      if (!face.embedding || face.embedding.length === 0) continue;
      let best: (typeof clusters)[number] | undefined;
      let bestScore = similarity;
      for (const c of clusters) {
        const s = cosine(c.centroid, face.embedding);
        if (s >= bestScore) {
          best = c;
          bestScore = s;
        }
      }
      if (best) {
        // Running mean keeps the centroid representative as the person turns and moves.
        best.centroid = best.centroid.map((v, i) => (v * best.faces + face.embedding![i]) / (best.faces + 1));
        best.faces += 1;
        best.lastSeen = point.t;
      } else {
        clusters.push({ centroid: [...face.embedding], firstSeen: point.t, lastSeen: point.t, faces: 1 });
      }
    }
    const readOnThisKeyframe = new Set<string>();
    for (const line of point.ocr?.lines ?? []) {
      if (!isReadableText(line, opts.frameHeight, opts.textFloors)) continue;
      const text = line.text.replace(/\s+/g, ' ').trim();
      const key = textKey(text);
      const seen = texts.get(key);
      if (!seen) {
        texts.set(key, { text, firstSeen: point.t, lastSeen: point.t, keyframes: 1, confidence: line.confidence });
        readOnThisKeyframe.add(key);
        continue;
      }
      seen.lastSeen = point.t;
      if (!readOnThisKeyframe.has(key)) seen.keyframes += 1;
      readOnThisKeyframe.add(key);
      // Name it as it was read best.
      if (line.confidence > seen.confidence) Object.assign(seen, { text, confidence: line.confidence });
    }
  }
  summary.persons = clusters.map((c, i) => ({ id: `P${i + 1}`, firstSeen: c.firstSeen, lastSeen: c.lastSeen, faces: c.faces }));
  summary.textAppearances = [...texts.values()].slice(0, opts.maxTexts ?? 200).map(({ confidence: _best, ...t }) => t);
  summary.textSeen = summary.textAppearances.map((t) => t.text);
  return summary;
}
