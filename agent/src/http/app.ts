// Builds the Fastify app (fastify/demo's shape): validation and OpenAPI, auth, error handling, metrics, then
// one plugin per feature. No listening here: server.ts does that, tests use `inject` or listen themselves.
import fastifyMultipart from '@fastify/multipart';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from '../logger.js';
import { installAuth } from './auth.js';
import { installErrorHandler } from './http-errors.js';
import { createAgentMetrics, instrumentHttp } from './metrics.js';
import { analyzeRoute } from './routes/analyze-route.js';
import { benchRoute } from './routes/bench-route.js';
import { clusterRoutes } from './routes/cluster-routes.js';
import { facesRoutes } from './routes/faces-routes.js';
import { jobsRoutes } from './routes/jobs-routes.js';
import { systemRoutes } from './routes/system-routes.js';
import { tokensRoutes } from './routes/tokens-routes.js';
import { keyframeRoutes } from './routes/keyframe-routes.js';
import { modelsRoutes } from './routes/models-routes.js';
import { speakersRoutes } from './routes/speakers-routes.js';
import { transcriptRoutes } from './routes/transcript-routes.js';
import type { AgentServices } from './services.js';

export async function buildApp(services: AgentServices, logger: Logger): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    requestIdHeader: 'x-request-id',
    // JSON bodies are small (token and person edits); media only ever arrives as multipart.
    bodyLimit: 1024 * 1024,
    connectionTimeout: 0,
    requestTimeout: 0,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Mediafleet agent API', version: services.version, description: 'Media analysis jobs, results, face search.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifyMultipart, {
    limits: { fileSize: services.config.maxUploadBytes, files: 1, fields: 20, fieldSize: 16 * 1024 },
  });

  installAuth(app, services.tokens);
  const metrics = createAgentMetrics(services.queue, services.jobs);
  instrumentHttp(app, metrics);

  await app.register(systemRoutes(services, metrics));
  await app.register(jobsRoutes(services));
  await app.register(transcriptRoutes(services));
  await app.register(keyframeRoutes(services));
  await app.register(analyzeRoute(services));
  await app.register(facesRoutes(services));
  await app.register(tokensRoutes(services));
  await app.register(benchRoute(services));
  await app.register(modelsRoutes(services));
  await app.register(clusterRoutes(services));
  await app.register(speakersRoutes(services, services.speakerIndex));
  return app;
}
