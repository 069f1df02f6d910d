// Plain helpers for showing a video's keyframes: counts in words, times as a player shows them, the pixel size
// the agent's findings on a keyframe are measured in, and a keyframe as an image-shaped result for the overlay.
import type { MediaFacts, ResultDocument } from '#agent/contracts/result-document.js';

type TimelineEntry = NonNullable<ResultDocument['timeline']>[number];

/** "1 person", "3 people", "0 faces". */
export function countText(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Seconds as a player shows them: "0:05.0", "1:19.5". */
export function formatVideoTime(t: number): string {
  const tenths = Math.round(Math.max(0, t) * 10);
  const minutes = Math.floor(tenths / 600);
  const seconds = (tenths % 600) / 10;
  return `${minutes}:${seconds.toFixed(1).padStart(4, '0')}`;
}

/**
 * The agent decodes keyframes at the video's size scaled down to fit this many pixels on either side (its
 * `defaultKeyframeOptions.maxSide`), and draws nothing bigger; findings are in those pixels.
 */
export const AGENT_KEYFRAME_MAX_SIDE = 1280;

/** The keyframe's pixel size, in which its boxes and keypoints are given; null when the video's size is unknown. */
export function keyframeSize(media: Pick<MediaFacts, 'width' | 'height'>, maxSide = AGENT_KEYFRAME_MAX_SIDE): { width: number; height: number } | null {
  if (!media.width || !media.height) return null;
  // ffmpeg's scale=min(iw,S):min(ih,S) with force_original_aspect_ratio=decrease: the larger side becomes S.
  const factor = Math.min(1, maxSide / media.width, maxSide / media.height);
  return { width: Math.round(media.width * factor), height: Math.round(media.height * factor) };
}

/**
 * One keyframe as the result of an image of the keyframe's size, so the overlay that draws an image's faces,
 * poses and text draws this keyframe's, over its (smaller) thumbnail.
 */
export function keyframeAsImageResult(result: ResultDocument, entry: TimelineEntry, label: string): ResultDocument {
  const size = keyframeSize(result.media);
  return {
    ...result,
    file: label,
    media: { ...result.media, kind: 'image', mime: 'image/jpeg', width: size?.width, height: size?.height, durationSec: undefined },
    nsfw: entry.nsfw,
    faces: entry.faces,
    pose: entry.pose,
    ocr: entry.ocr,
    transcript: undefined,
    speakers: undefined,
    timeline: undefined,
    summary: undefined,
  };
}

/** What a keyframe shows, in a few words: "2 faces · 1 person", or null when no analysis looked for anything. */
export function keyframeFindings(entry: TimelineEntry): string | null {
  const parts: string[] = [];
  if (entry.faces) parts.push(countText(entry.faces.length, 'face', 'faces'));
  if (entry.pose) parts.push(countText(entry.pose.length, 'person', 'people'));
  if (entry.ocr?.text.trim()) parts.push('text');
  return parts.length ? parts.join(' · ') : null;
}

/** The summary's line on people: "up to 3 people (at 0:12.0)", "nobody seen". */
export function personsSummary(summary: NonNullable<ResultDocument['summary']>): string {
  if (summary.maxPersons === 0) return 'nobody seen';
  const at = summary.maxPersonsAt !== undefined ? ` (at ${formatVideoTime(summary.maxPersonsAt)})` : '';
  return `up to ${countText(summary.maxPersons, 'person', 'people')}${at}`;
}
