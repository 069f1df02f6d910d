// The requests and batches contract on the request service; which paths may be submitted is the caller's policy
// (the headless console allows only its own uploads).
import {
  batchStatus,
  cancelBatch,
  cancelRequest,
  deleteRequests,
  exportBatch,
  listBatches,
  listErasures,
  listRequests,
  pauseBatch,
  requestDetail,
  requestKeyframe,
  requestPreview,
  PREVIEW_MAX_SIDE,
  requestResult,
  resumeBatch,
  retryRequest,
  submitRequests,
} from '../contracts/requests.js';
import type { SubmitPathPolicy } from '../analyze/submit-path-policy.js';
import type { MethodRegistry } from '../registry/method-registry.js';
import type { RequestService } from './request-service.js';

export function registerRequestMethods(
  registry: MethodRegistry,
  deps: { requests: RequestService; allowPath: SubmitPathPolicy },
): void {
  const { requests } = deps;
  registry.implement(submitRequests, (input) => {
    for (const path of input.paths) deps.allowPath(path);
    return requests.submit(input);
  });
  registry.implement(listRequests, (filter) => requests.list(filter));
  registry.implement(requestDetail, ({ requestId }) => {
    const detail = requests.get(requestId);
    return { ...detail, attempts: detail.attempts };
  });
  registry.implement(requestResult, ({ requestId }) => requests.result(requestId));
  registry.implement(requestKeyframe, async ({ requestId, index }) => {
    const { t, jpeg } = await requests.keyframe(requestId, index);
    return { index, t, mime: 'image/jpeg' as const, dataBase64: jpeg.toString('base64') };
  });
  registry.implement(requestPreview, async ({ requestId }) => {
    const { jpeg, width, height } = await requests.preview(requestId, PREVIEW_MAX_SIDE);
    return { mime: 'image/jpeg' as const, width, height, dataBase64: jpeg.toString('base64') };
  });
  registry.implement(cancelRequest, async ({ requestId }) => ({
    canceled: await requests.cancel(requestId),
  }));
  registry.implement(retryRequest, ({ requestId }) => requests.retry(requestId));
  registry.implement(deleteRequests, (filter) => requests.delete(filter));
  registry.implement(listErasures, (filter) => requests.erasures(filter));
  registry.implement(listBatches, ({ limit }) => requests.batches(limit));
  registry.implement(batchStatus, ({ batchId }) => requests.batch(batchId));
  registry.implement(pauseBatch, ({ batchId }) => requests.pause(batchId));
  registry.implement(resumeBatch, ({ batchId }) => requests.resume(batchId));
  registry.implement(cancelBatch, ({ batchId }) => requests.cancelBatch(batchId));
  registry.implement(exportBatch, ({ batchId, format }) => requests.export(batchId, format));
}
