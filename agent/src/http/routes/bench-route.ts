// POST /v1/bench (admin): the benchmark on this agent, with its hardware facts, for comparing server sizes.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { toErrorInfo } from '../../errors.js';
import { openEventStream } from '../event-stream.js';
import { BenchBody, BenchReport } from '../../contracts/http-v1.js';
import type { AgentServices } from '../services.js';


export const benchRoute = (services: AgentServices): FastifyPluginAsyncZod =>
  async function benchRoute(app) {
    app.post(
      '/v1/bench',
      {
        config: { scope: 'admin' },
        schema: {
          operationId: 'runBench', summary: 'Run the image benchmark on this agent',
          description:
            'Answers with the report when the run is over. With `Accept: text/event-stream` it streams `event: progress` ' +
            '({done, total} images) as the run goes, then `event: result` (the report) or `event: error` ({code, message}). ' +
            'Closing the connection before the end cancels the run: its jobs are canceled and the workers stop on them.',
          body: BenchBody,
          response: { 200: BenchReport },
        },
      },
      async (request, reply) => {
        const abort = new AbortController();
        // 'close' on the response fires when the connection goes before the answer is written: the client gave up.
        reply.raw.on('close', () => {
          if (!reply.raw.writableFinished) abort.abort();
        });
        const options = { rounds: request.body.rounds, analyses: request.body.analyses, signal: abort.signal };
        if (!(request.headers.accept ?? '').includes('text/event-stream')) return services.runBench(options);

        const stream = openEventStream(reply);
        try {
          const report = await services.runBench({ ...options, onProgress: (done, total) => stream.send('progress', { done, total }) });
          stream.send('result', BenchReport.parse(report));
        } catch (err) {
          const info = toErrorInfo(err);
          if (info.code === 'INTERNAL') request.log.error({ err }, 'benchmark failed');
          stream.send('error', info);
        } finally {
          stream.close();
        }
      },
    );
  };
