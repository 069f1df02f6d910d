// The agent's HTTP API v1 as data: every request and response schema of its routes, in zod only (no store,
// Fastify or Node imports). The agent's routes validate with these, its OpenAPI document (/v1/openapi.json) is
// generated from them, and the console parses every reply of an agent with them, so the three cannot drift.
import { z } from 'zod';
import { AnalysisName, Box, ResultDocument } from './result-document.js';

export const jobStatuses = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export const jobPriorities = ['interactive', 'batch'] as const;
/**
 * Scopes nest: all-tenants ⊇ admin ⊇ submit ⊇ read. `admin` manages its own tenant (its tokens, its audit, erasing
 * it); `all-tenants` manages every tenant (the console's own token) and is created only by the agent's operator
 * (`token create` on the agent's machine, or MEDIAFLEET_ADMIN_TOKEN), never over the API.
 */
export const tokenScopes = ['all-tenants', 'admin', 'submit', 'read'] as const;
/** The scopes a token may be given over the API (POST /v1/tokens). */
export const apiTokenScopes = ['admin', 'submit', 'read'] as const;
export const terminalJobStatuses = ['succeeded', 'failed', 'canceled'] as const;

export const ErrorInfo = z.object({ code: z.string(), message: z.string() });
export const ErrorBody = z.object({ error: ErrorInfo });

export const JobStatus = z.enum(jobStatuses);
export type JobStatus = z.infer<typeof JobStatus>;
export const JobPriority = z.enum(jobPriorities);
export type JobPriority = z.infer<typeof JobPriority>;

/** The multipart text fields of POST /v1/jobs and POST /v1/analyze (the media goes in field `file`). */
export const SubmitFields = z.object({
  analyses: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return undefined;
      const names = value.split(',').map((s) => s.trim()).filter(Boolean);
      for (const name of names) {
        if (!AnalysisName.safeParse(name).success) {
          ctx.addIssue({ code: 'custom', message: `unknown analysis "${name}"; known: ${AnalysisName.options.join(', ')}` });
          return z.NEVER;
        }
      }
      return [...new Set(names)];
    }),
  priority: JobPriority.optional(),
  ocrLang: z.string().regex(/^[a-z]{2,3}([_+-][a-zA-Z]{2,8})*$/, 'a language code such as eng or chi_sim').optional(),
  // Checked against the installed engines by the analyzer (BAD_REQUEST naming the known ones); here only its shape.
  asrEngine: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, "an engine name such as pocketsphinx, whisper.cpp or an ASR model id").optional(),
  includeEmbeddings: z.enum(['true', 'false']).optional().transform((v) => v === 'true'),
  // At most Node's longest timer; each agent refuses values above its own maximum (TIMEOUT_ABOVE_LIMIT).
  timeoutMs: z.coerce.number().int().min(100).max(2 ** 31 - 1).optional(),
  /** https URL the agent POSTs the job's terminal state to, signed with the tenant's webhook secret. */
  callbackUrl: z.string().min(1).max(2048).optional(),
});
export type SubmitFields = z.infer<typeof SubmitFields>;

/**
 * The multipart form of POST /v1/jobs and POST /v1/analyze as the OpenAPI document shows it: every part is text
 * except `file`. The same fields as SubmitFields (a test keeps the two equal), which parses them.
 */
export const SubmitForm = z.object({
  file: z.string().meta({ format: 'binary' }).describe('the media: an image, video or audio file (its content decides what it is, not its name)'),
  analyses: z.string().optional().describe(`comma list of ${AnalysisName.options.join(', ')}; default: what fits the media`),
  priority: JobPriority.optional().describe('interactive jobs go before batch jobs (default batch; /v1/analyze: interactive)'),
  ocrLang: z.string().optional().describe('OCR language, e.g. eng or chi_sim'),
  asrEngine: z.string().optional().describe('speech engine: pocketsphinx, whisper.cpp or an ASR model id'),
  includeEmbeddings: z.enum(['true', 'false']).optional().describe('keep face and voice vectors in the result'),
  timeoutMs: z.string().regex(/^\d+$/).optional().describe("the job's time limit, at most the agent's limits.maxJobTimeoutMs"),
  callbackUrl: z.string().optional().describe("POST /v1/jobs only: an https URL the agent POSTs the job's final state to, signed"),
});

export const IdempotencyHeaders = z
  .object({
    'idempotency-key': z.string().min(1).max(200).optional().describe('the same key with the same file and analyses returns the first job instead of a second one'),
    'rerun-failed': z
      .enum(['true', 'false'])
      .optional()
      .describe('true: if the job under this Idempotency-Key failed or was canceled, run it again (same id) with this upload'),
  })
  .loose();

export const JobAccepted = z.object({ id: z.string(), status: JobStatus });
export type JobAccepted = z.infer<typeof JobAccepted>;

export const JobView = z.object({
  id: z.string(),
  status: JobStatus,
  progress: z.number(),
  stage: z.string().nullable(),
  priority: JobPriority,
  file: z.string(),
  attempts: z.number().int(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  result: ResultDocument.optional(),
  error: ErrorInfo.optional(),
});
export type JobView = z.infer<typeof JobView>;

/**
 * One message of `GET /v1/jobs/:id/events` (`event: status|progress`, `id: <seq>`, this JSON as `data:`). `seq`
 * counts this job's events only (1, 2, …, kept across restarts); a client that reconnects with `Last-Event-ID`
 * gets the job's current state if it changed since, then what follows.
 */
export const JobEventMessage = z.object({
  jobId: z.string(),
  seq: z.number().int(),
  type: z.enum(['status', 'progress']),
  status: JobStatus,
  progress: z.number(),
  stage: z.string().nullable(),
  error: ErrorInfo.optional(),
});
export type JobEventMessage = z.infer<typeof JobEventMessage>;

export const JobIdParams = z.object({ id: z.string().min(1).max(100) });
export const LastEventIdHeaders = z.object({ 'last-event-id': z.coerce.number().int().min(0).optional() }).loose();

export const ListJobsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().regex(/^\d+$/, 'a cursor from a previous page').optional(),
  status: JobStatus.optional(),
});
export const JobList = z.object({ jobs: z.array(JobView), nextCursor: z.string().nullable() });
export type JobList = z.infer<typeof JobList>;

export const KeyframeParams = z.object({ id: z.string().min(1).max(100), n: z.coerce.number().int().min(0).max(100_000) });

export const FaceView = z.object({ id: z.string(), jobId: z.string(), box: Box, personId: z.string().nullable() });
export type FaceView = z.infer<typeof FaceView>;
export const SimilarQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(10) });
export const SimilarFaces = z.object({
  face: FaceView,
  similar: z.array(FaceView.extend({ similarity: z.number() })),
  /** From this cosine similarity the agent counts two faces as one person (MEDIAFLEET_PERSON_SIMILARITY). */
  personSimilarity: z.number(),
});
export type SimilarFaces = z.infer<typeof SimilarFaces>;

export const PersonView = z.object({
  id: z.string(),
  name: z.string().nullable(),
  faceCount: z.number().int(),
  createdAt: z.string(),
  /** A face of this person with a stored picture (GET /v1/faces/:id/crop.jpg): their thumbnail; null when none has one. */
  coverFaceId: z.string().nullable(),
});
export type PersonView = z.infer<typeof PersonView>;
export const PersonList = z.object({ persons: z.array(PersonView) });
export const PersonDetail = PersonView.extend({ faces: z.array(FaceView) });
export type PersonDetail = z.infer<typeof PersonDetail>;
export const NamePersonBody = z.object({ name: z.string().trim().min(1).max(200).nullable() });
/** POST /v1/persons/:id/merge: the person in the body joins the person in the path. */
export const MergePersonsBody = z.object({ personId: z.string().min(1).max(100) });

export const SpeakerTurnView = z.object({ id: z.string(), jobId: z.string(), speaker: z.string(), start: z.number(), end: z.number() });
export const SimilarSpeakers = z.object({ turn: SpeakerTurnView, similar: z.array(SpeakerTurnView.extend({ similarity: z.number() })) });
export const SimilarSpeakersQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(10),
  includeSameJob: z.enum(['true', 'false']).optional().transform((v) => v === 'true'),
});

export const TokenScope = z.enum(tokenScopes);
export type TokenScope = z.infer<typeof TokenScope>;
export const CreateTokenBody = z.object({
  scope: z.enum(apiTokenScopes).describe("an all-tenants token cannot be made over the API: use `token create` on the agent's machine"),
  tenant: z.string().trim().min(1).max(100),
  label: z.string().max(200).optional(),
});
export const TokenView = z.object({
  id: z.string(),
  scope: TokenScope,
  tenant: z.string(),
  label: z.string().nullable(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
export type TokenView = z.infer<typeof TokenView>;
export const TokenList = z.object({ tokens: z.array(TokenView) });
export const CreatedToken = z.object({ token: z.string(), record: TokenView });
export type CreatedToken = z.infer<typeof CreatedToken>;

/** One audit entry: who (`actor`: `token:<id>` or `operator:<how>`) did what to which tenant's what. */
export const AuditEntryView = z.object({
  seq: z.number().int(),
  at: z.string(),
  action: z.string().describe('token.created, token.revoked, job.erased, tenant.erased, webhook-secret.rotated'),
  tenant: z.string().nullable().describe('the tenant the action concerns'),
  actor: z.string(),
  actorTenant: z.string().nullable(),
  target: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});
export type AuditEntryView = z.infer<typeof AuditEntryView>;
export const WebhookSecret = z.object({
  tenant: z.string(),
  secret: z.string().describe('shown once: verify `Mediafleet-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with it'),
  createdAt: z.string(),
});
export const WebhookDeliveryView = z.object({
  id: z.string(),
  event: z.enum(['job.succeeded', 'job.failed', 'job.canceled']),
  url: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']).describe('failed: given up after MEDIAFLEET_WEBHOOK_RETRY_FOR_MS'),
  attempts: z.number().int(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  log: z.array(z.object({ at: z.string(), statusCode: z.number().int().nullable(), error: z.string().nullable(), durationMs: z.number() })),
});
export const WebhookDeliveryList = z.object({ deliveries: z.array(WebhookDeliveryView) });

export const ErasureReceipt = z.object({
  erased: z.enum(['job', 'tenant']),
  tenant: z.string(),
  jobId: z.string().optional(),
  erasedAt: z.string(),
  removed: z
    .object({
      jobs: z.number().int(),
      inputs: z.number().int().describe('uploads still stored'),
      results: z.number().int(),
      thumbnails: z.number().int().describe('keyframe thumbnail files'),
      faces: z.number().int().describe('face embeddings'),
      persons: z.number().int().describe('persons left without faces'),
      speakerTurns: z.number().int().describe('speaker turns with their voice embeddings'),
      webhookDeliveries: z.number().int().optional(),
      tokens: z.number().int(),
    })
    .describe('what was removed, by kind'),
});
export type ErasureReceipt = z.infer<typeof ErasureReceipt>;
export const TenantParams = z.object({ tenant: z.string().trim().min(1).max(100) });
export const EraseTenantBody = z
  .object({ tokens: z.boolean().default(false).describe("also remove the tenant's tokens (never an all-tenants token)") })
  .nullish()
  .transform((body) => ({ tokens: body?.tokens ?? false }));

export const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().regex(/^\d+$/, 'a cursor from a previous page').optional(),
});
export const AuditList = z.object({ entries: z.array(AuditEntryView), nextCursor: z.string().nullable() });

export const ClusterStatusView = z.object({
  queue: z.string(),
  redis: z.string().describe('the Redis address, without credentials'),
  connected: z.boolean(),
  backlog: z.number().int().describe('jobs of the whole cluster waiting for a worker'),
  dispatched: z.number().int().describe("this agent's jobs in the cluster, waiting or running"),
});
export type ClusterStatusView = z.infer<typeof ClusterStatusView>;

/**
 * The dead-man switch of a rented Vast.ai instance (agent/src/self-destroy/): whether it is armed, how long is left
 * before the instance destroys itself, and, once it fired, where the sequence is. Older agents do not say.
 */
export const SelfDestroyStatus = z.object({
  armed: z.boolean(),
  /** off → armed → draining (no new jobs; running ones finish within the drain bound) → destroying → destroyed, or failed. */
  state: z.enum(['off', 'armed', 'draining', 'destroying', 'destroyed', 'failed']),
  /** off: why it is not armed; after it fired: what fired it; failed: why the instance was not destroyed. */
  reason: z.string().optional(),
  trigger: z.enum(['lease-expired', 'lifetime-cap', 'spend-cap']).optional(),
  /** Milliseconds until the first limit is reached; null unless armed. */
  leftMs: z.number().nullable(),
  leaseLeftMs: z.number().nullable(),
  lifetimeLeftMs: z.number().nullable(),
  spendLeftMs: z.number().nullable(),
  /** MEDIAFLEET_DPH_USD × uptime so far; null without a rate. */
  spentUsd: z.number().nullable(),
  /** The last request from the console's (all-tenants) token, or the agent's start. */
  lastContactAt: z.string().nullable(),
  limits: z.object({
    leaseS: z.number().nullable(),
    lifetimeCapS: z.number().nullable(),
    spendCapUsd: z.number().nullable(),
    dphUsd: z.number().nullable(),
    drainS: z.number(),
  }),
  /** Settings that cannot be kept as given (e.g. a spend cap without a rate). */
  problems: z.array(z.string()),
});
export type SelfDestroyStatus = z.infer<typeof SelfDestroyStatus>;

export const HealthQuery = z.object({ ready: z.enum(['0', '1']).optional() });
export const Health = z.object({
  status: z.enum(['ok', 'starting', 'stopping']),
  live: z.boolean(),
  ready: z.boolean(),
  /** Why the agent is not ready (starting, stopping, or which models failed to load). */
  reason: z.string().optional(),
  queue: z.object({ queued: z.number().int(), running: z.number().int(), workers: z.number().int() }),
  /** The data directory's disk: while `full`, uploads get 507 DISK_FULL and everything else goes on (older agents do not say). */
  disk: z
    .object({
      full: z.boolean(),
      freeBytes: z.number().nullable(),
      reason: z.string().optional(),
      uploads: z.object({ files: z.number().int(), bytes: z.number() }).describe('what the uploads folder holds: inputs of queued and running jobs'),
    })
    .optional(),
  /** Cluster mode only: the shared queue as this agent sees it. */
  cluster: ClusterStatusView.optional(),
  selfDestroy: SelfDestroyStatus.optional(),
});
export type Health = z.infer<typeof Health>;

export const ModelView = z.object({
  id: z.string(),
  analysis: z.string(),
  runtime: z.string(),
  installed: z.boolean(),
  loaded: z.boolean(),
  bytes: z.number(),
});

export const Hardware = z.object({
  cpuModel: z.string(),
  cores: z.number().int(),
  memoryBytes: z.number(),
  platform: z.string(),
  arch: z.string(),
  node: z.string(),
  backend: z.string(),
});
export type Hardware = z.infer<typeof Hardware>;

/** An ffmpeg or ffprobe binary the agent runs: named by a setting, the system's, or an npm package's static build. */
export const MediaToolView = z.object({
  path: z.string(),
  source: z.enum(['configured', 'system', 'bundled']),
  version: z.string(),
  libavformat: z.string().optional(),
});

/** Which device runs each analysis here, and why it is not the GPU (runtimes/gpu/device-plan.ts). */
export const DeviceChoiceView = z.object({ device: z.enum(['cuda', 'cpu']), runtime: z.string(), reason: z.string().nullable() });
export const DevicesView = z.object({
  gpus: z.array(z.object({ name: z.string(), memoryMb: z.number().nullable(), driver: z.string().nullable() })),
  /** Why no GPU was found; null when nvidia-smi listed them. */
  probeError: z.string().nullable(),
  analyses: z.record(z.string(), DeviceChoiceView),
});
export type DevicesView = z.infer<typeof DevicesView>;

export const Info = z.object({
  name: z.literal('mediafleet-agent'),
  version: z.string(),
  agentId: z.string(),
  hardware: Hardware,
  analyses: z.array(z.string()),
  models: z.array(ModelView),
  workers: z.number().int(),
  vectorSearch: z.enum(['sqlite-vec', 'exact-scan']),
  cluster: ClusterStatusView.optional(),
  /** Older agents do not say. */
  devices: DevicesView.optional(),
  limits: z.object({
    maxUploadBytes: z.number(),
    maxSyncUploadBytes: z.number(),
    maxQueueDepth: z.number(),
    /** Jobs one tenant may have waiting (older agents do not say). */
    maxQueuePerTenant: z.number().optional(),
    jobTimeoutMs: z.number(),
    /** The largest timeoutMs a job may ask for (older agents do not say). */
    maxJobTimeoutMs: z.number().optional(),
  }),
  /** Which ffmpeg and ffprobe video and audio jobs run (null: not installed, and `problems` says how to fix it). Absent from agents before 0.2. */
  mediaTools: z.object({ ffmpeg: MediaToolView.nullable(), ffprobe: MediaToolView.nullable(), problems: z.array(z.string()) }).optional(),
  selfDestroy: SelfDestroyStatus.optional(),
});
export type Info = z.infer<typeof Info>;

export const BenchBody = z.object({ rounds: z.number().int().min(1).max(10).default(1), analyses: z.array(AnalysisName).optional() }).default({ rounds: 1 });
const Percentiles = z.object({ p50_ms: z.number(), p95_ms: z.number() });
export const BenchReport = z.object({
  hardware: Hardware,
  workers: z.number().int(),
  images: z.number().int(),
  rounds: z.number().int(),
  /** Per analysis (and `decode`): milliseconds inside the worker. */
  analyses: z.record(z.string(), Percentiles),
  suite_p50_ms: z.number(),
  suite_p95_ms: z.number(),
  images_per_hour: z.number(),
  rss_mb: z.number(),
});
export type BenchReport = z.infer<typeof BenchReport>;
/** `event: progress` of POST /v1/bench as server-sent events. */
export const BenchProgress = z.object({ done: z.number().int().nonnegative(), total: z.number().int().nonnegative() });

export const PullStateView = z.object({
  operationId: z.string(),
  model: z.string(),
  phase: z.enum(['running', 'succeeded', 'failed', 'canceled']),
  seq: z.number().int(),
  file: z.string().nullable(),
  receivedBytes: z.number(),
  totalBytes: z.number().nullable(),
  resumedFromBytes: z.number(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: ErrorInfo.nullable(),
});
export type PullStateView = z.infer<typeof PullStateView>;

export const ModelFileView = z.object({
  name: z.string(),
  url: z.string(),
  size: z.number().nullable(),
  sha256: z.string().nullable(),
  sha256Source: z.string().nullable(),
  present: z.boolean(),
  bytesOnDisk: z.number(),
  partialBytes: z.number(),
});

export const ModelEntry = z.object({
  id: z.string(),
  /** managed: fetched by the model manager from a manifest in models/; packaged: shipped inside an npm package. */
  kind: z.enum(['managed', 'packaged']),
  analysis: z.string(),
  task: z.string().nullable(),
  runtime: z.string(),
  description: z.string().nullable(),
  licence: z.string().nullable(),
  installed: z.boolean(),
  /** Every file's sha256 is pinned in the manifest (packaged models: the package's integrity covers them). */
  pinned: z.boolean(),
  loaded: z.boolean(),
  bytes: z.number(),
  files: z.array(ModelFileView),
  pull: PullStateView.nullable(),
});
export type ModelEntry = z.infer<typeof ModelEntry>;
export const ModelList = z.object({ models: z.array(ModelEntry) });

export const ModelIdParams = z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'a model id').max(100) });
export const PullQuery = z.object({ wait: z.enum(['0', '1']).optional() });
// A POST without a body (fastify passes null) is a plain pull / a verify of everything.
export const PullBody = z
  .object({ allowUnpinned: z.boolean().default(false) })
  .nullish()
  .transform((body) => ({ allowUnpinned: body?.allowUnpinned ?? false }));
export const VerifyBody = z
  .object({ ids: z.array(z.string()).min(1).optional() })
  .nullish()
  .transform((body) => ({ ids: body?.ids }));
export const VerifyReport = z.object({
  ok: z.boolean(),
  models: z.array(
    z.object({
      id: z.string(),
      ok: z.boolean(),
      files: z.array(z.object({ name: z.string(), verdict: z.enum(['ok', 'missing', 'corrupt']), expected: z.string().nullable(), actual: z.string().nullable() })),
    }),
  ),
});

export const ClusterInputParams = z.object({ id: z.string().min(1).max(100) });
export const ModelRemoved = z.object({ id: z.string(), removed: z.literal(true) });
