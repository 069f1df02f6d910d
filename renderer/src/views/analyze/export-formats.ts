// Exports of one result: the document as JSON, a flat CSV of what was found, and the transcript as SRT.
import type { ResultDocument } from '#agent/contracts/result-document.js';

export const toJson = (result: ResultDocument): string => JSON.stringify(result, null, 2);

const csvCell = (value: string | number | undefined): string => {
  const text = value === undefined ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** One row per finding: kind, time (video/audio), box, label, score. */
export function toCsv(result: ResultDocument): string {
  const rows: Array<Array<string | number | undefined>> = [['kind', 'time_s', 'x', 'y', 'width', 'height', 'label', 'score']];
  const r2 = (n: number): number => Math.round(n * 100) / 100;
  if (result.nsfw) rows.push(['moderation', undefined, undefined, undefined, undefined, undefined, result.nsfw.verdict, r2(Math.max(...Object.values(result.nsfw.scores), 0))]);
  for (const f of result.faces ?? []) {
    const label = [f.gender?.label, f.age !== undefined ? Math.round(f.age) : undefined, f.emotion?.label].filter((x) => x !== undefined).join(' ');
    rows.push(['face', undefined, r2(f.box.x), r2(f.box.y), r2(f.box.width), r2(f.box.height), label, r2(f.score)]);
  }
  for (const p of result.pose ?? []) rows.push(['person', undefined, r2(p.box.x), r2(p.box.y), r2(p.box.width), r2(p.box.height), `${p.keypoints.length} keypoints`, r2(p.score)]);
  for (const l of result.ocr?.lines ?? []) rows.push(['text', undefined, r2(l.box.x), r2(l.box.y), r2(l.box.width), r2(l.box.height), l.text, r2(l.confidence)]);
  for (const s of result.transcript?.segments ?? []) rows.push(['speech', r2(s.start), undefined, undefined, undefined, undefined, s.text.trim(), undefined]);
  return rows.map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

export function srtTimestamp(seconds: number): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)},${pad(ms % 1000, 3)}`;
}

export function toSrt(result: ResultDocument): string | null {
  const segments = result.transcript?.segments;
  if (!segments?.length) return null;
  return segments.map((s, i) => `${i + 1}\n${srtTimestamp(s.start)} --> ${srtTimestamp(s.end)}\n${s.text.trim()}\n`).join('\n');
}

/** The segment being spoken at time t (for highlighting the transcript while the player runs). */
export function activeSegmentIndex(segments: ReadonlyArray<{ start: number; end: number }>, t: number): number {
  return segments.findIndex((s) => t >= s.start && t < s.end);
}
