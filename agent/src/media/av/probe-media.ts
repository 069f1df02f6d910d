// Media facts from ffprobe, with the demuxer forced from the sniffed type, plus the sanity checks that turn a
// truncated or lying container into a clear error before any decoding work starts.
import { stat } from 'node:fs/promises';
import { AgentError } from '../../errors.js';
import { demuxerForMime } from './demuxer-for-mime.js';
import { resolveMediaTools, runMediaTool, type RunLimits } from './media-tools.js';

export interface VideoStreamFacts {
  codec: string;
  width: number;
  height: number;
  fps: number;
}

export interface AudioStreamFacts {
  codec: string;
  sampleRate: number;
  channels: number;
}

export interface MediaProbe {
  demuxer: string;
  formatName: string;
  durationSec?: number;
  bytes: number;
  video?: VideoStreamFacts;
  audio?: AudioStreamFacts;
}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
  duration?: string;
  nb_frames?: string;
  disposition?: { attached_pic?: number };
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string };
}

function parseRate(rate: string | undefined): number {
  if (!rate) return 0;
  const [num, den] = rate.split('/').map(Number);
  if (!Number.isFinite(num) || !den) return 0;
  return num / den;
}

function positive(value: string | number | undefined): number | undefined {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** First meaningful line of ffmpeg's stderr, for an error message a person can act on. */
export function firstErrorLine(stderr: string): string {
  const line = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  return (line ?? 'unknown error').replace(/^\[[^\]]+\]\s*/, '').slice(0, 300);
}

/**
 * A video stream whose header declares many more frames than the file holds was cut short (a partial upload, a
 * truncated copy). ffmpeg decodes what is there without failing, so this check is ours.
 */
export function findTruncation(stream: FfprobeStream): string | undefined {
  const declaredFrames = positive(stream.nb_frames);
  const fps = parseRate(stream.avg_frame_rate) || parseRate(stream.r_frame_rate);
  const present = positive(stream.duration);
  if (!declaredFrames || !fps || !present) return undefined;
  const declared = declaredFrames / fps;
  if (declared - present > Math.max(1, declared * 0.1)) {
    return `the header declares ${declared.toFixed(1)} s of video but the file holds ${present.toFixed(1)} s`;
  }
  return undefined;
}

export async function probeMedia(
  filePath: string,
  mime: string,
  limits: Partial<RunLimits> = {},
): Promise<MediaProbe> {
  const demuxer = demuxerForMime(mime);
  let bytes: number;
  try {
    bytes = (await stat(filePath)).size;
  } catch {
    throw new AgentError('FILE_NOT_FOUND', `no such file: ${filePath}`);
  }
  if (bytes === 0) throw new AgentError('EMPTY_FILE');
  const { ffprobe } = resolveMediaTools();
  const run = await runMediaTool(
    ffprobe,
    ['-v', 'error', '-protocol_whitelist', 'file', '-f', demuxer, '-print_format', 'json', '-show_format', '-show_streams', filePath],
    { timeoutMs: 60_000, maxStdoutBytes: 16 * 1024 ** 2, ...limits },
  );
  if (run.exitCode !== 0) {
    throw new AgentError('CORRUPT_MEDIA', `cannot read the file as ${demuxer}: ${firstErrorLine(run.stderr)}`);
  }
  let parsed: FfprobeOutput;
  try {
    parsed = JSON.parse(run.stdout.toString('utf8')) as FfprobeOutput;
  } catch {
    throw new AgentError('CORRUPT_MEDIA', 'ffprobe gave no readable description of the file');
  }
  const streams = parsed.streams ?? [];
  // Cover art in audio files is a "video" stream; it is not video.
  const videoStream = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const audioStream = streams.find((s) => s.codec_type === 'audio');
  if (videoStream) {
    const truncation = findTruncation(videoStream);
    if (truncation) throw new AgentError('CORRUPT_MEDIA', `truncated file: ${truncation}`);
  }
  const durations = [parsed.format?.duration, videoStream?.duration, audioStream?.duration].map(positive);
  const durationSec = durations.find((d) => d !== undefined);
  return {
    demuxer,
    formatName: parsed.format?.format_name ?? demuxer,
    durationSec,
    bytes,
    video: videoStream
      ? {
          codec: videoStream.codec_name ?? 'unknown',
          width: videoStream.width ?? 0,
          height: videoStream.height ?? 0,
          fps: parseRate(videoStream.avg_frame_rate) || parseRate(videoStream.r_frame_rate),
        }
      : undefined,
    audio: audioStream
      ? {
          codec: audioStream.codec_name ?? 'unknown',
          sampleRate: Number(audioStream.sample_rate ?? 0),
          channels: audioStream.channels ?? 0,
        }
      : undefined,
  };
}
