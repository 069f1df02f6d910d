// /v1/jobs: submit (multipart, streamed to disk), status, list with cursor, cancel, progress over SSE.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AgentError } from '../../errors.js';
import { openEventStream } from '../event-stream.js';
import { isTerminal, type JobEvent } from '../../jobs/job-queue.js';
import { principalOf } from '../auth.js';
import { plainJsonSerializerCompiler, pollingRouteLogLevel } from '../polling-routes.js';
import type { AgentServices } from '../services.js';
import { discardUpload, receiveUpload, refuseOversizedRequest } from '../upload.js';
import { ErrorBody, JobAccepted, JobIdParams, JobList, JobView, jobViewJson, ListJobsQuery, SubmitFields, toJobView } from '../schemas.js';

export function parseSubmitFields(fields: Record<string, string>): SubmitFields {
  const parsed = SubmitFields.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AgentError('BAD_REQUEST', `${issue.path.join('.') || 'field'}: ${issue.message}`);
  }
  return parsed.data;
}

export const jobsRoutes = (services: AgentServices): FastifyPluginAsyncZod =>
  async function jobsRoutes(app) {
    const { queue, config } = services;

    app.post(
      '/v1/jobs',
      {
        config: { scope: 'submit' },
        schema: {
          summary: 'Submit media for analysis',
          description:
            'multipart/form-data: the media in field `file`; optional text fields `analyses` (comma list), `priority` ' +
            '(interactive|batch), `ocrLang`, `asrEngine`, `includeEmbeddings`, `timeoutMs`. Header `Idempotency-Key` makes retries safe.',
          consumes: ['multipart/form-data'],
          headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }).loose(),
          response: { 202: JobAccepted, 400: ErrorBody, 413: ErrorBody, 429: ErrorBody },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const idempotencyKey = request.headers['idempotency-key'];
        refuseOversizedRequest(request, config.maxUploadBytes);
        queue.assertAcceptingJobs();
        const upload = await receiveUpload(request, services.uploadsDir, config.maxUploadBytes);
        let accepted;
        try {
          const fields = parseSubmitFields(upload.fields);
          accepted = queue.submit({
            tenant: principal.tenant,
            priority: fields.priority ?? 'batch',
            idempotencyKey,
            inputPath: upload.path,
            fileName: upload.fileName,
            options: { analyses: fields.analyses, ocrLang: fields.ocrLang, asrEngine: fields.asrEngine, includeEmbeddings: fields.includeEmbeddings },
            timeoutMs: fields.timeoutMs,
          });
        } catch (err) {
          await discardUpload(upload);
          throw err;
        }
        if (!accepted.created) {
          await discardUpload(upload);
          void reply.header('idempotent-replayed', 'true');
        }
        request.log.info({ jobId: accepted.job.id, bytes: upload.bytes }, accepted.created ? 'job accepted' : 'idempotent replay');
        return reply.status(202).send({ id: accepted.job.id, status: accepted.job.status });
      },
    );

    app.get(
      '/v1/jobs/:id',
      {
        config: { scope: 'submit' },
        serializerCompiler: plainJsonSerializerCompiler,
        logLevel: pollingRouteLogLevel(config.logLevel),
        schema: { summary: 'A job with its result', params: JobIdParams, response: { 200: JobView, 404: ErrorBody } },
      },
      async (request, reply) => {
        const found = queue.getWithResultJson(principalOf(request).tenant, request.params.id);
        if (!found) throw new AgentError('NOT_FOUND', `no job ${request.params.id}`);
        // Fastify sends a JSON string body as it is; the type provider only knows the object form of JobView.
        return reply.type('application/json').send(jobViewJson(found.job, found.resultJson) as unknown as JobView);
      },
    );

    app.get(
      '/v1/jobs',
      {
        config: { scope: 'submit' },
        schema: { summary: "The tenant's jobs, newest first", querystring: ListJobsQuery, response: { 200: JobList } },
      },
      async (request) => {
        const { limit, cursor, status } = request.query;
        const jobs = queue.list(principalOf(request).tenant, { limit: limit + 1, beforeSeq: cursor ? Number(cursor) : undefined, status });
        const page = jobs.slice(0, limit);
        return {
          jobs: page.map((job) => toJobView(job, false)),
          nextCursor: jobs.length > limit ? String(page[page.length - 1].seq) : null,
        };
      },
    );

    app.delete(
      '/v1/jobs/:id',
      { config: { scope: 'submit' }, schema: { summary: 'Cancel a job', params: JobIdParams, response: { 200: JobView, 404: ErrorBody } } },
      async (request) => toJobView(queue.cancel(principalOf(request).tenant, request.params.id)),
    );

    app.get(
      '/v1/jobs/:id/events',
      {
        config: { scope: 'submit' },
        schema: {
          summary: 'Progress as server-sent events',
          description: 'Each event is `event: status|progress` with JSON `{ jobId, seq, type, status, progress, stage, error? }`; the stream ends after a terminal status.',
          params: JobIdParams,
        },
      },
      async (request, reply) => {
        const tenant = principalOf(request).tenant;
        const job = queue.get(tenant, request.params.id);
        if (!job) throw new AgentError('NOT_FOUND', `no job ${request.params.id}`);
        let unsubscribe = (): void => undefined;
        const stream = openEventStream(reply, () => unsubscribe());
        const write = (event: Omit<JobEvent, 'tenant'> & { tenant?: string }): void => {
          const { tenant: _tenant, durationMs: _durationMs, ...payload } = event;
          stream.send(event.type, payload);
        };
        unsubscribe = queue.subscribe(job.id, (event) => {
          write(event);
          if (event.type === 'status' && isTerminal(event.status)) stream.close();
        });
        // The current state first, so a late subscriber still learns how things stand.
        const current = queue.get(tenant, job.id)!;
        write({ jobId: current.id, seq: 0, type: 'status', status: current.status, progress: current.progress, stage: current.stage, ...(current.error ? { error: current.error } : {}) });
        if (isTerminal(current.status)) stream.close();
      },
    );
  };
