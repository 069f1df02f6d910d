// Health (liveness and readiness), info, Prometheus metrics and the OpenAPI document.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { imageAnalysisNames } from '../../contracts/result-document.js';
import { describeHardware } from '../../bench/hardware.js';
import { describeMediaTools } from '../../media/av/media-tools.js';
import type { AgentMetrics } from '../metrics.js';
import { plainJsonSerializerCompiler, pollingRouteLogLevel } from '../polling-routes.js';
import { Health, HealthQuery, Info } from '../../contracts/http-v1.js';
import type { AgentServices } from '../services.js';
import type { OpenAPIV3 } from 'openapi-types';
import { servedOpenApiDocument } from '../openapi.js';

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
    // Audio and video: ffmpeg ships with the agent, so video always; transcription when an ASR engine can run here;
    // speakers when both speaker models are installed. Asked once a minute (engines are probed on the disk).
    let av: { at: number; analyses: Promise<string[]> } | null = null;
    const avAnalyses = (): Promise<string[]> => {
      if (!av || Date.now() - av.at > 60_000) {
        av = {
          at: Date.now(),
          analyses: import('../../analyzers/av/describe-av-capabilities.js')
            .then((m) => m.describeAvCapabilities())
            .then((caps) => {
              const installed = new Set(caps.models.filter((m) => m.installed).map((m) => m.task));
              return [
                'video',
                ...(caps.asrEngines.some((e) => e.available) ? ['transcribe'] : []),
                ...(installed.has('speaker-embedding') && installed.has('speaker-segmentation') ? ['speakers'] : []),
              ];
            })
            .catch(() => ['video']),
        };
      }
      return av.analyses;
    };

    app.get(
      '/v1/health',
      {
        config: { scope: 'read', answersUnderPressure: true },
        serializerCompiler: plainJsonSerializerCompiler,
        logLevel: pollingRouteLogLevel(config.logLevel),
        schema: {
          operationId: 'getHealth',
          summary: 'Liveness and readiness',
          description: 'Always 200 while the process serves (liveness); `ready` is false, with the `reason`, and `?ready=1` answers 503, until the workers have loaded their models, while the agent stops, and when a warm-up model failed to load.',
          querystring: HealthQuery,
          response: { 200: Health, 503: Health },
        },
      },
      async (request, reply) => {
        const { status, ready, reason } = services.readiness();
        const body: z.infer<typeof Health> = {
          status,
          live: true,
          ready,
          ...(reason ? { reason } : {}),
          queue: { queued: queuedCount(), running: queue.runningCount, workers: config.workers },
          disk: { ...services.diskSpace.status(), uploads: services.uploadsUsage() },
          ...(services.cluster ? { cluster: services.cluster.status() } : {}),
          selfDestroy: services.selfDestroy.status(),
        };
        return reply.status(request.query.ready === '1' && !ready ? 503 : 200).send(body);
      },
    );

    app.get(
      '/v1/info',
      { config: { scope: 'read' }, schema: { operationId: 'getInfo', summary: 'Version, hardware, analyses and models', response: { 200: Info } } },
      async () => {
        const models = await services.describeModels();
        const installedAnalyses = new Set(models.filter((m) => m.installed).map((m) => m.analysis));
        const av = await avAnalyses();
        return {
          name: 'mediafleet-agent' as const,
          version: services.version,
          agentId: config.agentId,
          hardware: describeHardware(),
          // What a dispatcher may send here: the image analyses whose models are installed, and the audio/video ones
          // this machine can run.
          analyses: [...imageAnalysisNames.filter((a) => models.length === 0 || installedAnalyses.has(a)), ...av],
          models,
          workers: config.workers,
          vectorSearch: services.hasVectorSearch ? ('sqlite-vec' as const) : ('exact-scan' as const),
          ...(services.cluster ? { cluster: services.cluster.status() } : {}),
          devices: services.devices(),
          mediaTools: describeMediaTools(),
          selfDestroy: services.selfDestroy.status(),
          limits: {
            maxUploadBytes: config.maxUploadBytes,
            maxSyncUploadBytes: config.maxSyncUploadBytes,
            maxQueueDepth: config.maxQueueDepth,
            maxQueuePerTenant: config.maxQueuePerTenant,
            jobTimeoutMs: config.jobTimeoutMs,
            maxJobTimeoutMs: config.maxJobTimeoutMs,
          },
        };
      },
    );

    // GET /v1/models lives in models-routes.ts with the rest of the model manager's API.

    app.get('/metrics', { config: { scope: 'read', answersUnderPressure: true }, schema: { operationId: 'getMetrics', summary: 'Prometheus metrics', hide: false } }, async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    });

    app.get('/v1/openapi.json', { config: { scope: 'public' }, schema: { hide: true } }, async (request) =>
      servedOpenApiDocument(app.swagger() as OpenAPIV3.Document, request),
    );
  };
