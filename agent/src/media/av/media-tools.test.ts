// The limits around every ffmpeg/ffprobe run, checked on the real binaries.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAudioForSpeech, encodeWavPcm16 } from './decode-audio.js';
import { demuxerForMime } from './demuxer-for-mime.js';
import { keyframeSelectExpression } from './extract-keyframes.js';
import { resolveMediaTools, runMediaTool } from './media-tools.js';
import { probeMedia } from './probe-media.js';

const fixtures = path.resolve('../shared/fixtures');
const { ffmpeg } = resolveMediaTools();
const codeOf = (p: Promise<unknown>) => p.then(() => 'no error', (e: { code?: string }) => e.code);

describe('runMediaTool', () => {
  it('kills a run that passes its time limit → TIMEOUT', async () => {
    // ffmpeg reading an endless synthetic source never ends on its own.
    const started = Date.now();
    expect(await codeOf(runMediaTool(ffmpeg, ['-nostdin', '-f', 'lavfi', '-i', 'anullsrc', '-f', 'null', '-'], { timeoutMs: 500 }))).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('an address-space limit makes a decoder fail instead of eating the host', async () => {
    const args = ['-nostdin', '-v', 'error', '-f', 'wav', '-i', path.join(fixtures, 'audio/jfk.wav'), '-f', 'null', '-'];
    expect((await runMediaTool(ffmpeg, args)).exitCode).toBe(0);
    expect((await runMediaTool(ffmpeg, args, { maxMemoryBytes: 8 * 1024 * 1024 })).exitCode).not.toBe(0);
  });

  it('stops on abort → CANCELED, and caps decoded output → FILE_TOO_LARGE', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    expect(await codeOf(runMediaTool(ffmpeg, ['-nostdin', '-f', 'lavfi', '-i', 'anullsrc', '-f', 'null', '-'], { signal: controller.signal }))).toBe('CANCELED');
    expect(await codeOf(runMediaTool(ffmpeg, ['-nostdin', '-f', 'lavfi', '-i', 'anullsrc', '-f', 'f32le', 'pipe:1'], { maxStdoutBytes: 100_000 }))).toBe('FILE_TOO_LARGE');
  });
});

describe('probe and decode', () => {
  it('forces the demuxer from the sniffed type and refuses types it has none for', () => {
    expect(demuxerForMime('video/vnd.avi')).toBe('avi');
    expect(demuxerForMime('audio/wav')).toBe('wav');
    expect(() => demuxerForMime('application/pdf')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_MEDIA' }));
  });

  it('probes vtest.avi and flags truncated.avi, whose header declares 11.3 s but holds 1.9 s', async () => {
    const vtest = await probeMedia(path.join(fixtures, 'video/vtest.avi'), 'video/vnd.avi');
    expect(vtest).toMatchObject({ demuxer: 'avi', video: { width: 768, height: 576, fps: 10 }, audio: undefined });
    const err = await probeMedia(path.join(fixtures, 'bad/truncated.avi'), 'video/vnd.avi').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CORRUPT_MEDIA' });
    expect((err as Error).message).toMatch(/11\.3 s.*1\.9 s/);
  });

  it('decodes 16-bit WAV to float and back bit for bit (no loss on the way to the engines)', async () => {
    const file = path.join(fixtures, 'audio/cards-001.wav');
    const audio = await decodeAudioForSpeech(file, 'wav');
    const original = (await import('node:fs')).readFileSync(file);
    expect(encodeWavPcm16(audio.samples).equals(original)).toBe(true);
  });

  it('builds a keyframe selection that keeps frame 0, scene changes and an interval, never closer than the fps cap', () => {
    expect(keyframeSelectExpression({ sceneThreshold: 0.3, maxFps: 2, intervalSec: 5 })).toBe(
      'isnan(prev_selected_t)+gte((t-prev_selected_t),0.5)*(gt(scene,0.3)+gte((t-prev_selected_t),5))',
    );
  });
});
