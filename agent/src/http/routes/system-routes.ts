// Health (liveness and readiness), info, Prometheus metrics and the OpenAPI document.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { imageAnalysisNames } from '../../contracts/result-document.js';
import { describeHardware } from '../../bench/hardware.js';
import type { AgentMetrics } from '../metrics.js';
import { plainJsonSerializerCompiler, pollingRouteLogLevel } from '../polling-routes.js';
import { Health, Info } from '../schemas.js';
import type { AgentServices } from '../services.js';

export const systemRoutes = (services: AgentServices, metrics: AgentMetrics): FastifyPluginAsyncZod =>
  async function systemRoutes(app) {
    const { queue, jobs, config } = services;
    // Health is polled hard (dashboards, load balancers); a queued count up to 100 ms old saves it a query each time.
    let queued = { at: -Infinity, count: 0 };
    const queuedCount = (): number => {
      const now = performance.now();
      if (now - queued.at >= 100) queued = { at: now, count: jobs.countQueued() };
      return queued.count;
    };

    app.get(
      '/v1/health',
      {
        config: { scope: 'read' },
        serializerCompiler: plainJsonSerializerCompiler,
        logLevel: pollingRouteLogLevel(config.logLevel),
        schema: {
          summary: 'Liveness and readiness',
          description: 'Always 200 while the process serves (liveness); `ready` is false, and `?ready=1` answers 503, until the workers have loaded their models.',
          querystring: z.object({ ready: z.enum(['0', '1']).optional() }),
          response: { 200: Health, 503: Health },
        },
      },
      async (request, reply) => {
        const { status, ready } = services.readiness();
        const body: z.infer<typeof Health> = {
          status,
          live: true,
          ready,
          queue: { queued: queuedCount(), running: queue.runningCount, workers: config.workers },
          ...(services.cluster ? { cluster: services.cluster.status() } : {}),
        };
        return reply.status(request.query.ready === '1' && !ready ? 503 : 200).send(body);
      },
    );

    app.get(
      '/v1/info',
      { config: { scope: 'read' }, schema: { summary: 'Version, hardware, analyses and models', response: { 200: Info } } },
      async () => {
        const models = await services.describeModels();
        const installedAnalyses = new Set(models.filter((m) => m.installed).map((m) => m.analysis));
        return {
          name: 'mediafleet-agent' as const,
          version: services.version,
          agentId: config.agentId,
          hardware: describeHardware(),
          analyses: imageAnalysisNames.filter((a) => models.length === 0 || installedAnalyses.has(a)),
          models,
          workers: config.workers,
          vectorSearch: services.hasVectorSearch ? ('sqlite-vec' as const) : ('exact-scan' as const),
          ...(services.cluster ? { cluster: services.cluster.status() } : {}),
          limits: {
            maxUploadBytes: config.maxUploadBytes,
            maxSyncUploadBytes: config.maxSyncUploadBytes,
            maxQueueDepth: config.maxQueueDepth,
            jobTimeoutMs: config.jobTimeoutMs,
          },
        };
      },
    );

    // GET /v1/models lives in models-routes.ts with the rest of the model manager's API.

    app.get('/metrics', { config: { scope: 'read' }, schema: { summary: 'Prometheus metrics', hide: false } }, async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    });

    app.get('/v1/openapi.json', { config: { scope: 'public' }, schema: { hide: true } }, async () => app.swagger());
  };
