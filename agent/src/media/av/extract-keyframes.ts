// Keyframes for video analysis in one ffmpeg pass: a frame is taken at the start, at every scene change, and
// at least every `intervalSec` of static footage, never closer together than 1/maxFps, at most maxFrames.
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { AgentError } from '../../errors.js';
import { firstErrorLine } from './probe-media.js';
import { resolveMediaTools, runMediaTool, type RunLimits } from './media-tools.js';

export interface KeyframeOptions {
  /** Scene-change score (0..1) above which a frame starts a new scene. */
  sceneThreshold: number;
  /** Upper bound on the keyframe rate. */
  maxFps: number;
  /** A frame is taken after this long even without a scene change (0 = only scene changes). */
  intervalSec: number;
  maxFrames: number;
  /** Frames larger than this (either side) are scaled down before they are written. */
  maxSide: number;
  /** Decoding stops here even if the header understated the length. */
  maxDurationSec?: number;
  /** Called per keyframe as ffmpeg finds it (for progress). */
  onFrame?: (t: number) => void;
}

export const defaultKeyframeOptions: KeyframeOptions = {
  sceneThreshold: 0.3,
  maxFps: 1,
  intervalSec: 1,
  maxFrames: 120,
  maxSide: 1280,
};

export interface Keyframe {
  /** Seconds from the start of the video. */
  t: number;
  /** JPEG file written by ffmpeg. */
  file: string;
}

export function keyframeSelectExpression(o: Pick<KeyframeOptions, 'sceneThreshold' | 'maxFps' | 'intervalSec'>): string {
  const minGap = 1 / o.maxFps;
  const since = '(t-prev_selected_t)';
  const periodic = o.intervalSec > 0 ? `+gte(${since},${o.intervalSec})` : '';
  // isnan(prev_selected_t) is true only before the first selection, so frame 0 is always kept.
  return `isnan(prev_selected_t)+gte(${since},${minGap})*(gt(scene,${o.sceneThreshold})${periodic})`;
}

const showinfoTime = /\[Parsed_showinfo[^\]]*\].*?\bn:\s*(\d+).*?\bpts_time:\s*([0-9.eE+-]+)/;

export async function extractKeyframes(
  filePath: string,
  demuxer: string,
  outDir: string,
  options: Partial<KeyframeOptions> & Partial<RunLimits> = {},
): Promise<Keyframe[]> {
  const { sceneThreshold, maxFps, intervalSec, maxFrames, maxSide, maxDurationSec, onFrame, ...limits } = { ...defaultKeyframeOptions, ...options };
  const cap = maxDurationSec !== undefined ? ['-t', String(maxDurationSec + 1)] : [];
  const { ffmpeg } = resolveMediaTools();
  await mkdir(outDir, { recursive: true });
  const select = keyframeSelectExpression({ sceneThreshold, maxFps, intervalSec });
  const scale = `scale=w='min(iw,${maxSide})':h='min(ih,${maxSide})':force_original_aspect_ratio=decrease`;
  const times: number[] = [];
  let pending = '';
  const run = await runMediaTool(
    ffmpeg,
    ['-nostdin', '-hide_banner', '-v', 'info', '-protocol_whitelist', 'file', '-f', demuxer, '-i', filePath, ...cap,
      '-map', '0:v:0', '-an', '-sn', '-vf', `select='${select}',showinfo,${scale}`, '-vsync', 'vfr',
      '-frames:v', String(maxFrames), '-q:v', '3', path.join(outDir, 'kf-%05d.jpg')],
    {
      ...limits,
      onStderr: (chunk) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const m = showinfoTime.exec(line);
          if (!m) continue;
          const t = Number(m[2]);
          times.push(t);
          onFrame?.(t);
        }
      },
    },
  );
  if (run.exitCode !== 0) {
    throw new AgentError('CORRUPT_MEDIA', `cannot decode the video: ${firstErrorLine(run.stderr.split('\n').filter((l) => !l.includes('Parsed_showinfo')).join('\n'))}`);
  }
  const files = (await readdir(outDir)).filter((f) => /^kf-\d{5}\.jpg$/.test(f)).sort();
  if (files.length === 0) throw new AgentError('CORRUPT_MEDIA', 'the video track holds no decodable frame');
  // showinfo logs each selected frame once, in output order; a frame it logged but the encoder never wrote
  // (the -frames:v cap) has no file, so zip by position.
  return files.map((file, i) => ({ t: times[i] ?? i, file: path.join(outDir, file) }));
}
