// /v1/jobs: submit (multipart, streamed to disk), status, list with cursor, cancel, progress over SSE.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AgentError } from '../../errors.js';
import { openEventStream } from '../event-stream.js';
import { isTerminal, type JobEvent } from '../../jobs/job-queue.js';
import { principalOf } from '../auth.js';
import { plainJsonSerializerCompiler, pollingRouteLogLevel } from '../polling-routes.js';
import type { AgentServices } from '../services.js';
import { discardUpload, refuseOversizedRequest } from '../upload.js';
import { receiveSubmission } from '../submission.js';
import { checkCallbackUrl } from '../../webhooks/callback-url.js';
import { ErrorBody, IdempotencyHeaders, JobAccepted, JobIdParams, JobList, JobView, LastEventIdHeaders, ListJobsQuery } from '../../contracts/http-v1.js';
import { jobViewJson, toJobView } from '../job-view.js';

/** A job's callback URL as it will be called: allowed by the operator's policy, and the tenant can sign it. */
async function acceptedCallbackUrl(raw: string, tenant: string, services: AgentServices): Promise<string> {
  const url = await checkCallbackUrl(raw, { allowHttp: services.config.webhookAllowHttp, allowPrivate: services.config.webhookAllowPrivate });
  if (!services.webhooks.secretOf(tenant)) {
    throw new AgentError('WEBHOOK_SECRET_MISSING', 'this tenant has no webhook secret to sign callbacks with: an admin of the tenant makes one with POST /v1/webhooks/secret');
  }
  return url.href;
}

export const jobsRoutes = (services: AgentServices): FastifyPluginAsyncZod =>
  async function jobsRoutes(app) {
    const { queue, config } = services;

    app.post(
      '/v1/jobs',
      {
        config: { scope: 'submit' },
        schema: {
          operationId: 'submitJob',
          summary: 'Submit media for analysis',
          description:
            'multipart/form-data: the media in field `file`; optional text fields `analyses` (comma list), `priority` ' +
            '(interactive|batch), `ocrLang`, `asrEngine`, `includeEmbeddings`, `timeoutMs` (at most the agent\'s maximum, ' +
            '`limits.maxJobTimeoutMs` in /v1/info). Header `Idempotency-Key` makes retries safe: the same key with the same file ' +
            'and analyses answers the first job (header `Idempotent-Replayed: true`), with another file or other analyses 422 ' +
            '`IDEMPOTENCY_KEY_REUSED`. A job under the key that failed or was canceled stays so when replayed; send ' +
            '`Rerun-Failed: true` to run it again under the same id. Field `callbackUrl` (https): the agent POSTs the job\'s final state there, ' +
            'signed with the tenant\'s webhook secret (POST /v1/webhooks/secret), retrying for a while; GET /v1/jobs/{id}/webhooks shows the deliveries.',
          consumes: ['multipart/form-data'],
          headers: IdempotencyHeaders,
          response: { 202: JobAccepted, 400: ErrorBody, 408: ErrorBody, 409: ErrorBody, 413: ErrorBody, 422: ErrorBody, 429: ErrorBody, 507: ErrorBody },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const idempotencyKey = request.headers['idempotency-key'];
        refuseOversizedRequest(request, config.maxUploadBytes);
        queue.assertAcceptingJobs(principal.tenant);
        services.diskSpace.assertRoomForUpload();
        const { upload, fields, options, requestSha256 } = await receiveSubmission(request, services.uploadsDir, config, config.maxUploadBytes);
        let accepted;
        try {
          const callbackUrl = fields.callbackUrl ? await acceptedCallbackUrl(fields.callbackUrl, principal.tenant, services) : undefined;
          accepted = queue.submit({
            tenant: principal.tenant,
            priority: fields.priority ?? 'batch',
            idempotencyKey,
            inputPath: upload.path,
            fileName: upload.fileName,
            options,
            timeoutMs: fields.timeoutMs,
            requestSha256,
            rerunFailed: request.headers['rerun-failed'] === 'true',
            callbackUrl,
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
        schema: { operationId: 'getJob', summary: 'A job with its result', params: JobIdParams, response: { 200: JobView, 404: ErrorBody } },
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
        schema: { operationId: 'listJobs', summary: "The tenant's jobs, newest first", querystring: ListJobsQuery, response: { 200: JobList } },
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
      { config: { scope: 'submit' }, schema: { operationId: 'cancelJob', summary: 'Cancel a job', params: JobIdParams, response: { 200: JobView, 404: ErrorBody } } },
      async (request) => toJobView(queue.cancel(principalOf(request).tenant, request.params.id)),
    );

    app.get(
      '/v1/jobs/:id/events',
      {
        config: { scope: 'submit' },
        schema: {
          operationId: 'streamJobEvents',
          summary: 'Progress as server-sent events',
          description:
            'Each event is `event: status|progress`, `id: <seq>` and JSON `{ jobId, seq, type, status, progress, stage, error? }`; `seq` counts ' +
            "this job's events. The stream starts with the current state and ends after a terminal status. Reconnecting with " +
            '`Last-Event-ID: <seq>` resumes: the current state comes first only if it changed since that event.',
          params: JobIdParams,
          headers: LastEventIdHeaders,
        },
      },
      async (request, reply) => {
        const tenant = principalOf(request).tenant;
        const job = queue.get(tenant, request.params.id);
        if (!job) throw new AgentError('NOT_FOUND', `no job ${request.params.id}`);
        let lastSent = request.headers['last-event-id'] ?? 0;
        let unsubscribe = (): void => undefined;
        const stream = openEventStream(reply, () => unsubscribe());
        // Events are sent in seq order and each at most once: the current state may already cover one that arrives.
        const write = (event: Omit<JobEvent, 'tenant'> & { tenant?: string }): void => {
          if (event.seq <= lastSent) return;
          lastSent = event.seq;
          const { tenant: _tenant, durationMs: _durationMs, ...payload } = event;
          stream.send(event.type, payload, event.seq);
        };
        unsubscribe = queue.subscribe(job.id, (event) => {
          write(event);
          if (event.type === 'status' && isTerminal(event.status)) stream.close();
        });
        // The current state first, so a late (or resuming) subscriber learns how things stand.
        const current = queue.get(tenant, job.id)!;
        write({ jobId: current.id, seq: current.eventSeq, type: 'status', status: current.status, progress: current.progress, stage: current.stage, ...(current.error ? { error: current.error } : {}) });
        if (isTerminal(current.status)) stream.close();
      },
    );
  };
