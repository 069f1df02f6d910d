// GET /v1/cluster/inputs/:id — cluster mode only: another agent of the cluster, about to run a job this agent
// accepted, fetches its upload here. Not a tenant API: no token of the agent's own, but the job's input token
// (an HMAC only this agent can make, carried in the shared queue), and only while the job is in the cluster.
import fs from 'node:fs';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AgentError } from '../../errors.js';
import { ClusterInputParams, ErrorBody } from '../../contracts/http-v1.js';
import type { AgentServices } from '../services.js';

export const clusterRoutes = (services: AgentServices): FastifyPluginAsyncZod =>
  async function clusterRoutes(app) {
    const { cluster } = services;
    if (!cluster) return;
    app.get(
      '/v1/cluster/inputs/:id',
      {
        // 'public' for the agent's token check; the route checks the job's input token itself.
        config: { scope: 'public' },
        schema: {
          operationId: 'getClusterInput', summary: 'The upload of a job, for the cluster agent that runs it',
          description:
            'Authorization: Bearer <the input token from the shared queue>. 404 once the job is finished or canceled.',
          params: ClusterInputParams,
          response: {
            200: z.any().describe('the upload as it was received'),
            401: ErrorBody,
            404: ErrorBody,
          },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
        if (!token || !cluster.inputTokens.verify(id, token))
          throw new AgentError('UNAUTHORIZED', 'not a valid input token for this job');
        const inputPath = cluster.dispatchedInput(id);
        if (!inputPath)
          throw new AgentError(
            'NOT_FOUND',
            `job ${id} is not waiting in the cluster (finished, canceled or unknown here)`,
          );
        const stat = await fs.promises.stat(inputPath).catch(() => {
          throw new AgentError('NOT_FOUND', `the upload of job ${id} is no longer stored`);
        });
        return reply
          .header('content-type', 'application/octet-stream')
          .header('content-length', stat.size)
          .send(fs.createReadStream(inputPath));
      },
    );
  };
