// What the HTTP layer is given: the domain objects, built and owned by server.ts (or a test).
import type { AgentConfig } from '../config.js';
import type { FaceIndex } from '../faces-search/face-index.js';
import type { SpeakerIndex } from '../speakers-search/speaker-index.js';
import type { InstalledModel } from '../jobs/analyzer-port.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { JobsRepository } from '../store/jobs-repository.js';
import type { TokensRepository } from '../store/tokens-repository.js';
import type { BenchReport } from '../bench/queue-bench.js';
import type { ClusterStatus } from '../cluster/dispatcher.js';
import type { InputTokens } from '../cluster/input-tokens.js';

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
  queue: JobQueue;
  jobs: JobsRepository;
  tokens: TokensRepository;
  faceIndex: FaceIndex;
  speakerIndex?: SpeakerIndex;
  hasVectorSearch: boolean;
  cluster?: ClusterServices;
  describeModels(): Promise<InstalledModel[]>;
  /** Readiness: the workers have loaded their models and the agent is not stopping. */
  readiness(): { status: 'ok' | 'starting' | 'stopping'; ready: boolean };
  runBench(options: { rounds: number; analyses?: string[]; signal?: AbortSignal; onProgress?: (done: number, total: number) => void }): Promise<BenchReport>;
}
