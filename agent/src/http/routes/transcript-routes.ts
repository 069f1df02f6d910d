// /v1/jobs/:id/transcript.srt|vtt: a finished job's transcript as subtitles. Same rules as GET /v1/jobs/:id:
// submit scope, another tenant's job is 404, and so is a job whose result has no transcript.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TranscriptSection } from '../../contracts/result-document.js';
import { toSrt, toVtt } from '../../analyzers/transcribe/subtitles.js';
import { AgentError } from '../../errors.js';
import { principalOf } from '../auth.js';
import { ErrorBody, JobIdParams } from '../../contracts/http-v1.js';
import type { AgentServices } from '../services.js';

const subtitleFormats = {
  srt: { contentType: 'application/x-subrip', render: toSrt },
  vtt: { contentType: 'text/vtt; charset=utf-8', render: toVtt },
} as const;

export const transcriptRoutes = (services: AgentServices): FastifyPluginAsyncZod =>
  async function transcriptRoutes(app) {
    for (const [extension, format] of Object.entries(subtitleFormats)) {
      app.get(
        `/v1/jobs/:id/transcript.${extension}`,
        {
          config: { scope: 'submit' },
          schema: { operationId: `getTranscript${extension[0].toUpperCase()}${extension.slice(1)}`, summary: `The job's transcript as ${extension.toUpperCase()}`, params: JobIdParams, response: { 200: z.string().describe(format.contentType), 404: ErrorBody } },
        },
        async (request, reply) => {
          const job = services.queue.get(principalOf(request).tenant, request.params.id);
          if (!job) throw new AgentError('NOT_FOUND', `no job ${request.params.id}`);
          const transcript = (job.result as { transcript?: TranscriptSection } | undefined)?.transcript;
          if (!transcript) {
            const why = job.status === 'succeeded' ? 'its result has none (transcripts come from audio/video with the transcribe analysis)' : `it is ${job.status}`;
            throw new AgentError('NOT_FOUND', `there is no transcript for job ${job.id}: ${why}`);
          }
          return reply.header('content-type', format.contentType).send(format.render(transcript));
        },
      );
    }
  };
