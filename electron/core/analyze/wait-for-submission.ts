// For tests and scripts that drive the analysis service directly: wait until a submission has ended.
import type { AnalysisSubmission } from '../contracts/analyze.js';
import type { AnalysisService } from './analysis-service.js';

export async function waitForSubmissionEnd(service: AnalysisService, id: string, timeoutMs = 90_000): Promise<AnalysisSubmission> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = service.status(id);
    if (['done', 'failed', 'canceled'].includes(s.stage)) return s;
    if (Date.now() > deadline) throw new Error(`submission ${id} still ${s.stage} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
