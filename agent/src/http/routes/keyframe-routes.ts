// GET /v1/jobs/:id/keyframes/:n.jpg: the thumbnail of the n-th keyframe (0-based, the index in the result's
// `timeline`). Same rules as GET /v1/jobs/:id (submit scope, another tenant's job is 404). Only a file name the
// job's own result lists is served, from that job's directory, so no request can reach another file.
import fs from 'node:fs';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { thumbnailPath } from '../../analyzers/video/analyze-video.js';
import type { ResultDocument } from '../../contracts/result-document.js';
import { AgentError } from '../../errors.js';
import { principalOf } from '../auth.js';
import { ErrorBody, KeyframeParams } from '../../contracts/http-v1.js';
import type { AgentServices } from '../services.js';
import { jobThumbnailsDir } from '../thumbnails.js';


export const keyframeRoutes = (services: AgentServices): FastifyPluginAsyncZod =>
  async function keyframeRoutes(app) {
    app.get(
      '/v1/jobs/:id/keyframes/:n.jpg',
      {
        config: { scope: 'submit' },
        schema: { operationId: 'getKeyframe', summary: 'A keyframe thumbnail (JPEG) of a video job', params: KeyframeParams, response: { 200: z.any().describe('image/jpeg'), 404: ErrorBody } },
      },
      async (request, reply) => {
        const { id, n } = request.params;
        const job = services.queue.get(principalOf(request).tenant, id);
        if (!job) throw new AgentError('NOT_FOUND', `no job ${id}`);
        const name = (job.result as Pick<ResultDocument, 'timeline'> | undefined)?.timeline?.[n]?.thumbnail;
        if (!name) throw new AgentError('NOT_FOUND', `job ${id} has no keyframe thumbnail ${n}`);
        const file = thumbnailPath(jobThumbnailsDir(services.config.dataDir, job.id), name);
        // Thumbnails are small (320 px wide JPEGs); read whole.
        const jpeg = await fs.promises.readFile(file).catch(() => {
          throw new AgentError('NOT_FOUND', `the thumbnail of keyframe ${n} of job ${id} is no longer stored`);
        });
        return reply.header('content-type', 'image/jpeg').header('cache-control', 'private, max-age=86400').send(jpeg);
      },
    );
  };
