// The video plan: keyframes (scene change + interval, capped), the image analyses on them in batches, a
// timeline and a summary, and thumbnails written where the caller serves them from. Audio is the caller's.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { AgentError } from '../../errors.js';
import { extractKeyframes, type KeyframeOptions } from '../../media/av/extract-keyframes.js';
import type { RunLimits } from '../../media/av/media-tools.js';
import { imageKeyframeAnalyzers, type KeyframeAnalysisName, type KeyframeAnalyzers, type KeyframeSections } from './keyframe-analyzers.js';
import { summarizeTimeline, type VideoSummaryData } from './summarize-timeline.js';
import { writeKeyframeFaceCrops } from '../../faces-search/face-crops.js';

/** Thumbnail file names this module writes; anything else asked of the API is not one of ours. */
export const thumbnailNamePattern = /^kf-\d{4}-\d+ms\.jpg$/;

/** The path of a keyframe thumbnail inside a job's thumbnails directory, for the API to serve (no traversal). */
export function thumbnailPath(thumbnailsDir: string, name: string): string {
  if (!thumbnailNamePattern.test(name)) throw new AgentError('NOT_FOUND', `no thumbnail named ${name}`);
  return path.join(thumbnailsDir, name);
}

export interface VideoTimelineEntry extends KeyframeSections {
  t: number;
  thumbnail?: string;
}

export interface AnalyzeVideoOptions {
  analyses: KeyframeAnalysisName[];
  keyframes?: Partial<KeyframeOptions>;
  /** Frames analysed together: each model runs over the whole batch before the next model. */
  batchSize?: number;
  /** Where thumbnails go (created if needed); none are written when absent. */
  thumbnailsDir?: string;
  thumbnailWidth?: number;
  includeEmbeddings?: boolean;
  ocrLang?: string;
  personSimilarity?: number;
  analyzers?: KeyframeAnalyzers;
  limits?: Partial<RunLimits>;
  signal?: AbortSignal;
  /**
   * 'frames' while ffmpeg finds keyframes; then, once per analysis of each keyframe, what runs in a person's
   * words ("keyframe 12 of 80: faces", keyframeProgressStage) with the share of all that work done.
   */
  onProgress?: (e: { stage: string; progress: number; t?: number }) => void;
  durationSec?: number;
}

export interface VideoAnalysis {
  timeline: VideoTimelineEntry[];
  summary: VideoSummaryData;
  models: Record<string, string>;
  timings: { frames: number } & Partial<Record<KeyframeAnalysisName, number>>;
}

/** The stage text while keyframe `index` (0-based) of `total` goes through `analysis`. */
export function keyframeProgressStage(index: number, total: number, analysis: string): string {
  return `keyframe ${index + 1} of ${total}: ${analysis}`;
}

export async function analyzeVideo(file: string, demuxer: string, opts: AnalyzeVideoOptions): Promise<VideoAnalysis> {
  const analyzers = opts.analyzers ?? imageKeyframeAnalyzers();
  const batchSize = Math.max(1, opts.batchSize ?? 8);
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'mf-keyframes-'));
  try {
    const started = performance.now();
    const keyframes = await extractKeyframes(file, demuxer, workDir, {
      ...opts.keyframes,
      ...opts.limits,
      signal: opts.signal,
      onFrame: (t) => opts.onProgress?.({ stage: 'frames', progress: opts.durationSec ? Math.min(1, t / opts.durationSec) : 0, t }),
    });
    const timings: VideoAnalysis['timings'] = { frames: performance.now() - started };
    const models: Record<string, string> = {};
    const timeline: VideoTimelineEntry[] = keyframes.map((k) => ({ t: Math.round(k.t * 1000) / 1000 }));
    if (opts.thumbnailsDir) await mkdir(opts.thumbnailsDir, { recursive: true });

    // Progress counts each analysis of each keyframe: with 80 keyframes in batches of 8, a count per keyframe
    // moved only when a whole batch was through every model (seen as "running: keyframe" for 45 s).
    const steps = keyframes.length * opts.analyses.length;
    let done = 0;
    for (let b = 0; b < keyframes.length; b += batchSize) {
      const batch = keyframes.slice(b, b + batchSize);
      const images = await Promise.all(batch.map((k) => analyzers.decode(k.file)));
      for (const name of opts.analyses) {
        const t0 = performance.now();
        for (const [i, image] of images.entries()) {
          if (opts.signal?.aborted) throw new AgentError('CANCELED');
          opts.onProgress?.({ stage: keyframeProgressStage(b + i, keyframes.length, name), progress: done / steps, t: batch[i]!.t });
          // Embeddings are always computed for faces: the summary clusters them into persons.
          const { section, model } = await analyzers.run(name, image, {
            signal: opts.signal,
            includeEmbeddings: name === 'faces' ? true : undefined,
            ocrLang: opts.ocrLang,
          });
          Object.assign(timeline[b + i], { [name]: section });
          models[name] = model;
          done += 1;
        }
        timings[name] = (timings[name] ?? 0) + performance.now() - t0;
      }
      for (const [i, k] of batch.entries()) {
        if (opts.thumbnailsDir) {
          const name = `kf-${String(b + i).padStart(4, '0')}-${Math.round(k.t * 1000)}ms.jpg`;
          await sharp(k.file).resize({ width: opts.thumbnailWidth ?? 320, withoutEnlargement: true }).jpeg({ quality: 75 }).toFile(path.join(opts.thumbnailsDir, name));
          timeline[b + i].thumbnail = name;
          // The face index keeps a picture of each face; the keyframe itself is gone after this run.
          const faces = timeline[b + i].faces;
          if (faces?.length) await writeKeyframeFaceCrops(k.file, faces.map((f) => f.box), opts.thumbnailsDir, b + i);
        }
      }
    }
    // OCR boxes are in keyframe pixels (scaled to maxSide): the text size floor is relative to that height.
    const frameHeight = keyframes.length > 0 ? (await sharp(keyframes[0].file).metadata()).height : undefined;
    const summary = summarizeTimeline(timeline, { personSimilarity: opts.personSimilarity, frameHeight });
    if (!opts.includeEmbeddings) {
      for (const entry of timeline) entry.faces = entry.faces?.map(({ embedding: _drop, ...face }) => face);
    }
    return { timeline, summary, models, timings };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
