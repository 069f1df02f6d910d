// Agent settings: defaults, then environment (MEDIAFLEET_*), then explicit overrides (CLI flags), validated once
// at start so a bad value fails loudly instead of surfacing as an odd runtime behaviour.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { imageAnalysisNames } from './contracts/result-document.js';

const AgentConfig = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  dataDir: z.string().min(1),
  /** Worker threads running models. Two cores: leave one for HTTP and SQLite. */
  workers: z.coerce.number().int().min(1).max(64),
  /**
   * Nice value of each worker thread (0-19). Inference is batch work: at 19 the HTTP thread (and nginx, sshd) are
   * served first and the models get every cycle left over, which on a dedicated server is nearly all of them.
   * 0 gives the workers an equal share, for a machine whose other busy processes would otherwise push them aside.
   */
  workerNice: z.coerce.number().int().min(0).max(19),
  /** Jobs waiting (queued) across all tenants before POST /v1/jobs answers 429. */
  maxQueueDepth: z.coerce.number().int().min(1),
  maxUploadBytes: z.coerce.number().int().min(1),
  /** POST /v1/analyze is for small images only. */
  maxSyncUploadBytes: z.coerce.number().int().min(1),
  jobTimeoutMs: z.coerce.number().int().min(100),
  /** A running job's lease; renewed every third of it. A crashed agent's jobs come back after it expires. */
  leaseMs: z.coerce.number().int().min(200),
  maxAttempts: z.coerce.number().int().min(1),
  /** Cosine similarity above which a new face joins an existing person. */
  personSimilarity: z.coerce.number().min(0).max(1),
  agentId: z.string().min(1),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  benchImagesDir: z.string().min(1),
  /** Analyses whose models each worker loads at start ("none" for none); others load on first use. */
  warmUp: z.preprocess(
    (v) => (typeof v === 'string' ? (v.trim() === 'none' ? [] : v.split(',').map((s) => s.trim()).filter(Boolean)) : v),
    z.array(z.enum(imageAnalysisNames)),
  ),
  /**
   * Cluster mode: agents that name the same Redis (and queue) share one queue through BullMQ. Unset: this agent
   * runs its own jobs only. See agent/src/cluster/README.md.
   */
  redisUrl: z
    .string()
    .refine((v) => URL.canParse(v) && /^rediss?:$/.test(new URL(v).protocol), 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379')
    .optional(),
  /** Where the other agents of the cluster fetch this agent's uploads from; default http://<host>:<port>. */
  clusterUrl: z
    .string()
    .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an http:// or https:// URL')
    .optional(),
  /**
   * false: this agent accepts jobs and hands them to the cluster but runs none itself, e.g. a small front server
   * before GPU workers.
   */
  clusterTakesJobs: z.preprocess((v) => (typeof v === 'string' ? !['false', '0', 'no'].includes(v.trim().toLowerCase()) : v), z.boolean()),
  /** The shared queue's name: agents with the same Redis and name share jobs. */
  clusterQueue: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - and _ only'),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

function defaults(): AgentConfig {
  return {
    host: '127.0.0.1',
    port: 8787,
    dataDir: path.resolve('.data/agent'),
    workers: Math.max(1, os.availableParallelism() - 1),
    workerNice: 19,
    maxQueueDepth: 1000,
    maxUploadBytes: 200 * 1024 * 1024,
    maxSyncUploadBytes: 10 * 1024 * 1024,
    jobTimeoutMs: 10 * 60_000,
    leaseMs: 30_000,
    maxAttempts: 3,
    personSimilarity: 0.55,
    agentId: os.hostname(),
    logLevel: 'info',
    benchImagesDir: path.resolve('../shared/fixtures/images'),
    warmUp: [...imageAnalysisNames],
    clusterQueue: 'mediafleet',
    clusterTakesJobs: true,
  };
}

const envNames: Record<keyof AgentConfig, string> = {
  host: 'MEDIAFLEET_HOST',
  port: 'MEDIAFLEET_PORT',
  dataDir: 'MEDIAFLEET_DATA',
  workers: 'MEDIAFLEET_WORKERS',
  workerNice: 'MEDIAFLEET_WORKER_NICE',
  maxQueueDepth: 'MEDIAFLEET_MAX_QUEUE',
  maxUploadBytes: 'MEDIAFLEET_MAX_UPLOAD_BYTES',
  maxSyncUploadBytes: 'MEDIAFLEET_MAX_SYNC_UPLOAD_BYTES',
  jobTimeoutMs: 'MEDIAFLEET_JOB_TIMEOUT_MS',
  leaseMs: 'MEDIAFLEET_LEASE_MS',
  maxAttempts: 'MEDIAFLEET_MAX_ATTEMPTS',
  personSimilarity: 'MEDIAFLEET_PERSON_SIMILARITY',
  agentId: 'MEDIAFLEET_AGENT_ID',
  logLevel: 'MEDIAFLEET_LOG_LEVEL',
  benchImagesDir: 'MEDIAFLEET_BENCH_IMAGES',
  warmUp: 'MEDIAFLEET_WARMUP',
  // REDIS_URL, not MEDIAFLEET_REDIS_URL: the name compose files and hosting panels already use for Redis.
  redisUrl: 'REDIS_URL',
  clusterUrl: 'MEDIAFLEET_CLUSTER_URL',
  clusterQueue: 'MEDIAFLEET_CLUSTER_QUEUE',
  clusterTakesJobs: 'MEDIAFLEET_CLUSTER_TAKE_JOBS',
};

/** A bad setting: the CLI reports it as a usage error. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(overrides: Partial<Record<keyof AgentConfig, unknown>> = {}, env = process.env): AgentConfig {
  const merged: Record<string, unknown> = { ...defaults() };
  for (const [key, name] of Object.entries(envNames)) {
    const value = env[name];
    if (value !== undefined && value !== '') merged[key] = value;
  }
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) merged[key] = value;
  const parsed = AgentConfig.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0]);
    throw new ConfigError(`invalid setting ${key} (${envNames[key as keyof AgentConfig] ?? key}): ${issue.message}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.dataDir) };
}

let cachedVersion: string | undefined;

/** The agent's version: the root package.json's, read once. */
export function agentVersion(): string {
  if (cachedVersion) return cachedVersion;
  // Images and units stamp the version they were built as; a checkout reads package.json.
  if (process.env.MEDIAFLEET_AGENT_VERSION) return (cachedVersion = process.env.MEDIAFLEET_AGENT_VERSION);
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    cachedVersion = pkg.version ?? '0.0.0';
  } catch {
    cachedVersion = '0.0.0';
  }
  return cachedVersion;
}
