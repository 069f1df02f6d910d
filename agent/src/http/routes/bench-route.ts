// POST /v1/bench (admin): the benchmark on this agent, with its hardware facts, for comparing server sizes.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AnalysisName } from '../../contracts/result-document.js';
import { Hardware } from '../schemas.js';
import type { AgentServices } from '../services.js';

const Percentiles = z.object({ p50_ms: z.number(), p95_ms: z.number() });
export const BenchReportSchema = z.object({
  hardware: Hardware,
  workers: z.number().int(),
  images: z.number().int(),
  rounds: z.number().int(),
  analyses: z.record(z.string(), Percentiles),
  suite_p50_ms: z.number(),
  suite_p95_ms: z.number(),
  images_per_hour: z.number(),
  rss_mb: z.number(),
});

export const benchRoute = (services: AgentServices): FastifyPluginAsyncZod =>
  async function benchRoute(app) {
    app.post(
      '/v1/bench',
      {
        config: { scope: 'admin' },
        schema: {
          summary: 'Run the image benchmark on this agent',
          body: z.object({ rounds: z.number().int().min(1).max(10).default(1), analyses: z.array(AnalysisName).optional() }).default({ rounds: 1 }),
          response: { 200: BenchReportSchema },
        },
      },
      async (request) => services.runBench({ rounds: request.body.rounds, analyses: request.body.analyses }),
    );
  };
