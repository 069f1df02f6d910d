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
  /** stage 'frames' while ffmpeg finds keyframes, then 'keyframe' once per analysed keyframe. */
  onProgress?: (e: { stage: 'frames' | 'keyframe'; progress: number; t?: number }) => void;
  durationSec?: number;
}

export interface VideoAnalysis {
  timeline: VideoTimelineEntry[];
  summary: VideoSummaryData;
  models: Record<string, string>;
  timings: { frames: number } & Partial<Record<KeyframeAnalysisName, number>>;
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

    let done = 0;
    for (let b = 0; b < keyframes.length; b += batchSize) {
      const batch = keyframes.slice(b, b + batchSize);
      const images = await Promise.all(batch.map((k) => analyzers.decode(k.file)));
      for (const name of opts.analyses) {
        const t0 = performance.now();
        for (const [i, image] of images.entries()) {
          if (opts.signal?.aborted) throw new AgentError('CANCELED');
          // Embeddings are always computed for faces: the summary clusters them into persons.
          const { section, model } = await analyzers.run(name, image, {
            signal: opts.signal,
            includeEmbeddings: name === 'faces' ? true : undefined,
            ocrLang: opts.ocrLang,
          });
          Object.assign(timeline[b + i], { [name]: section });
          models[name] = model;
        }
        timings[name] = (timings[name] ?? 0) + performance.now() - t0;
      }
      for (const [i, k] of batch.entries()) {
        if (opts.thumbnailsDir) {
          const name = `kf-${String(b + i).padStart(4, '0')}-${Math.round(k.t * 1000)}ms.jpg`;
          await sharp(k.file).resize({ width: opts.thumbnailWidth ?? 320, withoutEnlargement: true }).jpeg({ quality: 75 }).toFile(path.join(opts.thumbnailsDir, name));
          timeline[b + i].thumbnail = name;
        }
        done += 1;
        opts.onProgress?.({ stage: 'keyframe', progress: done / keyframes.length, t: k.t });
      }
    }
    const summary = summarizeTimeline(timeline, { personSimilarity: opts.personSimilarity });
    if (!opts.includeEmbeddings) {
      for (const entry of timeline) entry.faces = entry.faces?.map(({ embedding: _drop, ...face }) => face);
    }
    return { timeline, summary, models, timings };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
