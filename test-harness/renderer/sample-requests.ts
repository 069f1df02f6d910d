// Sample analysis requests for the renderer's component tests and the UI benchmark: complete AnalysisRequest
// objects (they pass the contract's schema) whose fields a test overrides. Sample data, not a console's output.
import type { AnalysisRequest } from '../../electron/core/contracts/requests.js';

export function sampleRequest(i: number, state: AnalysisRequest['state'], extra: Partial<AnalysisRequest> = {}): AnalysisRequest {
  const submittedAt = new Date(Date.UTC(2026, 0, 1, 12, 0, i % 60)).toISOString();
  return {
    requestId: `r${i}`,
    batchId: 'b1',
    fileName: `file-${i}.jpg`,
    path: `/data/uploads/file-${i}.jpg`,
    bytes: 100,
    sha256: 'a'.repeat(64),
    mediaKind: 'image',
    analyses: null,
    clientLabel: null,
    state,
    progress: state === 'done' ? 1 : 0.5,
    agentStage: null,
    agentId: state === 'pending' ? null : 'local',
    agentName: state === 'pending' ? null : 'This computer',
    agentJobId: state === 'pending' ? null : `job-${i}`,
    decision: state === 'pending' ? null : 'earliest finish: This computer, about 2 s',
    attempts: state === 'pending' ? 0 : 1,
    submittedAt,
    startedAt: state === 'pending' ? null : submittedAt,
    finishedAt: ['done', 'failed', 'canceled'].includes(state) ? new Date(Date.parse(submittedAt) + 1500).toISOString() : null,
    error: state === 'failed' ? { code: 'CORRUPT_MEDIA', message: 'cannot decode the image' } : null,
    ...extra,
  };
}
