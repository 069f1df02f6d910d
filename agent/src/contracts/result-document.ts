// The result document: what the agent returns for one file, whatever ran. The console imports this same
// schema, so a change here is a contract change: bump RESULT_DOCUMENT_VERSION when a field changes meaning.
import { z } from 'zod';

export const RESULT_DOCUMENT_VERSION = 1;

export const imageAnalysisNames = ['nsfw', 'faces', 'pose', 'ocr'] as const;
export const audioAnalysisNames = ['transcribe', 'speakers'] as const;
export const analysisNames = [...imageAnalysisNames, ...audioAnalysisNames, 'video'] as const;
export const AnalysisName = z.enum(analysisNames);
export type AnalysisName = z.infer<typeof AnalysisName>;

/** Pixel box in the decoded image's coordinates (after EXIF rotation). */
export const Box = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() });
export type Box = z.infer<typeof Box>;

export const MediaFacts = z.object({
  kind: z.enum(['image', 'video', 'audio']),
  /** Decided from the bytes, never from the file name. */
  mime: z.string(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  durationSec: z.number().optional(),
  bytes: z.number().int(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type MediaFacts = z.infer<typeof MediaFacts>;

export const NsfwVerdict = z.enum(['safe', 'suggestive', 'explicit']);
export type NsfwVerdict = z.infer<typeof NsfwVerdict>;

export const NsfwSection = z.object({
  verdict: NsfwVerdict,
  /** Class name (Drawing, Hentai, Neutral, Porn, Sexy) → probability 0..1. */
  scores: z.record(z.string(), z.number()),
  model: z.string(),
  /** Which rule decided the verdict, so a user can see why. */
  reason: z.string().optional(),
});
export type NsfwSection = z.infer<typeof NsfwSection>;

export const Point = z.object({ x: z.number(), y: z.number() });

export const Face = z.object({
  box: Box,
  score: z.number(),
  age: z.number().optional(),
  gender: z.object({ label: z.enum(['male', 'female', 'unknown']), score: z.number() }).optional(),
  emotion: z.object({ label: z.string(), score: z.number() }).optional(),
  /** Named landmarks (eyes, nose, mouth…) in pixel coordinates. */
  landmarks: z.record(z.string(), Point).optional(),
  /** Id under which the agent stored the embedding; use it for face search. */
  embeddingId: z.string().optional(),
  /** The vector itself, only when asked for (`includeEmbeddings`). */
  embedding: z.array(z.number()).optional(),
});
export type Face = z.infer<typeof Face>;

export const Keypoint = z.object({ name: z.string(), x: z.number(), y: z.number(), score: z.number() });
export const PosePerson = z.object({ box: Box, score: z.number(), keypoints: z.array(Keypoint) });
export type PosePerson = z.infer<typeof PosePerson>;

export const OcrLine = z.object({ text: z.string(), box: Box, confidence: z.number() });
export const OcrSection = z.object({
  text: z.string(),
  lines: z.array(OcrLine),
  language: z.string(),
  engine: z.string(),
});
export type OcrSection = z.infer<typeof OcrSection>;

export const TranscriptSegment = z.object({
  start: z.number(),
  end: z.number(),
  text: z.string(),
  speaker: z.string().optional(),
});
export const TranscriptWord = z.object({ start: z.number(), end: z.number(), word: z.string(), confidence: z.number().optional() });
export const TranscriptSection = z.object({
  engine: z.string(),
  model: z.string(),
  language: z.string(),
  text: z.string(),
  segments: z.array(TranscriptSegment),
  words: z.array(TranscriptWord).optional(),
});
export type TranscriptSection = z.infer<typeof TranscriptSection>;

export const SpeakerTurn = z.object({
  start: z.number(),
  end: z.number(),
  speaker: z.string(),
  embeddingId: z.string().optional(),
  /** Voice embedding of the turn: present only when the client asked for embeddings (the agent indexes it and keeps its id). */
  embedding: z.array(z.number()).optional(),
});
export const SpeakersSection = z.object({ model: z.string(), speakers: z.array(z.string()), turns: z.array(SpeakerTurn) });

export const TimelineEntry = z.object({
  t: z.number(),
  thumbnail: z.string().optional(),
  nsfw: NsfwSection.optional(),
  faces: z.array(Face).optional(),
  pose: z.array(PosePerson).optional(),
  ocr: OcrSection.optional(),
});
export const VideoSummary = z.object({
  worstVerdict: NsfwVerdict.optional(),
  worstVerdictAt: z.number().optional(),
  maxPersons: z.number().int(),
  maxPersonsAt: z.number().optional(),
  persons: z.array(z.object({ id: z.string(), firstSeen: z.number(), lastSeen: z.number(), faces: z.number().int() })),
  /** Each text read on the keyframes, once, as first seen (confident, readable size, mostly letters or digits). */
  textSeen: z.array(z.string()),
  /** The same texts with when: first and last keyframe time (seconds) and on how many keyframes. Added in 0.2. */
  textAppearances: z
    .array(z.object({ text: z.string(), firstSeen: z.number(), lastSeen: z.number(), keyframes: z.number().int() }))
    .optional(),
});

export const ErrorInfo = z.object({ code: z.string(), message: z.string() });
export type ErrorInfo = z.infer<typeof ErrorInfo>;

export const ResultDocument = z.object({
  version: z.literal(RESULT_DOCUMENT_VERSION),
  file: z.string(),
  media: MediaFacts,
  nsfw: NsfwSection.optional(),
  faces: z.array(Face).optional(),
  pose: z.array(PosePerson).optional(),
  ocr: OcrSection.optional(),
  transcript: TranscriptSection.optional(),
  speakers: SpeakersSection.optional(),
  timeline: z.array(TimelineEntry).optional(),
  summary: VideoSummary.optional(),
  /** Milliseconds: `decode` plus one entry per analysis that ran. */
  timings: z.record(z.string(), z.number()),
  agent: z.object({ id: z.string(), version: z.string() }),
  /** Model ids actually used, per analysis. */
  models: z.record(z.string(), z.string()),
  /** Analyses that were asked for but could not run (model missing…), with the reason. */
  skipped: z.array(z.object({ analysis: z.string(), code: z.string(), message: z.string() })).optional(),
  cost: z.object({ usd: z.number() }).optional(),
});
export type ResultDocument = z.infer<typeof ResultDocument>;

/** What the CLI prints for a file that failed, in that file's place. */
export const FailedFile = z.object({ file: z.string(), error: ErrorInfo });
export type FailedFile = z.infer<typeof FailedFile>;
