// What the HTTP layer is given: the domain objects, built and owned by server.ts (or a test).
import type { AgentConfig } from '../config.js';
import type { DevicesView } from '../contracts/http-v1.js';
import type { FaceIndex } from '../faces-search/face-index.js';
import type { SpeakerIndex } from '../speakers-search/speaker-index.js';
import type { InstalledModel } from '../jobs/analyzer-port.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { JobsRepository } from '../store/jobs-repository.js';
import type { TokensRepository } from '../store/tokens-repository.js';
import type { AuditRepository } from '../store/audit-repository.js';
import type { DiskSpace } from '../store/disk-space.js';
import type { Erasure } from '../jobs/erasure.js';
import type { WebhooksRepository } from '../store/webhooks-repository.js';
import type { TokenAdministration } from '../tenants/token-administration.js';
import type { BenchReport } from '../bench/queue-bench.js';
import type { ClusterStatus } from '../cluster/shared-queue-runner.js';
import type { InputTokens } from '../cluster/input-tokens.js';
import type { SelfDestroy } from '../self-destroy/self-destroy.js';

/** Cluster mode (REDIS_URL set): what the HTTP side needs to serve uploads to other agents and report status. */
export interface ClusterServices {
  inputTokens: InputTokens;
  /** The upload of a job this agent has in the cluster right now; undefined for any other job. */
  dispatchedInput(jobId: string): string | undefined;
  status(): ClusterStatus;
}

export interface AgentServices {
  config: AgentConfig;
  version: string;
  uploadsDir: string;
  diskSpace: DiskSpace;
  queue: JobQueue;
  jobs: JobsRepository;
  tokens: TokensRepository;
  tokenAdmin: TokenAdministration;
  audit: AuditRepository;
  erasure: Erasure;
  webhooks: WebhooksRepository;
  faceIndex: FaceIndex;
  speakerIndex?: SpeakerIndex;
  hasVectorSearch: boolean;
  /** The dead-man switch of a rented instance (off elsewhere, and then it only reports why). */
  selfDestroy: SelfDestroy;
  cluster?: ClusterServices;
  describeModels(): Promise<InstalledModel[]>;
  /** The GPUs found and the device each analysis runs on, with the workers' fallbacks. */
  devices(): DevicesView;
  /** Readiness: the workers have loaded their models and the agent is not stopping. */
  readiness(): { status: 'ok' | 'starting' | 'stopping'; ready: boolean; reason?: string };
  /** What the uploads folder holds right now. */
  uploadsUsage(): { files: number; bytes: number };
  runBench(options: { rounds: number; analyses?: string[]; signal?: AbortSignal; onProgress?: (done: number, total: number) => void }): Promise<BenchReport>;
}
