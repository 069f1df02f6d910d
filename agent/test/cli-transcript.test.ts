// The CLI's transcript output as a user runs it (child process): `analyze --format srt|vtt` on a real recording
// with the PocketSphinx engine, and the error (exit 1, nothing on stdout) for a file that has no transcript.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturesDir } from '../../test-harness/shared-folder.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediafleet-cli-transcript-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
const wav = path.join(fixturesDir, 'audio/cards-001.wav');
const image = path.join(fixturesDir, 'images/astronaut.png');
const pocketsphinx = spawnSync('sh', ['-c', 'command -v pocketsphinx_continuous || command -v pocketsphinx']).status === 0;
const noFixture = !fs.existsSync(wav);

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const started = Date.now();
  const out = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, MEDIAFLEET_DATA: dataDir },
    timeout: 240_000,
  });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr + `\n(took ${Date.now() - started} ms)` };
}

describe('CLI analyze --format srt|vtt', () => {
  it.skipIf(noFixture || !pocketsphinx)(
    `prints the transcript of a recording as SRT and as VTT${noFixture ? ' (skipped: audio fixture missing)' : !pocketsphinx ? ' (skipped: pocketsphinx not installed)' : ''}`,
    () => {
      const srt = run('analyze', wav, '--analyses', 'transcribe', '--asr-engine', 'pocketsphinx', '--format', 'srt');
      expect(srt.status, srt.stderr).toBe(0);
      expect(srt.stdout.startsWith('1\n00:00:')).toBe(true);
      // Every cue: index, "hh:mm:ss,mmm --> hh:mm:ss,mmm" with start <= end, then non-empty text.
      const cues = srt.stdout.trim().split(/\n\n/);
      expect(cues.length).toBeGreaterThan(0);
      cues.forEach((cue, i) => {
        const [index, timing, ...text] = cue.split('\n');
        expect(index).toBe(String(i + 1));
        const m = /^(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})$/.exec(timing ?? '');
        expect(m, timing).not.toBeNull();
        const secs = (a: number) => Number(m![a]) * 3600 + Number(m![a + 1]) * 60 + Number(m![a + 2]) + Number(m![a + 3]) / 1000;
        expect(secs(1)).toBeLessThanOrEqual(secs(5));
        expect(text.join(' ').trim().length).toBeGreaterThan(0);
      });

      const vtt = run('analyze', wav, '--analyses', 'transcribe', '--asr-engine', 'pocketsphinx', '--format', 'vtt');
      expect(vtt.status, vtt.stderr).toBe(0);
      expect(vtt.stdout).toMatch(/^WEBVTT\n\n\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}\n\S/);
      // Same engine, same file: the same words in both formats.
      const words = (s: string) => s.split('\n').filter((l) => /[a-z]/i.test(l) && !l.includes('-->') && l !== 'WEBVTT').join(' ');
      expect(words(vtt.stdout)).toBe(words(srt.stdout));
    },
    600_000,
  );

  it.skipIf(!fs.existsSync(image))('a file without a transcript is an error: exit 1, NOT_FOUND on stderr, nothing on stdout', () => {
    const out = run('analyze', image, '--analyses', 'ocr', '--format', 'srt');
    expect(out.status, out.stderr).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/NOT_FOUND: there is no transcript/);
  }, 300_000);

  it('an unknown ASR engine is reported in place with BAD_REQUEST (exit 1)', () => {
    const out = run('analyze', wav, '--analyses', 'transcribe', '--asr-engine', 'telepathy');
    expect(out.status, out.stderr).toBe(1);
    const [entry] = JSON.parse(out.stdout) as Array<{ error?: { code: string; message: string } }>;
    expect(entry?.error?.code).toBe('BAD_REQUEST');
    expect(entry?.error?.message).toMatch(/telepathy/);
  }, 300_000);

  it('--format accepts only json, srt, vtt (usage error, exit 2)', () => {
    const out = run('analyze', wav, '--format', 'docx');
    expect(out.status).toBe(2);
    expect(out.stdout).toBe('');
  });
});
