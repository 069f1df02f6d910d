// Request and response schemas of the HTTP API v1; the OpenAPI document at /v1/openapi.json is generated
// from these, so they are the contract the console codes against.
import { z } from 'zod';
import { AnalysisName, Box, ResultDocument } from '../contracts/result-document.js';
import { jobPriorities, jobStatuses, type JobRecord } from '../store/jobs-repository.js';
import { tokenScopes } from '../store/tokens-repository.js';

export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const JobStatus = z.enum(jobStatuses);
export const JobPriority = z.enum(jobPriorities);

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
  timeoutMs: z.coerce.number().int().min(100).optional(),
});
export type SubmitFields = z.infer<typeof SubmitFields>;

export const JobAccepted = z.object({ id: z.string(), status: JobStatus });

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
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type JobView = z.infer<typeof JobView>;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function toJobView(job: JobRecord, withResult = true): JobView {
  return {
    id: job.id,
    status: job.status,
    progress: job.progress,
    stage: job.stage,
    priority: job.priority,
    file: job.fileName,
    attempts: job.attempts,
    createdAt: iso(job.createdAt)!,
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    ...(withResult && job.result !== undefined ? { result: job.result as ResultDocument } : {}),
    ...(job.error ? { error: job.error } : {}),
  };
}

/**
 * The JobView of a job as JSON text, with its stored result JSON (already checked against ResultDocument when the
 * job finished) spliced in as is: the same document toJobView gives, without parsing and re-serializing it.
 */
export function jobViewJson(job: JobRecord, resultJson: string | null): string {
  const view = JSON.stringify(toJobView({ ...job, result: undefined }));
  return resultJson === null ? view : `${view.slice(0, -1)},"result":${resultJson}}`;
}

export const JobIdParams = z.object({ id: z.string().min(1).max(100) });

export const ListJobsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().regex(/^\d+$/, 'a cursor from a previous page').optional(),
  status: JobStatus.optional(),
});
export const JobList = z.object({ jobs: z.array(JobView), nextCursor: z.string().nullable() });

export const FaceView = z.object({ id: z.string(), jobId: z.string(), box: Box, personId: z.string().nullable() });
export const SimilarQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(10) });
export const SimilarFaces = z.object({
  face: FaceView,
  similar: z.array(FaceView.extend({ similarity: z.number() })),
});

export const PersonView = z.object({ id: z.string(), name: z.string().nullable(), faceCount: z.number().int(), createdAt: z.string() });
export const PersonDetail = PersonView.extend({ faces: z.array(FaceView) });
export const NamePersonBody = z.object({ name: z.string().trim().min(1).max(200).nullable() });

export const TokenScope = z.enum(tokenScopes);
export const CreateTokenBody = z.object({
  scope: TokenScope,
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
export const CreatedToken = z.object({ token: z.string(), record: TokenView });

export const ClusterStatusView = z.object({
  queue: z.string(),
  redis: z.string().describe('the Redis address, without credentials'),
  connected: z.boolean(),
  backlog: z.number().int().describe('jobs of the whole cluster waiting for a worker'),
  dispatched: z.number().int().describe("this agent's jobs in the cluster, waiting or running"),
});

export const Health = z.object({
  status: z.enum(['ok', 'starting', 'stopping']),
  live: z.boolean(),
  ready: z.boolean(),
  queue: z.object({ queued: z.number().int(), running: z.number().int(), workers: z.number().int() }),
  /** Cluster mode only: the shared queue as this agent sees it. */
  cluster: ClusterStatusView.optional(),
});

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
  limits: z.object({ maxUploadBytes: z.number(), maxSyncUploadBytes: z.number(), maxQueueDepth: z.number(), jobTimeoutMs: z.number() }),
});
