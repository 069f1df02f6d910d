// The video summary from its timeline: worst moderation verdict and when, how many persons at most and when,
// distinct persons (face embeddings clustered across keyframes) with first/last seen, and the text seen.
import type { Face, NsfwVerdict } from '../../contracts/result-document.js';
import { cosineSimilarity as cosine } from '../faces/cosine-similarity.js';

export interface TimelinePoint {
  t: number;
  nsfw?: { verdict: NsfwVerdict };
  faces?: Pick<Face, 'embedding'>[];
  pose?: unknown[];
  ocr?: { lines: { text: string; confidence: number }[] };
}

export interface VideoSummaryData {
  worstVerdict?: NsfwVerdict;
  worstVerdictAt?: number;
  maxPersons: number;
  maxPersonsAt?: number;
  persons: { id: string; firstSeen: number; lastSeen: number; faces: number }[];
  textSeen: string[];
}

const severity: Record<NsfwVerdict, number> = { safe: 0, suggestive: 1, explicit: 2 };

/** Persons visible in a keyframe: the larger of faces found and bodies found (faces are missed from behind). */
export function personsIn(point: TimelinePoint): number {
  return Math.max(point.faces?.length ?? 0, point.pose?.length ?? 0);
}

export function summarizeTimeline(timeline: TimelinePoint[], opts: { personSimilarity?: number; maxTexts?: number } = {}): VideoSummaryData {
  const similarity = opts.personSimilarity ?? 0.55;
  const summary: VideoSummaryData = { maxPersons: 0, persons: [], textSeen: [] };
  const clusters: { centroid: number[]; firstSeen: number; lastSeen: number; faces: number }[] = [];
  const texts = new Set<string>();

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
    for (const line of point.ocr?.lines ?? []) {
      const text = line.text.replace(/\s+/g, ' ').trim();
      if (text.length >= 2 && line.confidence >= 0.5) texts.add(text);
    }
  }
  summary.persons = clusters.map((c, i) => ({ id: `P${i + 1}`, firstSeen: c.firstSeen, lastSeen: c.lastSeen, faces: c.faces }));
  summary.textSeen = [...texts].slice(0, opts.maxTexts ?? 200);
  return summary;
}
