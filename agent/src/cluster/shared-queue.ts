// What the agents of a cluster agree on: the shared queue's name and key prefix in Redis, what a queued job
// carries, what a worker answers, and how to connect. Everything else stays in each agent's own SQLite.
import type { RedisOptions } from 'ioredis';
import type { ResultDocument } from '../contracts/result-document.js';
import type { ErrorCode } from '../errors.js';
import { errorCodes } from '../errors.js';
import type { JobOptions } from '../store/jobs-repository.js';

/** Every key the cluster writes starts with this, so a Redis shared with other programs stays tidy. */
export const clusterKeyPrefix = 'mediafleet';

/** The pub/sub channel on which an origin asks the worker running a job to stop it. */
export const cancelChannel = (queueName: string): string => `${clusterKeyPrefix}:${queueName}:cancel`;

/** A job as it waits in the shared queue. The BullMQ job id is the origin's own job id. */
export interface ClusterJobData {
  /** The agent process that accepted the upload and keeps the job's record (JobQueue.owner). */
  originId: string;
  /** Where the origin serves the upload to the worker: GET <originUrl>/v1/cluster/inputs/<job id>. */
  originUrl: string;
  /** Proves the fetch comes from a cluster member (only Redis readers know it); see input-tokens.ts. */
  inputToken: string;
  fileName: string;
  options: JobOptions;
  /** A worker stops the job after this long even if its origin is gone and cannot cancel it. */
  timeoutMs: number;
}

/**
 * A worker's answer. An analysis that fails (a damaged file, a timeout) is an answer too, with the agent's
 * error code, so the origin records the same failure it would have recorded running the job itself. BullMQ's
 * own "failed" is left for what is not an answer: a worker that died more often than allowed.
 */
export type ClusterOutcome =
  | { ok: true; result: ResultDocument; thumbnails?: Record<string, string> }
  | { ok: false; error: { code: ErrorCode; message: string } };

/** interactive before batch; BullMQ runs lower numbers first (and 0 would mean "no priority"). */
export const bullPriority = { interactive: 1, batch: 2 } as const;

/** ioredis options from REDIS_URL (redis://[user:password@]host[:port][/db], rediss:// for TLS). */
export function redisOptionsFromUrl(redisUrl: string): RedisOptions {
  const url = new URL(redisUrl);
  const db = url.pathname.replace(/^\//, '');
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 6379,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: db ? Number(db) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    // BullMQ's workers require it, and for the rest it means: during an outage commands wait for Redis to come
    // back instead of failing after 20 retries. Nothing waits unbounded: every wait races a job's own signal.
    maxRetriesPerRequest: null,
  };
}

/** Redis address without credentials, for messages and logs. */
export function describeRedis(redisUrl: string): string {
  const url = new URL(redisUrl);
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

/** An error from a worker's answer, with its code if the code is one of ours. */
export function outcomeErrorCode(code: string): ErrorCode {
  return code in errorCodes ? (code as ErrorCode) : 'INTERNAL';
}

/**
 * Waits for a BullMQ close at most `ms`; true if it finished. A close can wait forever for a connection that is
 * still reconnecting (Redis down, or just back: taskforcesh/bullmq#4656, open), and an agent must still stop.
 */
export async function closedWithin(closing: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      closing.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
