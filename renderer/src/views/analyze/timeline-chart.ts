// What the video timeline chart draws, computed from the result: people and faces per keyframe over time, each
// distinct person's span, moderation as coloured bands, and where text appears — so a person sees at a glance
// where to look. Plain functions over the result document; the component only draws them.
import type { NsfwVerdict, ResultDocument } from '#agent/contracts/result-document.js';

type TimelineEntry = NonNullable<ResultDocument['timeline']>[number];

/** A stretch of the video [start, end) in seconds. */
export interface Span {
  start: number;
  end: number;
}

export interface CountPoint {
  t: number;
  /** Bodies found (pose), or null when pose did not run on this keyframe. */
  people: number | null;
  /** Faces found, or null when faces did not run. */
  faces: number | null;
}

export interface VerdictBand extends Span {
  verdict: NsfwVerdict;
}

export interface TextBand extends Span {
  /** The text lines read there, deduplicated, as the keyframes gave them. */
  texts: string[];
}

export interface PersonSpan extends Span {
  id: string;
  faces: number;
}

export interface TimelineChartData {
  duration: number;
  counts: CountPoint[];
  /** The largest count drawn (people or faces), at least 1: the people lane's scale. */
  maxCount: number;
  /** Runs of keyframes with the same verdict, merged; only where moderation ran. */
  verdicts: VerdictBand[];
  /** Runs of keyframes where text was read, merged. */
  texts: TextBand[];
  /** Distinct persons (faces clustered by the agent), longest seen first. */
  persons: PersonSpan[];
  has: { people: boolean; faces: boolean; moderation: boolean; text: boolean };
}

/** OCR lines worth pointing at: what the agent's summary also counts as text seen. */
function readableLines(entry: TimelineEntry): string[] {
  return (entry.ocr?.lines ?? [])
    .filter((line) => line.confidence >= 0.5)
    .map((line) => line.text.replace(/\s+/g, ' ').trim())
    .filter((text) => text.length >= 2);
}

/**
 * The time each keyframe stands for: from halfway after the previous keyframe to halfway before the next (the
 * first from 0, the last to the end), so bands cover the video without gaps or overlaps.
 */
export function keyframeSpans(times: readonly number[], duration: number): Span[] {
  return times.map((t, i) => ({
    start: i === 0 ? 0 : (times[i - 1]! + t) / 2,
    end: i === times.length - 1 ? Math.max(duration, t) : (t + times[i + 1]!) / 2,
  }));
}

/** Consecutive spans with the same key merged into one band; spans with a null key are left out. */
function mergeRuns<K, B extends Span>(spans: readonly Span[], keys: readonly (K | null)[], same: (a: K, b: K) => boolean, make: (span: Span, key: K) => B, grow: (band: B, key: K) => void): B[] {
  const bands: B[] = [];
  let open: { band: B; key: K } | null = null;
  spans.forEach((span, i) => {
    const key = keys[i] ?? null;
    if (key === null) {
      open = null;
      return;
    }
    if (open && same(open.key, key)) {
      open.band.end = span.end;
      grow(open.band, key);
    } else {
      open = { band: make({ ...span }, key), key };
      bands.push(open.band);
    }
  });
  return bands;
}

export function timelineChartData(result: ResultDocument, maxPersons = 6): TimelineChartData {
  const timeline = result.timeline ?? [];
  const lastT = timeline.at(-1)?.t ?? 0;
  const duration = Math.max(result.media.durationSec ?? 0, lastT, 0.001);
  const spans = keyframeSpans(
    timeline.map((e) => e.t),
    duration,
  );
  const counts = timeline.map((e) => ({ t: e.t, people: e.pose ? e.pose.length : null, faces: e.faces ? e.faces.length : null }));
  const maxCount = Math.max(1, ...counts.map((c) => Math.max(c.people ?? 0, c.faces ?? 0)));
  const verdicts = mergeRuns<NsfwVerdict, VerdictBand>(
    spans,
    timeline.map((e) => e.nsfw?.verdict ?? null),
    (a, b) => a === b,
    (span, verdict) => ({ ...span, verdict }),
    () => undefined,
  );
  const texts = mergeRuns<string[], TextBand>(
    spans,
    timeline.map((e) => {
      const lines = readableLines(e);
      return lines.length ? lines : null;
    }),
    () => true,
    (span, lines) => ({ ...span, texts: [...new Set(lines)] }),
    (band, lines) => {
      for (const line of lines) if (!band.texts.includes(line)) band.texts.push(line);
    },
  );
  const persons = (result.summary?.persons ?? [])
    .map((p) => {
      // A person seen on one keyframe still gets that keyframe's stretch, so the bar is visible.
      const first = spans[timeline.findIndex((e) => e.t >= p.firstSeen)];
      const lastIndex = timeline.map((e) => e.t <= p.lastSeen).lastIndexOf(true);
      const last = spans[lastIndex];
      return { id: p.id, faces: p.faces, start: first?.start ?? p.firstSeen, end: last?.end ?? p.lastSeen };
    })
    .sort((a, b) => b.end - b.start - (a.end - a.start) || b.faces - a.faces)
    .slice(0, maxPersons)
    .sort((a, b) => a.start - b.start);
  return {
    duration,
    counts,
    maxCount,
    verdicts,
    texts,
    persons,
    has: {
      people: counts.some((c) => c.people !== null),
      faces: counts.some((c) => c.faces !== null),
      moderation: verdicts.length > 0,
      text: timeline.some((e) => e.ocr !== undefined),
    },
  };
}

/** The keyframe nearest to a time (the chart is clicked anywhere, a keyframe is chosen). */
export function nearestKeyframe(times: readonly number[], t: number): number {
  let best = 0;
  for (let i = 1; i < times.length; i++) if (Math.abs(times[i]! - t) < Math.abs(times[best]! - t)) best = i;
  return best;
}

/** Round, readable times for the axis: 0, 15 s, 30 s… at most about `count` of them. */
export function axisTicks(duration: number, count = 8): number[] {
  const rough = duration / count;
  const step = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600].find((s) => s >= rough) ?? Math.ceil(rough / 3600) * 3600;
  const ticks: number[] = [];
  for (let t = 0; t <= duration + 1e-9; t += step) ticks.push(t);
  return ticks;
}
