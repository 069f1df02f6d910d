// Entry point for audio and video files (called by analyzers/analyze-file.ts after sniffing): probe, decode the
// audio once at 16 kHz mono, voice activity, transcript, speakers, and for video the keyframe timeline.
import {
  RESULT_DOCUMENT_VERSION,
  type AnalysisName,
  type ResultDocument,
  type TranscriptSection,
} from '../../contracts/result-document.js';
import { AgentError, toErrorInfo } from '../../errors.js';
import { decodeAudioForSpeech, SPEECH_SAMPLE_RATE, type DecodedAudio } from '../../media/av/decode-audio.js';
import type { KeyframeOptions } from '../../media/av/extract-keyframes.js';
import type { RunLimits } from '../../media/av/media-tools.js';
import { probeMedia } from '../../media/av/probe-media.js';
import { sha256OfFile } from '../../media/sniff-media.js';
import { defaultModelManager, type ModelManager } from '../../models/model-manager.js';
import { assignSpeakers, diarizeSpeakers } from '../speakers/diarize-speakers.js';
import { chooseAsrEngine } from '../transcribe/choose-asr-engine.js';
import { detectSpeech, resolveVadModel, VAD_MODEL_ID } from '../vad/detect-speech.js';
import { analyzeVideo } from '../video/analyze-video.js';
import type { KeyframeAnalysisName, KeyframeAnalyzers } from '../video/keyframe-analyzers.js';
import { analysisSettings } from '../../config.js';

export interface AnalyzeAudioVideoOptions {
  analyses?: AnalysisName[];
  /** 'pocketsphinx', 'whisper.cpp' or an ASR model id; default: the best installed engine. */
  asrEngine?: string;
  signal?: AbortSignal;
  onProgress?: (e: { stage: string; progress: number }) => void;
  agent: { id: string; version: string };
  /** Longer media is refused with DURATION_LIMIT (env MEDIAFLEET_MAX_DURATION_SEC, default 4 h). */
  maxDurationSec?: number;
  /** Video: where keyframe thumbnails are written (the API serves them); none when absent. */
  thumbnailsDir?: string;
  keyframes?: Partial<KeyframeOptions>;
  includeEmbeddings?: boolean;
  ocrLang?: string;
  /** Injected in tests and by callers that run image models elsewhere (a worker pool). */
  keyframeAnalyzers?: KeyframeAnalyzers;
  modelManager?: ModelManager;
  limits?: Partial<RunLimits>;
}

const keyframeAnalysisNames: KeyframeAnalysisName[] = ['nsfw', 'faces', 'pose', 'ocr'];



/** What runs when the caller names no analyses: the transcript for audio; for video also the keyframe plan. */
function planFor(kind: 'audio' | 'video', requested: AnalysisName[] | undefined): { audio: ('transcribe' | 'speakers')[]; frames: KeyframeAnalysisName[] } {
  if (!requested || requested.length === 0) {
    return kind === 'audio' ? { audio: ['transcribe'], frames: [] } : { audio: ['transcribe'], frames: [...keyframeAnalysisNames] };
  }
  const audio = requested.filter((a): a is 'transcribe' | 'speakers' => a === 'transcribe' || a === 'speakers');
  let frames = requested.filter((a): a is KeyframeAnalysisName => (keyframeAnalysisNames as string[]).includes(a));
  if (kind === 'audio') {
    const visual = requested.filter((a) => a === 'video' || (keyframeAnalysisNames as string[]).includes(a));
    if (visual.length > 0) throw new AgentError('BAD_REQUEST', `analysis ${visual.join(', ')} does not apply to audio`);
  } else if (requested.includes('video') && frames.length === 0) {
    frames = [...keyframeAnalysisNames];
  }
  return { audio, frames };
}

function emptyTranscript(engine: string, model: string): TranscriptSection {
  return { engine, model, language: 'en', text: '', segments: [] };
}

export async function analyzeAudioVideo(
  filePath: string,
  sniffed: { mime: string; kind: 'audio' | 'video' | 'image' },
  opts: AnalyzeAudioVideoOptions,
): Promise<ResultDocument> {
  if (sniffed.kind === 'image') throw new AgentError('BAD_REQUEST', 'analyzeAudioVideo is for audio and video');
  const { signal } = opts;
  const progress = (stage: string, p: number) => opts.onProgress?.({ stage, progress: Math.max(0, Math.min(1, p)) });
  const checkCanceled = () => {
    if (signal?.aborted) throw new AgentError('CANCELED');
  };
  const manager = opts.modelManager ?? defaultModelManager();
  const maxDurationSec = opts.maxDurationSec ?? analysisSettings().maxDurationSec;
  const timings: Record<string, number> = {};
  const models: Record<string, string> = {};
  const skipped: NonNullable<ResultDocument['skipped']> = [];

  progress('probe', 0);
  const t0 = performance.now();
  const [probe, sha256] = await Promise.all([probeMedia(filePath, sniffed.mime, { ...opts.limits, signal }), sha256OfFile(filePath)]);
  if (probe.durationSec !== undefined && probe.durationSec > maxDurationSec) {
    throw new AgentError('DURATION_LIMIT', `the media lasts ${probe.durationSec.toFixed(1)} s; the limit is ${maxDurationSec} s`, { durationSec: probe.durationSec, maxDurationSec });
  }
  // A video container holding only sound (an .mp4 of a podcast) is analysed as audio.
  const kind: 'audio' | 'video' = sniffed.kind === 'video' && probe.video ? 'video' : 'audio';
  if (kind === 'audio' && !probe.audio) throw new AgentError('CORRUPT_MEDIA', 'the file holds no audio or video stream');
  const plan = planFor(kind, opts.analyses);
  checkCanceled();

  const doc: ResultDocument = {
    version: RESULT_DOCUMENT_VERSION,
    file: filePath,
    media: {
      kind,
      mime: sniffed.mime,
      bytes: probe.bytes,
      sha256,
      durationSec: probe.durationSec,
      ...(kind === 'video' && probe.video ? { width: probe.video.width, height: probe.video.height } : {}),
    },
    timings,
    agent: opts.agent,
    models,
  };

  // Audio first: a decode failure (truncated, lying container) should fail fast, before frame work.
  let audio: DecodedAudio | undefined;
  if (plan.audio.length > 0 && probe.audio) {
    progress('audio', 0);
    audio = await decodeAudioForSpeech(filePath, probe.demuxer, { ...opts.limits, signal, maxDurationSec });
  }
  timings.decode = performance.now() - t0;
  checkCanceled();

  if (plan.audio.includes('transcribe')) {
    const started = performance.now();
    const engine = await chooseAsrEngine(opts.asrEngine, manager);
    const availability = await engine.availability();
    const modelName = availability.available ? availability.model : 'unknown';
    models.transcribe = `${engine.id}/${modelName}`;
    if (!audio || audio.samples.length === 0) {
      // No audio track or zero samples: a correct, empty transcript.
      doc.transcript = emptyTranscript(engine.id, modelName);
    } else {
      let hasSpeech = true;
      let speech: { start: number; end: number }[] | undefined;
      try {
        await resolveVadModel({ manager });
        speech = await detectSpeech(audio.samples, { manager, signal });
        models.vad = VAD_MODEL_ID;
        hasSpeech = speech.length > 0;
        timings.vad = performance.now() - started;
      } catch (err) {
        // Without the VAD model every file goes to the engine; the gate only saves work.
        if (!(err instanceof AgentError && err.code === 'MODEL_MISSING')) throw err;
      }
      doc.transcript = hasSpeech
        ? await engine.transcribe(audio, { signal, speech, onProgress: (p) => progress('transcribe', p) })
        : emptyTranscript(engine.id, modelName);
    }
    timings.transcribe = performance.now() - started;
    progress('transcribe', 1);
  }
  checkCanceled();

  if (plan.audio.includes('speakers')) {
    const started = performance.now();
    try {
      const result = audio
        ? await diarizeSpeakers(audio, { manager, signal, withEmbeddings: true })
        : { model: 'none', speakers: [], turns: [] };
      doc.speakers = result;
      models.speakers = result.model;
      if (doc.transcript) doc.transcript = assignSpeakers(doc.transcript, result.turns);
    } catch (err) {
      if (!(err instanceof AgentError && err.code === 'MODEL_MISSING')) throw err;
      skipped.push({ analysis: 'speakers', ...toErrorInfo(err) });
    }
    timings.speakers = performance.now() - started;
  }
  checkCanceled();

  if (kind === 'video' && plan.frames.length > 0) {
    const video = await analyzeVideo(filePath, probe.demuxer, {
      analyses: plan.frames,
      keyframes: { maxDurationSec, ...opts.keyframes },
      thumbnailsDir: opts.thumbnailsDir,
      includeEmbeddings: opts.includeEmbeddings,
      ocrLang: opts.ocrLang,
      analyzers: opts.keyframeAnalyzers,
      limits: opts.limits,
      signal,
      durationSec: probe.durationSec,
      onProgress: (e) => progress(e.stage, e.progress),
    });
    doc.timeline = video.timeline;
    doc.summary = video.summary;
    Object.assign(models, video.models);
    timings.frames = video.timings.frames;
    for (const name of plan.frames) timings[name] = video.timings[name] ?? 0;
  }
  if (skipped.length > 0) doc.skipped = skipped;
  progress('done', 1);
  return doc;
}

/** Seconds of audio in a decoded buffer (exported for the benchmark). */
export function audioSeconds(audio: DecodedAudio): number {
  return audio.samples.length / SPEECH_SAMPLE_RATE;
}
