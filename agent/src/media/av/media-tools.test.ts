// Which ffmpeg/ffprobe run and the limits around every run, checked on the real binaries: the system's (Debian
// ffmpeg, installed by scripts/setup.sh) and the npm packages' static builds (@ffmpeg-installer, @ffprobe-installer).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeAudioForSpeech, encodeWavPcm16 } from './decode-audio.js';
import { demuxerForMime } from './demuxer-for-mime.js';
import { keyframeSelectExpression } from './extract-keyframes.js';
import { compareLibavformat, mediaToolsInUse, readToolVersion, resolveMediaTools, runMediaTool } from './media-tools.js';
import { probeMedia } from './probe-media.js';
import { fixturesDir } from '../../../../test-harness/shared-folder.js';

const fixtures = fixturesDir;
const { ffmpeg } = resolveMediaTools();
const codeOf = (p: Promise<unknown>) => p.then(() => 'no error', (e: { code?: string }) => e.code);

const scratch = mkdtempSync(path.join(os.tmpdir(), 'mf-media-tools-'));
/** A PATH that holds no ffmpeg or ffprobe: the machine without Debian's ffmpeg. */
const pathWithoutFfmpeg = path.join(scratch, 'empty-path');
spawnSync('mkdir', ['-p', pathWithoutFfmpeg]);
const systemFfmpeg = spawnSync('sh', ['-c', 'command -v ffmpeg'], { encoding: 'utf8' }).stdout.trim();

describe('which ffmpeg and ffprobe run', () => {
  it('without a system ffmpeg, both come from the npm packages (npm install alone can analyse video and audio)', () => {
    const tools = mediaToolsInUse({ searchPath: pathWithoutFfmpeg });
    expect(tools.ffmpeg).toMatchObject({ source: 'bundled', path: expect.stringContaining('@ffmpeg-installer') });
    expect(tools.ffprobe).toMatchObject({ source: 'bundled', path: expect.stringContaining('@ffprobe-installer') });
    expect(tools.ffmpeg.libavformat).toMatch(/^\d+\.\d+\.\d+$/);
    expect(tools.ffprobe.libavformat).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('the bundled pair probes and decodes the fixtures like the system pair (a child process whose PATH has no ffmpeg)', () => {
    const script = `
      const { probeMedia } = await import(${JSON.stringify(new URL('./probe-media.ts', import.meta.url).href)});
      const { decodeAudioForSpeech } = await import(${JSON.stringify(new URL('./decode-audio.ts', import.meta.url).href)});
      const { mediaToolsInUse } = await import(${JSON.stringify(new URL('./media-tools.ts', import.meta.url).href)});
      const vtest = await probeMedia(${JSON.stringify(path.join(fixtures, 'video/vtest.avi'))}, 'video/vnd.avi');
      const truncated = await probeMedia(${JSON.stringify(path.join(fixtures, 'bad/truncated.avi'))}, 'video/vnd.avi').catch((e) => e.code);
      const audio = await decodeAudioForSpeech(${JSON.stringify(path.join(fixtures, 'audio/jfk.wav'))}, 'wav');
      console.log(JSON.stringify({ tools: mediaToolsInUse(), vtest: vtest.video, truncated, samples: audio.samples.length }));`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      env: { ...process.env, PATH: pathWithoutFfmpeg, MEDIAFLEET_FFMPEG: '', MEDIAFLEET_FFPROBE: '' },
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(out.tools.ffmpeg.source).toBe('bundled');
    expect(out.tools.ffprobe.source).toBe('bundled');
    expect(out.vtest).toMatchObject({ width: 768, height: 576, fps: 10 });
    expect(out.truncated).toBe('CORRUPT_MEDIA');
    expect(out.samples).toBe(176_000);
  });

  it.skipIf(!systemFfmpeg)(
    `prefers the system's ffmpeg and ffprobe when they are at least as new as the bundled 2018 build${systemFfmpeg ? '' : ' (skipped: no ffmpeg on PATH; scripts/setup.sh installs Debian ffmpeg)'}`,
    () => {
      const tools = mediaToolsInUse();
      const bundled = mediaToolsInUse({ searchPath: pathWithoutFfmpeg });
      expect(compareLibavformat(readToolVersion(systemFfmpeg)?.libavformat, bundled.ffmpeg.libavformat)).toBeGreaterThanOrEqual(0);
      expect(tools.ffmpeg).toMatchObject({ source: 'system', path: systemFfmpeg });
      // The pair comes from one source: Debian's ffprobe beside Debian's ffmpeg.
      expect(tools.ffprobe).toMatchObject({ source: 'system', path: path.join(path.dirname(systemFfmpeg), 'ffprobe') });
    },
  );

  it('keeps the bundled build when the system ffmpeg is older (a stand-in ffmpeg script that reports libavformat 57)', () => {
    const dir = path.join(scratch, 'old-system');
    spawnSync('mkdir', ['-p', dir]);
    for (const name of ['ffmpeg', 'ffprobe']) {
      const file = path.join(dir, name);
      writeFileSync(file, `#!/bin/sh\necho "${name} version 3.4.11-0ubuntu0.1"\necho "libavformat    57. 83.100 / 57. 83.100"\n`);
      chmodSync(file, 0o755);
    }
    const tools = mediaToolsInUse({ searchPath: dir });
    expect(tools.ffmpeg.source).toBe('bundled');
    expect(tools.ffprobe.source).toBe('bundled');
    expect(compareLibavformat('57.83.100', '58.24.100')).toBeLessThan(0);
    expect(compareLibavformat('59.27.100', '58.24.100')).toBeGreaterThan(0);
  });

  it('a tool named by a setting that does not run is MEDIA_TOOL_MISSING with the ways to install it', () => {
    const missing = path.join(scratch, 'nowhere', 'ffprobe');
    let error: unknown;
    try {
      mediaToolsInUse({ searchPath: pathWithoutFfmpeg, ffprobe: missing });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'MEDIA_TOOL_MISSING' });
    expect((error as Error).message).toContain(missing);
    expect((error as Error).message).toMatch(/scripts\/setup\.sh.*@ffprobe-installer\/ffprobe.*MEDIAFLEET_FFPROBE/);
  });

  it('a binary removed after it was chosen is MEDIA_TOOL_MISSING, not a damaged file', async () => {
    expect(await codeOf(runMediaTool(path.join(scratch, 'gone', 'ffmpeg'), ['-version']))).toBe('MEDIA_TOOL_MISSING');
  });
});

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

describe('describeMediaTools (for /v1/info)', () => {
  it('names each tool that runs and says why one does not', async () => {
    const { describeMediaTools } = await import('./media-tools.js');
    const fine = describeMediaTools({ searchPath: pathWithoutFfmpeg });
    expect(fine).toMatchObject({ ffmpeg: { source: 'bundled' }, ffprobe: { source: 'bundled' }, problems: [] });
    const broken = describeMediaTools({ searchPath: pathWithoutFfmpeg, ffmpeg: path.join(scratch, 'none', 'ffmpeg') });
    expect(broken.ffmpeg).toBeNull();
    expect(broken.problems).toHaveLength(1);
    expect(broken.problems[0]).toMatch(/^ffmpeg named by MEDIAFLEET_FFMPEG .* does not run: run scripts\/setup\.sh/);
  });
});
