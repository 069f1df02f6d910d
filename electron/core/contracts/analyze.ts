// Contract of the Analyze feature: submit local files to an agent (the built-in "This computer" agent by
// default), follow each file through upload → queued → running → done, fetch the result document, cancel.
// Live updates arrive on the 'analyze' event channel as AnalysisSubmission objects.
import { z } from 'zod';
import { AnalysisName, ResultDocument } from '#agent/contracts/result-document.js';
import { ErrorEnvelope, defineEvent, defineInvoke } from './define.js';

export const SubmissionStage = z.enum(['upload', 'queued', 'running', 'done', 'failed', 'canceled']);
export type SubmissionStage = z.infer<typeof SubmissionStage>;

export const AnalysisSubmission = z.object({
  submissionId: z.string(),
  fileName: z.string(),
  bytes: z.number().int().nonnegative(),
  analyses: z.array(AnalysisName).nullable(),
  agentId: z.string(),
  stage: SubmissionStage,
  /** 0..1 within the current stage (upload bytes sent, or the agent's own progress while running). */
  progress: z.number().min(0).max(1),
  /** What the agent is doing now (e.g. "faces"), when it says. */
  agentStage: z.string().nullable(),
  jobId: z.string().nullable(),
  submittedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: ErrorEnvelope.nullable(),
});
export type AnalysisSubmission = z.infer<typeof AnalysisSubmission>;

export const submitAnalysis = defineInvoke('analyze:submit', {
  input: z.object({
    /** A file on the console's machine: dropped in Electron, or uploaded to the headless console first. */
    path: z.string().min(1).max(4096),
    fileName: z.string().min(1).max(255).optional(),
    analyses: z.array(AnalysisName).min(1).optional(),
    agentId: z.string().default('local'),
  }),
  output: AnalysisSubmission,
});

export const analysisStatus = defineInvoke('analyze:status', {
  input: z.object({ submissionId: z.string() }),
  output: AnalysisSubmission,
});

export const analysisResult = defineInvoke('analyze:result', {
  input: z.object({ submissionId: z.string() }),
  output: ResultDocument,
});

/** Thumbnails are ~320 px JPEGs of a few tens of kB; anything near this is not one and is refused. */
export const KEYFRAME_MAX_BYTES = 2 * 1024 * 1024;

/**
 * The thumbnail of keyframe `index` (the index in the result's `timeline`) of a finished video submission, as
 * the agent that ran it serves it. Findings in that timeline entry are in the keyframe's pixels, which are the
 * video's own pixels scaled to fit 1280 px; the thumbnail is the same frame, smaller.
 */
export const analysisKeyframe = defineInvoke('analyze:keyframe', {
  input: z.object({ submissionId: z.string(), index: z.number().int().min(0).max(100_000) }),
  output: z.object({
    index: z.number().int(),
    /** Seconds from the start of the video. */
    t: z.number(),
    mime: z.literal('image/jpeg'),
    dataBase64: z.string().max(Math.ceil(KEYFRAME_MAX_BYTES / 3) * 4),
  }),
  readOnly: true,
});

/** Previews are JPEGs scaled to fit this many pixels on either side: enough to draw findings on a screen. */
export const PREVIEW_MAX_SIDE = 1280;

/**
 * A picture of a finished image submission, from the console's own copy of the file, for showing its result
 * where the dropped file is not at hand (a reload, a link from Jobs). Findings stay in the image's own pixels:
 * `width`/`height` are the preview's, and the result document gives the original's.
 */
export const analysisPreview = defineInvoke('analyze:preview', {
  input: z.object({ submissionId: z.string() }),
  output: z.object({
    mime: z.literal('image/jpeg'),
    width: z.number().int(),
    height: z.number().int(),
    dataBase64: z.string(),
  }),
});

/**
 * Every submission of this console, newest first. Allowed read-only: support staff see stages, times and
 * errors; the files and results stay closed to them.
 */
export const listSubmissions = defineInvoke('analyze:list', {
  input: z.object({}).default({}),
  output: z.array(AnalysisSubmission),
  readOnly: true,
});

export const cancelAnalysis = defineInvoke('analyze:cancel', {
  input: z.object({ submissionId: z.string() }),
  output: z.object({ canceled: z.boolean() }),
});

/** Submit the same file again as a new submission (after a failure or cancel). */
export const retryAnalysis = defineInvoke('analyze:retry', {
  input: z.object({ submissionId: z.string() }),
  output: AnalysisSubmission,
});

export const analysisEvent = defineEvent('analyze', AnalysisSubmission);

export const analyzeContract = {
  [submitAnalysis.name]: submitAnalysis,
  [analysisStatus.name]: analysisStatus,
  [analysisResult.name]: analysisResult,
  [analysisKeyframe.name]: analysisKeyframe,
  [analysisPreview.name]: analysisPreview,
  [listSubmissions.name]: listSubmissions,
  [cancelAnalysis.name]: cancelAnalysis,
  [retryAnalysis.name]: retryAnalysis,
};
