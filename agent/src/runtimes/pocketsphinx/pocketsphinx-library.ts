// The PocketSphinx 5prealpha C library (Debian libpocketsphinx3 + libsphinxbase3) called through koffi, so the
// acoustic model, dictionary and language model load once per worker (about 0.7 s, most of a short clip's cost
// with the CLI) and every file after that pays only for decoding. Only the runtime .so files are needed.
import koffi from 'koffi';
import { AgentError } from '../../errors.js';
import { isFiller, type PocketsphinxUtterance, type PocketsphinxWord } from './pocketsphinx-cli.js';
import { analysisSettings } from '../../config.js';
import type { PocketsphinxSettings } from './pocketsphinx-cli.js';

type Pointer = unknown;

/** The C functions used, typed as koffi returns them. */
interface PocketsphinxApi {
  psArgs(): Pointer;
  cmdLnParse(inout: Pointer, defn: Pointer, argc: number, argv: string[], strict: number): Pointer;
  cmdLnFree(config: Pointer): number;
  cmdLnInt(config: Pointer, name: string): number;
  defaultSearchArgs(config: Pointer): void;
  init(config: Pointer): Pointer;
  free(ps: Pointer): number;
  startStream(ps: Pointer): number;
  startUtt(ps: Pointer): number;
  processRaw(ps: Pointer, data: Int16Array, nSamples: number, noSearch: number, fullUtt: number): number;
  endUtt(ps: Pointer): number;
  getInSpeech(ps: Pointer): number;
  getHyp(ps: Pointer, outScore: null): string | null;
  segIter(ps: Pointer): Pointer;
  segNext(seg: Pointer): Pointer;
  segWord(seg: Pointer): string;
  segFrames(seg: Pointer, sf: number[], ef: number[]): void;
  segProb(seg: Pointer, a: null, l: null, b: null): number;
  getLogmath(ps: Pointer): Pointer;
  logmathExp(lmath: Pointer, logbP: number): number;
  getFeat(ps: Pointer): Pointer;
}

const loaded = new Map<string, PocketsphinxApi | Error>();

/**
 * Loads libpocketsphinx.so.3 (or MEDIAFLEET_POCKETSPHINX_LIB / MEDIAFLEET_SPHINXBASE_LIB) once per thread; an
 * Error says why it cannot be used, and then the CLI is the fallback.
 */
export function loadPocketsphinxLibrary(settings: PocketsphinxSettings = analysisSettings()): PocketsphinxApi | Error {
  const paths = [settings.sphinxbaseLib || 'libsphinxbase.so.3', settings.pocketsphinxLib || 'libpocketsphinx.so.3'] as const;
  const key = paths.join('\0');
  let api = loaded.get(key);
  if (!api) {
    api = bindLibrary(...paths);
    loaded.set(key, api);
  }
  return api;
}

// Decoder and segment handles are opaque to this side, so they are plain `void *`: named koffi types are global
// to the addon and would clash if this module were ever loaded twice in one thread.
function bindLibrary(sphinxbasePath: string, pocketsphinxPath: string): PocketsphinxApi | Error {
  try {
    const sb = koffi.load(sphinxbasePath);
    const ps = koffi.load(pocketsphinxPath);
    // sphinxbase logs through one process-wide FILE*, and `-logfn` swaps it with fclose on the old one, which
    // would race a decoder logging in another worker thread. Logging is switched off once instead (as
    // pocketsphinx_continuous does after ps_init); decoders are opened without -logfn.
    sb.func('void err_set_logfp(void *stream)')(null);
    return {
      psArgs: ps.func('void *ps_args(void)'),
      cmdLnParse: sb.func('void *cmd_ln_parse_r(void *inout, void *defn, int32_t argc, const char **argv, int32_t strict)'),
      cmdLnFree: sb.func('int cmd_ln_free_r(void *config)'),
      cmdLnInt: sb.func('long cmd_ln_int_r(void *config, const char *name)'),
      defaultSearchArgs: ps.func('void ps_default_search_args(void *config)'),
      init: ps.func('void *ps_init(void *config)'),
      free: ps.func('int ps_free(void *ps)'),
      startStream: ps.func('int ps_start_stream(void *ps)'),
      startUtt: ps.func('int ps_start_utt(void *ps)'),
      processRaw: ps.func('int ps_process_raw(void *ps, const int16_t *data, size_t n_samples, int no_search, int full_utt)'),
      endUtt: ps.func('int ps_end_utt(void *ps)'),
      getInSpeech: ps.func('uint8_t ps_get_in_speech(void *ps)'),
      getHyp: ps.func('const char *ps_get_hyp(void *ps, int32_t *out_best_score)'),
      segIter: ps.func('void *ps_seg_iter(void *ps)'),
      segNext: ps.func('void *ps_seg_next(void *seg)'),
      segWord: ps.func('const char *ps_seg_word(void *seg)'),
      segFrames: ps.func('void ps_seg_frames(void *seg, _Out_ int *out_sf, _Out_ int *out_ef)'),
      segProb: ps.func('int32_t ps_seg_prob(void *seg, int32_t *ascr, int32_t *lscr, int32_t *lback)'),
      getLogmath: ps.func('void *ps_get_logmath(void *ps)'),
      logmathExp: sb.func('double logmath_exp(void *lmath, int logb_p)'),
      getFeat: ps.func('void *ps_get_feat(void *ps)'),
    };
  } catch (err) {
    return new Error(`cannot load ${pocketsphinxPath} through koffi: ${(err as Error).message}`);
  }
}

/** One decoded utterance as pocketsphinx_continuous prints it: the hypothesis and every segment with frames. */
export interface RawUtterance {
  hyp: string;
  segments: { word: string; startFrame: number; endFrame: number; posterior: number }[];
}

/**
 * Live cepstral mean normalisation is the one piece of decoder state that outlives a stream: its running mean
 * moves after every utterance. A fresh CLI process starts each file from the model's -cmninit values, so the
 * decoder snapshots the CMN struct (sphinxbase cmn_t: mean, var, sum pointers, nframe, veclen) right after
 * ps_init and writes it back before each file. Offsets are those of sphinxbase 5prealpha's feat_t/cmn_t on
 * 64-bit Linux (feat_t.cmn_struct at 88; checked by the identity test against the CLI).
 */
class CmnSnapshot {
  private readonly arrays: { view: Uint8Array; saved: Uint8Array }[];
  private readonly header: { view: Uint8Array; saved: Uint8Array };

  constructor(feat: Pointer) {
    const featBytes = new DataView(koffi.view(feat, 96));
    const cmnAddress = featBytes.getBigUint64(88, true);
    if (cmnAddress === 0n) throw new Error('the decoder has no CMN structure');
    const cmn = koffi.decode(feat, 88, 'void *') as Pointer;
    const cmnBytes = new DataView(koffi.view(cmn, 32));
    const veclen = cmnBytes.getInt32(28, true);
    if (veclen <= 0 || veclen > 64) throw new Error(`unexpected CMN vector length ${veclen} (not the sphinxbase 5prealpha layout)`);
    this.arrays = [0, 8, 16].flatMap((offset) => {
      if (cmnBytes.getBigUint64(offset, true) === 0n) return [];
      const view = new Uint8Array(koffi.view(koffi.decode(cmn, offset, 'void *') as Pointer, veclen * 4));
      return [{ view, saved: view.slice() }];
    });
    const header = new Uint8Array(koffi.view(cmn, 32)).subarray(24, 28);
    this.header = { view: header, saved: header.slice() };
  }

  restore(): void {
    for (const a of [...this.arrays, this.header]) a.view.set(a.saved);
  }
}

/** Samples per ps_process_raw call and speech-state check: pocketsphinx_continuous reads the file 2048 at a time. */
const CHUNK_SAMPLES = 2048;

/**
 * The decoder runs on the calling thread (a job worker in the agent) and yields to the event loop this often so
 * progress, cancellation and other work get through. Synchronous calls, not koffi's async ones: with a thread
 * hop per 2048-sample chunk (each waiting for a scheduler slot) bench:media measured 1.6× real time on the shared
 * 2-core host, against 5.1× with synchronous calls at the same load.
 */
const YIELD_EVERY_MS = 50;

/**
 * A loaded decoder. `decode` replays exactly what pocketsphinx_continuous does for one file: one stream, an
 * utterance ended at every speech → silence transition seen after a 2048-sample read, the hypothesis and the
 * word segments of each, so the result is the CLI's, without reloading the models.
 */
export class PocketsphinxDecoder {
  private busy: Promise<unknown> = Promise.resolve();
  private readonly frameRate: number;
  private readonly cmn: CmnSnapshot;
  private closed = false;

  private constructor(
    private readonly api: PocketsphinxApi,
    private readonly ps: Pointer,
    private readonly config: Pointer,
  ) {
    this.frameRate = Number(api.cmdLnInt(config, '-frate'));
    this.cmn = new CmnSnapshot(api.getFeat(ps));
  }

  /**
   * `args` are pocketsphinx command-line options (`-hmm dir`, `-beam 1e-40`, …); unset ones keep their defaults.
   * Not `-logfn`: see bindLibrary.
   */
  static open(args: string[], settings: PocketsphinxSettings = analysisSettings()): PocketsphinxDecoder {
    const api = loadPocketsphinxLibrary(settings);
    if (api instanceof Error) throw new AgentError('MODEL_MISSING', api.message);
    if (args.includes('-logfn')) throw new AgentError('BAD_REQUEST', 'pocketsphinx -logfn is not allowed in-process (logging is off)');
    const config = api.cmdLnParse(null, api.psArgs(), args.length + 1, ['mediafleet', ...args], 1);
    if (!config) throw new AgentError('BAD_REQUEST', `pocketsphinx rejected its options: ${args.join(' ')}`);
    api.defaultSearchArgs(config);
    const ps = api.init(config);
    if (!ps) {
      api.cmdLnFree(config);
      throw new AgentError('MODEL_MISSING', 'pocketsphinx could not load its acoustic model, dictionary or language model');
    }
    try {
      return new PocketsphinxDecoder(api, ps, config);
    } catch (err) {
      api.free(ps);
      api.cmdLnFree(config);
      throw new AgentError('INTERNAL', `pocketsphinx library layout not recognised: ${(err as Error).message}`);
    }
  }

  /** Decodes 16 kHz mono 16-bit samples; calls on one decoder run one after another. */
  decode(pcm: Int16Array, opts: { signal?: AbortSignal; onProgress?: (p: number) => void } = {}): Promise<RawUtterance[]> {
    const run = this.busy.then(() => this.decodeNow(pcm, opts));
    this.busy = run.catch(() => undefined);
    return run;
  }

  private async decodeNow(pcm: Int16Array, { signal, onProgress }: { signal?: AbortSignal; onProgress?: (p: number) => void }): Promise<RawUtterance[]> {
    if (this.closed) throw new AgentError('INTERNAL', 'the pocketsphinx decoder was closed');
    const { api, ps } = this;
    this.cmn.restore();
    api.startStream(ps);
    const utterances: RawUtterance[] = [];
    api.startUtt(ps);
    let uttStarted = false;
    let sliceStart = performance.now();
    try {
      for (let offset = 0; offset < pcm.length; offset += CHUNK_SAMPLES) {
        if (performance.now() - sliceStart > YIELD_EVERY_MS) {
          onProgress?.(offset / pcm.length);
          await new Promise((resolve) => setImmediate(resolve));
          sliceStart = performance.now();
        }
        if (signal?.aborted) throw new AgentError('CANCELED', 'transcription canceled');
        const chunk = pcm.subarray(offset, offset + CHUNK_SAMPLES);
        api.processRaw(ps, chunk, chunk.length, 0, 0);
        const inSpeech = api.getInSpeech(ps) !== 0;
        if (inSpeech && !uttStarted) uttStarted = true;
        if (!inSpeech && uttStarted) {
          api.endUtt(ps);
          const hyp = api.getHyp(ps, null);
          // The CLI prints the word times even when there is no hypothesis line.
          utterances.push({ hyp: hyp ?? '', segments: this.segments() });
          api.startUtt(ps);
          uttStarted = false;
        }
      }
    } finally {
      api.endUtt(ps);
    }
    if (uttStarted) {
      const hyp = api.getHyp(ps, null);
      if (hyp !== null) utterances.push({ hyp, segments: this.segments() });
    }
    return utterances;
  }

  /**
   * Decodes `pcm` as one whole utterance (ps_process_raw with full_utt, as pocketsphinx_batch does), so batch
   * CMN and the search see all of it at once; frames in the result count from its first sample. Blocks its
   * thread for the utterance's decoding time: callers keep utterances short (the engine's are tens of seconds).
   */
  decodeUtterance(pcm: Int16Array): Promise<RawUtterance> {
    const run = this.busy.then(() => {
      if (this.closed) throw new AgentError('INTERNAL', 'the pocketsphinx decoder was closed');
      const { api, ps } = this;
      // Batch CMN is computed per utterance, but the live estimate it falls back on is state too: start each
      // utterance from the same place, so a result never depends on what this decoder heard before.
      this.cmn.restore();
      api.startStream(ps);
      api.startUtt(ps);
      try {
        api.processRaw(ps, pcm, pcm.length, 0, 1);
      } finally {
        api.endUtt(ps);
      }
      return { hyp: api.getHyp(ps, null) ?? '', segments: this.segments() };
    });
    this.busy = run.catch(() => undefined);
    return run;
  }

  private segments(): RawUtterance['segments'] {
    const { api, ps } = this;
    const lmath = api.getLogmath(ps);
    const out: RawUtterance['segments'] = [];
    for (let seg = api.segIter(ps); seg; seg = api.segNext(seg)) {
      const sf = [0];
      const ef = [0];
      api.segFrames(seg, sf, ef);
      out.push({ word: api.segWord(seg), startFrame: sf[0], endFrame: ef[0], posterior: api.logmathExp(lmath, api.segProb(seg, null, null, null)) });
    }
    return out;
  }

  get framesPerSecond(): number {
    return this.frameRate;
  }

  /** Frees the models once the decoder is idle. */
  async close(): Promise<void> {
    await this.busy;
    if (this.closed) return;
    this.closed = true;
    this.api.free(this.ps);
    this.api.cmdLnFree(this.config);
  }
}

/**
 * The decoder's utterances as `parsePocketsphinxOutput` reads them from the CLI: times are the CLI's
 * `(float)frame / frate` printed with %.3f, confidences its float posterior printed with %f.
 */
export function toPocketsphinxUtterances(raw: RawUtterance[], framesPerSecond: number): PocketsphinxUtterance[] {
  const seconds = (frame: number) => Number(Math.fround(frame / framesPerSecond).toFixed(3));
  return raw
    .map((u) => ({
      text: u.hyp.trim(),
      words: u.segments
        .map((s) => ({ ...s, word: s.word.replace(/\(\d+\)$/, '') }))
        .filter((s) => !isFiller(s.word))
        .map((s) => ({
          word: s.word,
          start: seconds(s.startFrame),
          end: seconds(s.endFrame),
          confidence: Math.min(1, Math.max(0, Number(Math.fround(s.posterior).toFixed(6)))),
        })),
    }))
    .filter((u) => u.words.length > 0 || u.text.length > 0);
}

/**
 * The words of one whole-utterance decode as pocketsphinx_batch writes them in CTM: start and duration in
 * seconds to two decimals (frames are 10 ms), end = start + duration, confidence the posterior to three
 * decimals; times from the utterance's first sample.
 */
export function toUtteranceWords(raw: RawUtterance, framesPerSecond: number): PocketsphinxWord[] {
  return raw.segments
    .map((s) => ({ ...s, word: s.word.replace(/\(\d+\)$/, '') }))
    .filter((s) => !isFiller(s.word))
    .map((s) => {
      const start = Number((s.startFrame / framesPerSecond).toFixed(2));
      return {
        word: s.word,
        start,
        end: start + Number(((s.endFrame - s.startFrame) / framesPerSecond).toFixed(2)),
        confidence: Math.min(1, Math.max(0, Number(s.posterior.toFixed(3)))),
      };
    });
}
