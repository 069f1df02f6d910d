// The Analyze contract on the analysis service; which paths may be submitted is the caller's policy (the
// headless console allows only its own uploads).
import {
  analysisKeyframe,
  analysisPreview,
  analysisResult,
  analysisStatus,
  cancelAnalysis,
  listSubmissions,
  retryAnalysis,
  submitAnalysis,
  PREVIEW_MAX_SIDE,
} from '../contracts/analyze.js';
import type { MethodRegistry } from '../registry/method-registry.js';
import type { AnalysisService } from './analysis-service.js';
import type { SubmitPathPolicy } from './submit-path-policy.js';

export function registerAnalyzeMethods(registry: MethodRegistry, deps: { analysis: AnalysisService; allowPath: SubmitPathPolicy }): void {
  const { analysis } = deps;
  registry.implement(submitAnalysis, (input) => {
    deps.allowPath(input.path);
    return analysis.submit(input);
  });
  registry.implement(analysisStatus, ({ submissionId }) => analysis.status(submissionId));
  registry.implement(analysisResult, ({ submissionId }) => analysis.result(submissionId));
  registry.implement(analysisKeyframe, async ({ submissionId, index }) => {
    const { t, jpeg } = await analysis.keyframe(submissionId, index);
    return { index, t, mime: 'image/jpeg' as const, dataBase64: jpeg.toString('base64') };
  });
  registry.implement(analysisPreview, async ({ submissionId }) => {
    const { jpeg, width, height } = await analysis.preview(submissionId, PREVIEW_MAX_SIDE);
    return { mime: 'image/jpeg' as const, width, height, dataBase64: jpeg.toString('base64') };
  });
  registry.implement(listSubmissions, () => analysis.list());
  registry.implement(cancelAnalysis, async ({ submissionId }) => ({ canceled: await analysis.cancel(submissionId) }));
  registry.implement(retryAnalysis, ({ submissionId }) => analysis.retry(submissionId));
}
