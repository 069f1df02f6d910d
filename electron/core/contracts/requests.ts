// Contract of analysis requests: every file an operator submits (a drop, a folder, the command line) is a
// request in the console's store before anything is sent, grouped in a batch; the dispatcher sends each to the
// agent with the earliest expected finish (or the one the batch is pinned to), follows it, falls back to the
// next agent when one fails, and keeps the result. Live changes arrive on the 'request' and 'batch' channels.
import { z } from 'zod';
import { AnalysisName, ResultDocument } from '#agent/contracts/result-document.js';
import { defineEvent, defineInvoke, ErrorEnvelope } from './define.js';

export const RequestState = z.enum(['pending', 'uploading', 'queued', 'running', 'done', 'failed', 'canceled']);
export type RequestState = z.infer<typeof RequestState>;
export const terminalRequestStates: readonly RequestState[] = ['done', 'failed', 'canceled'];

export const MediaKind = z.enum(['image', 'video', 'audio', 'unknown']);
export type MediaKind = z.infer<typeof MediaKind>;

/** Where a batch runs: the fleet chooses per file, or every file goes to one agent. */
export const DispatchTarget = z.discriminatedUnion('kind', [z.object({ kind: z.literal('fleet') }), z.object({ kind: z.literal('agent'), agentId: z.string().min(1).max(100) })]);
export type DispatchTarget = z.infer<typeof DispatchTarget>;

/** Options sent to the agent with the file (they are part of the idempotency key). */
export const RequestOptions = z.object({
  ocrLang: z.string().regex(/^[a-z]{2,3}([_+-][a-zA-Z]{2,8})*$/).optional(),
  asrEngine: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/).optional(),
});
export type RequestOptions = z.infer<typeof RequestOptions>;

export const ClientLabel = z.string().trim().min(1).max(100);

/** One try of a request on one agent. */
export const RequestAttempt = z.object({
  agentId: z.string(),
  agentName: z.string(),
  agentJobId: z.string().nullable(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  /** done, failed (the file's own reason or the agent's), abandoned (sent elsewhere), refused (429, not counted). */
  outcome: z.enum(['running', 'done', 'failed', 'abandoned', 'refused']),
  error: ErrorEnvelope.nullable(),
});
export type RequestAttempt = z.infer<typeof RequestAttempt>;

export const AnalysisRequest = z.object({
  requestId: z.string(),
  batchId: z.string(),
  fileName: z.string(),
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().nullable(),
  mediaKind: MediaKind,
  analyses: z.array(AnalysisName).nullable(),
  clientLabel: z.string().nullable(),
  state: RequestState,
  /** 0..1 within the current state (upload bytes sent, or the agent's own progress while running); never goes back within a state. */
  progress: z.number().min(0).max(1),
  /** What the agent is doing now (e.g. "faces"), when it says. */
  agentStage: z.string().nullable(),
  /** The agent it is on (or last ran on), with its name. */
  agentId: z.string().nullable(),
  agentName: z.string().nullable(),
  /** The job's id on that agent (face search results name it), once the agent accepted the file. */
  agentJobId: z.string().nullable(),
  /** Why that agent: "earliest finish: vps-2, about 12 s", or "pinned to vps-2". */
  decision: z.string().nullable(),
  attempts: z.number().int().nonnegative(),
  submittedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: ErrorEnvelope.nullable(),
});
export type AnalysisRequest = z.infer<typeof AnalysisRequest>;

export const BatchState = z.enum(['running', 'paused', 'canceled', 'done']);
export const BatchSummary = z.object({
  batchId: z.string(),
  label: z.string(),
  clientLabel: z.string().nullable(),
  target: DispatchTarget,
  state: BatchState,
  total: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  canceled: z.number().int(),
  remaining: z.number().int(),
  /** Files that were never requests: unreadable or not media, with the reason. */
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  /** Files finished per hour over the last minutes of the batch; null before two have finished. */
  filesPerHour: z.number().nullable(),
  /** When the remaining files are expected to be done at that rate; null when unknown. */
  expectedEndAt: z.string().nullable(),
});
export type BatchSummary = z.infer<typeof BatchSummary>;

export const submitRequests = defineInvoke('requests:submit', {
  input: z.object({
    /** Files and folders on the console's machine (folders are walked recursively). */
    paths: z.array(z.string().min(1).max(4096)).min(1).max(100_000),
    analyses: z.array(AnalysisName).min(1).optional(),
    options: RequestOptions.default({}),
    target: DispatchTarget.default({ kind: 'fleet' }),
    /** The agency's client these files are for (spend and results can be read per client). */
    clientLabel: ClientLabel.optional(),
    /** A name for the batch; default: the first path and the number of files. */
    label: z.string().trim().min(1).max(200).optional(),
    /** Written but not started: it waits until `batches:resume`. */
    paused: z.boolean().default(false),
  }),
  output: z.object({ batch: BatchSummary, requests: z.array(AnalysisRequest).max(1000) }),
});

export const listRequests = defineInvoke('requests:list', {
  input: z
    .object({
      batchId: z.string().optional(),
      state: RequestState.optional(),
      clientLabel: z.string().optional(),
      /** Requests submitted before this one (its submittedAt order), for paging back in time. */
      before: z.string().optional(),
      limit: z.number().int().min(1).max(10_000).default(500),
    })
    .default({ limit: 500 }),
  output: z.array(AnalysisRequest),
  readOnly: true,
});

export const requestDetail = defineInvoke('requests:get', {
  input: z.object({ requestId: z.string() }),
  output: AnalysisRequest.extend({ attempts: z.number().int(), history: z.array(RequestAttempt) }),
  readOnly: true,
});

export const requestResult = defineInvoke('requests:result', {
  input: z.object({ requestId: z.string() }),
  output: ResultDocument,
  readOnly: true,
});

/** Thumbnails are ~320 px JPEGs of a few tens of kB; anything near this is not one and is refused. */
export const KEYFRAME_MAX_BYTES = 2 * 1024 * 1024;

/** A keyframe thumbnail of a finished video request: fetched from the agent that ran it the first time, then cached. */
export const requestKeyframe = defineInvoke('requests:keyframe', {
  input: z.object({ requestId: z.string(), index: z.number().int().min(0).max(100_000) }),
  output: z.object({ index: z.number().int(), t: z.number(), mime: z.literal('image/jpeg'), dataBase64: z.string().max(Math.ceil(KEYFRAME_MAX_BYTES / 3) * 4) }),
  readOnly: true,
});

/** Previews are JPEGs scaled to fit this many pixels on either side: enough to draw findings on a screen. */
export const PREVIEW_MAX_SIDE = 1280;

/**
 * A picture of a finished image request, from the console's copy of the file, for showing its result where the
 * dropped file is not at hand (a reload, a link from Jobs). Findings stay in the image's own pixels: `width` and
 * `height` are the preview's, and the result document gives the original's.
 */
export const requestPreview = defineInvoke('requests:preview', {
  input: z.object({ requestId: z.string() }),
  output: z.object({ mime: z.literal('image/jpeg'), width: z.number().int(), height: z.number().int(), dataBase64: z.string() }),
});

export const cancelRequest = defineInvoke('requests:cancel', {
  input: z.object({ requestId: z.string() }),
  output: z.object({ canceled: z.boolean() }),
});

/** Send a failed or canceled request's file again, as a new request in a new batch. */
export const retryRequest = defineInvoke('requests:retry', {
  input: z.object({ requestId: z.string() }),
  output: AnalysisRequest,
});

/**
 * Whether the agents' copies of the deleted requests' jobs are erased too (their uploads, results, thumbnails, face
 * embeddings, speaker turns). An agent that cannot be reached then is told once it is back (`requests:erasures`).
 */
const EraseOnAgents = z.boolean().default(true);

/** Erasures of one delete on the agents: done during the call, still queued, or given up (the agent was removed). */
export const ErasureCounts = z.object({ erased: z.number().int(), pending: z.number().int(), failed: z.number().int() });
export type ErasureCounts = z.infer<typeof ErasureCounts>;

/** Deletes requests with their results (and cached keyframes): some, a batch, or a client's; on the agents too by default. */
export const deleteRequests = defineInvoke('requests:delete', {
  input: z.union([
    z.object({ requestIds: z.array(z.string()).min(1).max(10_000), eraseOnAgents: EraseOnAgents }),
    z.object({ batchId: z.string(), eraseOnAgents: EraseOnAgents }),
    z.object({ clientLabel: z.string(), eraseOnAgents: EraseOnAgents }),
  ]),
  output: z.object({ deleted: z.number().int(), erasure: ErasureCounts }),
});

export const AgentErasureState = z.enum(['pending', 'erased', 'failed']);
export type AgentErasureState = z.infer<typeof AgentErasureState>;

/** One deleted request's job to be erased on its agent (one row per agent job the request had). */
export const AgentErasure = z.object({
  id: z.number().int(),
  agentId: z.string(),
  /** The agent's name now, or as it was when the request was deleted (an agent since removed). */
  agentName: z.string().nullable(),
  agentJobId: z.string(),
  requestId: z.string(),
  queuedAt: z.string(),
  /** pending: tried again every few seconds until the agent answers; failed: given up, `lastError` says why. */
  state: AgentErasureState,
  /** Calls made to the agent for this job (an agent that fails is asked for its first pending job only per pass). */
  tries: z.number().int(),
  lastError: ErrorEnvelope.nullable(),
  erasedAt: z.string().nullable(),
  /** What the agent removed, by kind (its receipt); null when it had already forgotten the job. */
  removed: z.record(z.string(), z.number().int()).nullable(),
});
export type AgentErasure = z.infer<typeof AgentErasure>;

/** The queue of erasures on agents, newest first. */
export const listErasures = defineInvoke('requests:erasures', {
  input: z
    .object({ state: AgentErasureState.optional(), limit: z.number().int().min(1).max(10_000).default(100) })
    .default({ limit: 100 }),
  output: z.array(AgentErasure),
  readOnly: true,
});

export const listBatches = defineInvoke('batches:list', {
  input: z.object({ limit: z.number().int().min(1).max(1000).default(100) }).default({ limit: 100 }),
  output: z.array(BatchSummary),
  readOnly: true,
});

export const batchStatus = defineInvoke('batches:get', {
  input: z.object({ batchId: z.string() }),
  output: BatchSummary,
  readOnly: true,
});

export const pauseBatch = defineInvoke('batches:pause', { input: z.object({ batchId: z.string() }), output: BatchSummary });
export const resumeBatch = defineInvoke('batches:resume', { input: z.object({ batchId: z.string() }), output: BatchSummary });
export const cancelBatch = defineInvoke('batches:cancel', { input: z.object({ batchId: z.string() }), output: BatchSummary });

/** Every result of a batch: JSONL (one result document per line, with its file) or CSV (one summary row per file). */
export const exportBatch = defineInvoke('batches:export', {
  input: z.object({ batchId: z.string(), format: z.enum(['jsonl', 'csv']) }),
  output: z.object({ fileName: z.string(), mime: z.string(), text: z.string() }),
  readOnly: true,
});

export const requestEvent = defineEvent('request', AnalysisRequest);
export const batchEvent = defineEvent('batch', BatchSummary);

export const requestsContract = {
  [submitRequests.name]: submitRequests,
  [listRequests.name]: listRequests,
  [requestDetail.name]: requestDetail,
  [requestResult.name]: requestResult,
  [requestKeyframe.name]: requestKeyframe,
  [requestPreview.name]: requestPreview,
  [cancelRequest.name]: cancelRequest,
  [retryRequest.name]: retryRequest,
  [deleteRequests.name]: deleteRequests,
  [listErasures.name]: listErasures,
  [listBatches.name]: listBatches,
  [batchStatus.name]: batchStatus,
  [pauseBatch.name]: pauseBatch,
  [resumeBatch.name]: resumeBatch,
  [cancelBatch.name]: cancelBatch,
  [exportBatch.name]: exportBatch,
};
