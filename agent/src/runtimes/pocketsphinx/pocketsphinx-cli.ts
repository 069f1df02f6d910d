// The PocketSphinx command-line decoder (Debian `pocketsphinx` 0.8: `pocketsphinx_continuous`) run on a WAV
// file, and its `-time yes` output parsed into utterances with word timings. It is the reference the in-process
// decoder (pocketsphinx-library.ts) is tested against, and the fallback where that library cannot be loaded.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AgentError } from '../../errors.js';
import { runMediaTool, type RunLimits } from '../../media/av/media-tools.js';

export interface PocketsphinxInstall {
  binary: string;
  /** Acoustic model directory the Debian build uses by default. */
  modelDir: string;
}

export interface PocketsphinxWord {
  word: string;
  start: number;
  end: number;
  /** Posterior probability 0..1 as the decoder reports it. */
  confidence: number;
}

export interface PocketsphinxUtterance {
  text: string;
  words: PocketsphinxWord[];
}

const debianModelDir = '/usr/share/pocketsphinx/model/en-us';

/** MEDIAFLEET_POCKETSPHINX names the binary; otherwise pocketsphinx_continuous on PATH with Debian's en-us model. */
export function findPocketsphinx(env: NodeJS.ProcessEnv = process.env): PocketsphinxInstall | undefined {
  const candidates = env.MEDIAFLEET_POCKETSPHINX
    ? [env.MEDIAFLEET_POCKETSPHINX]
    : (env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, 'pocketsphinx_continuous'));
  const binary = candidates.find((c) => existsSync(c));
  const modelDir = env.MEDIAFLEET_POCKETSPHINX_MODEL || debianModelDir;
  if (!binary || !existsSync(path.join(modelDir, 'en-us'))) return undefined;
  return { binary, modelDir };
}

/** Fillers and sentence markers the decoder emits as "words"; they are not speech. */
export function isFiller(word: string): boolean {
  return word === '<s>' || word === '</s>' || word === '<sil>' || /^\[.*\]$/.test(word) || /^\+\+.*\+\+$/.test(word);
}

const wordLine = /^(\S+) (-?\d+\.\d+) (-?\d+\.\d+) (-?\d+\.\d+)$/;

/** Parses `pocketsphinx_continuous -time yes` stdout: a hypothesis line, then one line per word with times. */
export function parsePocketsphinxOutput(stdout: string): PocketsphinxUtterance[] {
  const utterances: PocketsphinxUtterance[] = [];
  let current: PocketsphinxUtterance | undefined;
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const m = wordLine.exec(line);
    if (!m) {
      current = { text: line, words: [] };
      utterances.push(current);
      continue;
    }
    // "for(2)": the second pronunciation of "for" in the dictionary; the word is the same.
    const word = m[1].replace(/\(\d+\)$/, '');
    if (isFiller(word)) continue;
    current ??= utterances[utterances.push({ text: '', words: [] }) - 1];
    current.words.push({ word, start: Number(m[2]), end: Number(m[3]), confidence: Math.min(1, Math.max(0, Number(m[4]))) });
  }
  return utterances.filter((u) => u.words.length > 0 || u.text.length > 0);
}

/** The model files named explicitly (the same ones the Debian build defaults to), so MEDIAFLEET_POCKETSPHINX_MODEL applies. */
export function pocketsphinxModelArgs(install: PocketsphinxInstall): string[] {
  return ['-hmm', path.join(install.modelDir, 'en-us'), '-lm', path.join(install.modelDir, 'en-us.lm.bin'), '-dict', path.join(install.modelDir, 'cmudict-en-us.dict')];
}

/**
 * Search settings the agent uses instead of the defaults, for speed (issue 3: ≥ 4× real time). With the model
 * load gone, the default search decodes about 2.6× real time per core. `npm run bench:media -- --sphinx-sweep`
 * over all fixtures in ../shared/fixtures/audio (audio seconds per CPU second, best of two passes, shared 2-core
 * host at load 3–5; WER pooled over all 87 reference words):
 *   defaults                   2.61×  WER 46.0 %
 *   -maxhmmpf 3000             5.75×  WER 48.3 %
 *   -topn 2                    3.25×  WER 43.7 %
 *   -topn 2 -maxhmmpf 5000     4.85×  WER 43.7 %
 *   -topn 2 -maxhmmpf 3000     5.86×  WER 42.5 %   ← used: fastest, and no loss (3 words fewer wrong here)
 *   -fwdflat no                1.88×  WER 49.4 %   (not faster in this run; worse)
 *   -ds 2                      2.15×  WER 51.7 %   (not faster in this run; worse)
 * -maxhmmpf caps the active HMMs per frame (default 30000), -topn the Gaussians scored per codebook (default 4);
 * both are documented pocketsphinx search options. The CLI comparison in the tests passes the same settings.
 */
export const pocketsphinxTuningArgs: readonly string[] = ['-topn', '2', '-maxhmmpf', '3000'];

/** Model and search options, the same for the in-process decoder and the CLI. */
export function pocketsphinxDecoderArgs(install: PocketsphinxInstall): string[] {
  return [...pocketsphinxModelArgs(install), ...pocketsphinxTuningArgs];
}

export function pocketsphinxArgs(install: PocketsphinxInstall, wavPath: string): string[] {
  return ['-infile', wavPath, '-time', 'yes', ...pocketsphinxDecoderArgs(install), '-logfn', '/dev/null'];
}

export async function runPocketsphinx(
  install: PocketsphinxInstall,
  wavPath: string,
  limits: Partial<RunLimits> = {},
): Promise<PocketsphinxUtterance[]> {
  const run = await runMediaTool(install.binary, pocketsphinxArgs(install, wavPath), { maxMemoryBytes: 2 * 1024 ** 3, ...limits });
  if (run.exitCode !== 0) {
    throw new AgentError('INTERNAL', `pocketsphinx_continuous exited with ${run.exitCode}: ${run.stderr.split('\n').find((l) => l.trim()) ?? ''}`);
  }
  return parsePocketsphinxOutput(run.stdout.toString('utf8'));
}
