// POST /v1/analyze: the synchronous path for small images. It goes through the same queue and workers as
// jobs (interactive priority), so it shares their capacity, limits and crash safety, and answers with the
// result document once the job is done. Video and audio are refused here (415 IMAGES_ONLY): they can take
// minutes and belong on POST /v1/jobs.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ResultDocument } from '../../contracts/result-document.js';
import { AgentError, type ErrorCode } from '../../errors.js';
import { sniffMedia } from '../../media/sniff-media.js';
import { principalOf } from '../auth.js';
import { ErrorBody } from '../../contracts/http-v1.js';
import type { AgentServices } from '../services.js';
import { discardUpload, refuseOversizedRequest } from '../upload.js';
import { receiveSubmission } from '../submission.js';

export const analyzeRoute = (services: AgentServices): FastifyPluginAsyncZod =>
  async function analyzeRoute(app) {
    const { queue, config } = services;
    app.post(
      '/v1/analyze',
      {
        config: { scope: 'submit' },
        schema: {
          operationId: 'analyzeImage',
          summary: 'Analyse a small image and wait for the result',
          description: `multipart/form-data like POST /v1/jobs; images only (video and audio: 415, use POST /v1/jobs), at most ${config.maxSyncUploadBytes} bytes. Answers the result document.`,
          consumes: ['multipart/form-data'],
          response: { 200: ResultDocument, 400: ErrorBody, 408: ErrorBody, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody, 429: ErrorBody, 507: ErrorBody },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        refuseOversizedRequest(request, config.maxSyncUploadBytes);
        queue.assertAcceptingJobs(principal.tenant);
        services.diskSpace.assertRoomForUpload();
        const { upload, fields, options } = await receiveSubmission(request, services.uploadsDir, config, config.maxSyncUploadBytes);
        let jobId: string;
        try {
          // Anything that is not recognisable media goes on to the job, which reports it with its own code.
          if (fields.callbackUrl) throw new AgentError('BAD_REQUEST', 'callbackUrl is for POST /v1/jobs; POST /v1/analyze answers with the result itself');
          const kind = await sniffMedia(upload.path).then((m) => m.kind, () => undefined);
          if (kind === 'video' || kind === 'audio') {
            throw new AgentError('IMAGES_ONLY', `POST /v1/analyze takes images only; this is ${kind}: send it to POST /v1/jobs and follow it there`);
          }
          jobId = queue.submit({
            tenant: principal.tenant,
            priority: 'interactive',
            inputPath: upload.path,
            fileName: upload.fileName,
            options,
            timeoutMs: fields.timeoutMs,
          }).job.id;
        } catch (err) {
          await discardUpload(upload);
          throw err;
        }
        // A client that hangs up cancels its job rather than leaving it to run for nobody.
        const gone = new AbortController();
        const onClose = (): void => {
          if (!request.raw.complete || request.raw.destroyed) gone.abort();
        };
        request.raw.socket.once('close', onClose);
        try {
          const job = await queue.waitForFinish(principal.tenant, jobId, gone.signal);
          if (job.status === 'succeeded') return job.result as z.infer<typeof ResultDocument>;
          throw new AgentError((job.error?.code ?? 'INTERNAL') as ErrorCode, job.error?.message);
        } catch (err) {
          if (gone.signal.aborted) queue.cancel(principal.tenant, jobId);
          throw err;
        } finally {
          request.raw.socket.off('close', onClose);
        }
      },
    );
  };
