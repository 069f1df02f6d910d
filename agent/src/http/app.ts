// Builds the Fastify app (fastify/demo's shape): validation and OpenAPI, the protections (security headers, rate
// limit per token, load shedding under pressure) with their settings from config.ts, auth, error handling,
// metrics, then one plugin per feature. No listening here: server.ts does that, tests use `inject` or listen.
import fastifyHelmet from '@fastify/helmet';
import fastifyMultipart from '@fastify/multipart';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifyUnderPressure from '@fastify/under-pressure';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { OpenAPIV3 } from 'openapi-types';
import { AgentError } from '../errors.js';
import type { Logger } from '../logger.js';
import { collectRouteTable, installAuth } from './auth.js';
import { installErrorHandler, sendFrameworkError, writeClientError } from './http-errors.js';
import { createAgentMetrics, instrumentHttp } from './metrics.js';
import { analyzeRoute } from './routes/analyze-route.js';
import { benchRoute } from './routes/bench-route.js';
import { clusterRoutes } from './routes/cluster-routes.js';
import { facesRoutes } from './routes/faces-routes.js';
import { jobsRoutes } from './routes/jobs-routes.js';
import { erasureRoutes } from './routes/erasure-routes.js';
import { webhooksRoutes } from './routes/webhooks-routes.js';
import { systemRoutes } from './routes/system-routes.js';
import { tokensRoutes } from './routes/tokens-routes.js';
import { keyframeRoutes } from './routes/keyframe-routes.js';
import { modelsRoutes } from './routes/models-routes.js';
import { speakersRoutes } from './routes/speakers-routes.js';
import { transcriptRoutes } from './routes/transcript-routes.js';
import type { AgentServices } from './services.js';
import { uploadDeadlineMs } from './upload.js';
import { completeOpenApiDocument, openApiRouteTransform } from './openapi.js';
import type { Pairing } from '../pairing/pairing.js';
import { pairingRoutes } from '../pairing/pairing-routes.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Monitoring routes (health, metrics) answer even while the agent sheds load. */
    answersUnderPressure?: boolean;
  }
}

/** The bearer token's id (`mf_<id>_…`) without checking it: the rate limit's key. Auth runs first and refuses bad tokens. */
function tokenIdOf(authorization: string | undefined): string | undefined {
  return /^Bearer\s+mf_([a-z0-9]{12})_/i.exec(authorization ?? '')?.[1];
}

export interface AppTransport {
  /** HTTPS with this key and certificate (the agent's self-signed identity); plain HTTP without. */
  tls?: { key: string; cert: string };
  /** Pairing mode: the two public pairing routes. */
  pairing?: Pairing;
}

export async function buildApp(services: AgentServices, logger: Logger, transport: AppTransport = {}): Promise<FastifyInstance> {
  const { config } = services;
  // Fastify types an HTTPS instance apart from an HTTP one; every route here is the same on both.
  const app = (Fastify as unknown as (options: object) => FastifyInstance)({
    ...(transport.tls ? { https: { key: transport.tls.key, cert: transport.tls.cert } } : {}),
    loggerInstance: logger as FastifyBaseLogger,
    requestIdHeader: 'x-request-id',
    // JSON bodies are small (token and person edits); media only ever arrives as multipart.
    bodyLimit: 1024 * 1024,
    // Sockets may sit idle (an SSE stream between events, /v1/analyze waiting on its job); uploads are bounded
    // by their own idle and rate checks (upload.ts), and every request by this, the longest an upload may take.
    connectionTimeout: 0,
    requestTimeout: uploadDeadlineMs(config.maxUploadBytes + 64 * 1024, { idleMs: config.uploadIdleMs, minBytesPerSec: config.uploadMinBytesPerSec }) + 30_000,
    frameworkErrors: sendFrameworkError,
    clientErrorHandler: writeClientError,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app, { onDiskFull: () => services.diskSpace.noteWriteFailure() });

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Mediafleet agent API',
        version: services.version,
        description:
          'Media analysis jobs, results, face and speaker search, erasure and webhooks. Every error answers `{ "error": { "code", "message" } }` ' +
          'with a stable code. Tokens are scoped (read ⊂ submit ⊂ admin ⊂ all-tenants) and belong to a tenant, which sees only its own jobs.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: openApiRouteTransform,
    transformObject: (input) => completeOpenApiDocument((input as { openapiObject: OpenAPIV3.Document }).openapiObject),
  });
  await app.register(fastifyMultipart, {
    limits: { fileSize: config.maxUploadBytes, files: 1, fields: 20, fieldSize: 16 * 1024 },
  });
  await app.register(fastifyHelmet, { global: true });

  collectRouteTable(app);
  installAuth(app, services.tokens);
  // After auth (hooks run in order): only a request the console's own token authenticated renews the lease.
  app.addHook('onRequest', async (request) => services.selfDestroy.noteContact(request.principal));

  // Per token (auth has run: a request with a bad token is refused before it counts), per address without one.
  if (config.rateLimitPerMinute > 0) {
    await app.register(fastifyRateLimit, {
      global: true,
      max: config.rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request) => (tokenIdOf(request.headers.authorization) ? `token:${tokenIdOf(request.headers.authorization)}` : `ip:${request.ip}`),
      errorResponseBuilder: (_request, context) =>
        new AgentError('RATE_LIMITED', `more than ${context.max} requests a minute with this token; retry in ${context.after}`, {
          retryAfterSec: Math.max(1, Math.ceil(context.ttl / 1000)),
        }),
    });
  }
  if (config.maxEventLoopDelayMs > 0 || config.maxHeapUsedBytes > 0) {
    await app.register(fastifyUnderPressure, {
      maxEventLoopDelay: config.maxEventLoopDelayMs,
      maxHeapUsedBytes: config.maxHeapUsedBytes,
      pressureHandler: async (request, _reply, type, value) => {
        if (request.routeOptions.config?.answersUnderPressure) return;
        throw new AgentError('OVERLOADED', `the agent is overloaded (${type} ${Math.round(Number(value ?? 0))}); retry shortly`, { retryAfterSec: 10 });
      },
    });
  }

  const metrics = createAgentMetrics(services.queue, services.jobs, {
    diskFull: () => services.diskSpace.status().full,
    uploadsBytes: () => services.uploadsUsage().bytes,
  });
  instrumentHttp(app, metrics);

  await app.register(systemRoutes(services, metrics));
  await app.register(jobsRoutes(services));
  await app.register(erasureRoutes(services));
  await app.register(webhooksRoutes(services));
  await app.register(transcriptRoutes(services));
  await app.register(keyframeRoutes(services));
  await app.register(analyzeRoute(services));
  await app.register(facesRoutes(services));
  await app.register(tokensRoutes(services));
  await app.register(benchRoute(services));
  await app.register(modelsRoutes(services));
  await app.register(clusterRoutes(services));
  await app.register(speakersRoutes(services, services.speakerIndex));
  if (transport.pairing) await app.register(pairingRoutes(transport.pairing));
  return app;
}
