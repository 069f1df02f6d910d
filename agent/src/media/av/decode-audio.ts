// Decodes a file's first audio track once per job into what every speech model here wants: 16 kHz mono float32.
import { AgentError } from '../../errors.js';
import { firstErrorLine } from './probe-media.js';
import { resolveMediaTools, runMediaTool, type RunLimits } from './media-tools.js';

export const SPEECH_SAMPLE_RATE = 16_000;

export interface DecodedAudio {
  sampleRate: typeof SPEECH_SAMPLE_RATE;
  samples: Float32Array;
  durationSec: number;
}

export async function decodeAudioForSpeech(
  filePath: string,
  demuxer: string,
  opts: { maxDurationSec?: number } & Partial<RunLimits> = {},
): Promise<DecodedAudio> {
  const { ffmpeg } = resolveMediaTools();
  const { maxDurationSec, ...limits } = opts;
  // -t caps the work even when a header understates the real length.
  const cap = maxDurationSec !== undefined ? ['-t', String(maxDurationSec + 1)] : [];
  const run = await runMediaTool(
    ffmpeg,
    ['-nostdin', '-hide_banner', '-v', 'error', '-protocol_whitelist', 'file', '-f', demuxer, '-i', filePath,
      ...cap, '-map', '0:a:0', '-vn', '-ac', '1', '-ar', String(SPEECH_SAMPLE_RATE), '-f', 'f32le', '-acodec', 'pcm_f32le', 'pipe:1'],
    limits,
  );
  if (run.exitCode !== 0) {
    throw new AgentError('CORRUPT_MEDIA', `cannot decode the audio track: ${firstErrorLine(run.stderr)}`);
  }
  // Copy into an aligned buffer: a Buffer's byteOffset is not always a multiple of 4.
  const bytes = run.stdout.length - (run.stdout.length % 4);
  const samples = new Float32Array(bytes / 4);
  new Uint8Array(samples.buffer).set(run.stdout.subarray(0, bytes));
  if (maxDurationSec !== undefined && samples.length / SPEECH_SAMPLE_RATE > maxDurationSec) {
    throw new AgentError('DURATION_LIMIT', `the audio is longer than ${maxDurationSec} s`);
  }
  return { sampleRate: SPEECH_SAMPLE_RATE, samples, durationSec: samples.length / SPEECH_SAMPLE_RATE };
}

/** 16-bit PCM WAV bytes, for engines that read files (the PocketSphinx CLI) or int16 buffers (whisper.cpp). */
export function toPcm16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    // Exact inverse of s16 → f32 (x / 32768) so 16-bit input round-trips bit for bit.
    const v = Math.round(samples[i] * 32768);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

export function encodeWavPcm16(samples: Float32Array, sampleRate: number = SPEECH_SAMPLE_RATE): Buffer {
  const pcm = toPcm16(samples);
  const header = Buffer.alloc(44);
  const dataBytes = pcm.length * 2;
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return Buffer.concat([header, Buffer.from(pcm.buffer, pcm.byteOffset, dataBytes)]);
}
