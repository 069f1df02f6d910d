// The PocketSphinx command-line decoders (Debian `pocketsphinx` 0.8): `pocketsphinx_continuous` on a WAV file
// (its `-time yes` output parsed into utterances with word timings) and `pocketsphinx_batch` on a list of
// utterance WAVs (its CTM output parsed into words). They are the reference the in-process decoder
// (pocketsphinx-library.ts) is tested against, and the fallback where that library cannot be loaded.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AgentError } from '../../errors.js';
import { runMediaTool, type RunLimits } from '../../media/av/media-tools.js';
import { analysisSettings, type AnalysisSettings } from '../../config.js';

export interface PocketsphinxInstall {
  binary: string;
  /** pocketsphinx_batch beside it (same Debian package): whole-utterance decoding for the second pass. */
  batchBinary: string;
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

/** The PocketSphinx settings (MEDIAFLEET_POCKETSPHINX*, MEDIAFLEET_SPHINXBASE_LIB), validated in config.ts. */
export type PocketsphinxSettings = Pick<AnalysisSettings, 'pocketsphinx' | 'pocketsphinxModel' | 'pocketsphinxLib' | 'sphinxbaseLib' | 'pocketsphinxRuntime'>;

/** MEDIAFLEET_POCKETSPHINX names the binary; otherwise pocketsphinx_continuous on PATH with Debian's en-us model. */
export function findPocketsphinx(settings: PocketsphinxSettings = analysisSettings()): PocketsphinxInstall | undefined {
  const candidates = settings.pocketsphinx
    ? [settings.pocketsphinx]
    : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, 'pocketsphinx_continuous'));
  const binary = candidates.find((c) => existsSync(c));
  const modelDir = settings.pocketsphinxModel || debianModelDir;
  if (!binary || !existsSync(path.join(modelDir, 'en-us'))) return undefined;
  return { binary, batchBinary: path.join(path.dirname(binary), 'pocketsphinx_batch'), modelDir };
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
 * The agent decodes in two passes (see analyzers/transcribe/pocketsphinx-engine.ts). The first finds where the
 * utterances are, exactly as pocketsphinx_continuous does (its voice activity detection and live CMN); only
 * the utterances' first and last word times are kept, so it runs fast search settings. The second decodes
 * pieces of neighbouring utterances whole, with batch CMN: the cepstral mean is the piece's own rather than a
 * running estimate that starts from the model's -cmninit and lags behind the speaker, which is where the CLI
 * loses words at the start of a recording ("how much there might be" → "our watch there might be"). The second
 * pass keeps every frame (-remove_silence no): its voice activity detection would drop the pauses inside a piece
 * and every word time after them would come early.
 *
 * Measured over the recordings in ../shared/fixtures/audio that have reference transcripts (9 files, 87 words,
 * WER pooled), where the plain `pocketsphinx_continuous -infile F` gives 0.437: the agent before, one pass with
 * live CMN and -topn 2 -maxhmmpf 3000, 0.471. Whole-file decodes with batch CMN: 0.230 with the CLI's defaults
 * but librivox-0880 worse than the plain CLI; with -remove_noise no (spectral noise subtraction hurt these clean
 * recordings more than it helped) no file worse, and -topn 2 -maxhmmpf 5000 about halved the time for the same
 * words. Each utterance decoded alone lost words again on jfk.wav (too little speech for its own mean); pieces
 * of neighbours up to 1.5 s apart did not. pocketsphinx-engine.test.ts computes the plain CLI's WER beside the
 * agent's on every file. A different set of recordings could rank the settings differently; that test is what
 * holds the choice.
 */
export const pocketsphinxFirstPassArgs: readonly string[] = ['-topn', '2', '-maxhmmpf', '3000'];
export const pocketsphinxSecondPassArgs: readonly string[] = ['-cmn', 'batch', '-remove_noise', 'no', '-remove_silence', 'no', '-topn', '2', '-maxhmmpf', '5000'];

/** Model and first-pass search options, the same for the in-process decoder and pocketsphinx_continuous. */
export function pocketsphinxDecoderArgs(install: PocketsphinxInstall): string[] {
  return [...pocketsphinxModelArgs(install), ...pocketsphinxFirstPassArgs];
}

/** Model and second-pass options, the same for the in-process decoder and pocketsphinx_batch. */
export function pocketsphinxUtteranceDecoderArgs(install: PocketsphinxInstall): string[] {
  return [...pocketsphinxModelArgs(install), ...pocketsphinxSecondPassArgs];
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

/** Parses `pocketsphinx_batch -ctm` output ("uttid channel start duration word confidence") into words per utterance id. */
export function parseCtm(text: string): Map<string, PocketsphinxWord[]> {
  const byUtterance = new Map<string, PocketsphinxWord[]>();
  for (const line of text.split('\n')) {
    const m = /^(\S+) \S+ (\d+\.\d+) (\d+\.\d+) (\S+) (-?\d+(?:\.\d+)?)$/.exec(line.trim());
    if (!m) continue;
    const word = m[4].replace(/\(\d+\)$/, '');
    if (isFiller(word)) continue;
    const start = Number(m[2]);
    const words = byUtterance.get(m[1]) ?? [];
    words.push({ word, start, end: start + Number(m[3]), confidence: Math.min(1, Math.max(0, Number(m[5]))) });
    byUtterance.set(m[1], words);
  }
  return byUtterance;
}

/**
 * pocketsphinx_batch over 16-bit 16 kHz WAV files (a canonical 44-byte header each), each decoded as one whole
 * utterance with the second-pass options; the words of each file, times from that file's start.
 */
export async function runPocketsphinxBatch(install: PocketsphinxInstall, dir: string, names: string[], limits: Partial<RunLimits> = {}): Promise<PocketsphinxWord[][]> {
  const ctl = path.join(dir, 'utterances.ctl');
  const ctm = path.join(dir, 'words.ctm');
  await writeFile(ctl, names.map((n) => `${n.replace(/\.wav$/, '')}\n`).join(''));
  const args = ['-adcin', 'yes', '-adchdr', '44', '-cepdir', dir, '-cepext', '.wav', '-ctl', ctl, '-ctm', ctm, ...pocketsphinxUtteranceDecoderArgs(install), '-logfn', '/dev/null'];
  const run = await runMediaTool(install.batchBinary, args, { maxMemoryBytes: 2 * 1024 ** 3, ...limits });
  if (run.exitCode !== 0) {
    throw new AgentError('INTERNAL', `pocketsphinx_batch exited with ${run.exitCode}: ${run.stderr.split('\n').find((l) => l.trim()) ?? ''}`);
  }
  const words = parseCtm(await readFile(ctm, 'utf8'));
  return names.map((n) => words.get(n.replace(/\.wav$/, '')) ?? []);
}
