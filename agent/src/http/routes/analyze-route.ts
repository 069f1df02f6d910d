// POST /v1/analyze: the synchronous path for small images. It goes through the same queue and workers as
// jobs (interactive priority), so it shares their capacity, limits and crash safety, and answers with the
// result document once the job is done.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ResultDocument } from '../../contracts/result-document.js';
import { AgentError, type ErrorCode } from '../../errors.js';
import { principalOf } from '../auth.js';
import { ErrorBody } from '../schemas.js';
import type { AgentServices } from '../services.js';
import { discardUpload, receiveUpload, refuseOversizedRequest } from '../upload.js';
import { parseSubmitFields } from './jobs-routes.js';

export const analyzeRoute = (services: AgentServices): FastifyPluginAsyncZod =>
  async function analyzeRoute(app) {
    const { queue, config } = services;
    app.post(
      '/v1/analyze',
      {
        config: { scope: 'submit' },
        schema: {
          summary: 'Analyse a small image and wait for the result',
          description: `multipart/form-data like POST /v1/jobs; at most ${config.maxSyncUploadBytes} bytes. Answers the result document.`,
          consumes: ['multipart/form-data'],
          response: { 200: ResultDocument, 400: ErrorBody, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody, 429: ErrorBody },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        refuseOversizedRequest(request, config.maxSyncUploadBytes);
        queue.assertAcceptingJobs();
        const upload = await receiveUpload(request, services.uploadsDir, config.maxSyncUploadBytes);
        let jobId: string;
        try {
          const fields = parseSubmitFields(upload.fields);
          jobId = queue.submit({
            tenant: principal.tenant,
            priority: 'interactive',
            inputPath: upload.path,
            fileName: upload.fileName,
            options: { analyses: fields.analyses, ocrLang: fields.ocrLang, asrEngine: fields.asrEngine, includeEmbeddings: fields.includeEmbeddings },
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
