// Webhooks: the tenant's signing secret (admin: made or replaced, shown once) and a job's delivery log (submit).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorBody, JobIdParams, WebhookDeliveryList, WebhookSecret } from '../../contracts/http-v1.js';
import { AgentError } from '../../errors.js';
import { principalOf } from '../auth.js';
import type { AgentServices } from '../services.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export const webhooksRoutes = (services: AgentServices): FastifyPluginAsyncZod =>
  async function webhooksRoutes(app) {
    const { webhooks, audit, queue } = services;
    app.post(
      '/v1/webhooks/secret',
      {
        config: { scope: 'admin' },
        schema: {
          operationId: 'rotateWebhookSecret',
          summary: "Make or replace the caller's tenant's webhook secret",
          description:
            'Every callback of the tenant is signed with it from now on: header `Mediafleet-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 ' +
            'of "<t>.<raw body>">`. The secret is shown only in this answer.',
          response: { 201: WebhookSecret },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const { secret, createdAt } = webhooks.rotateSecret(principal.tenant);
        audit.record({ action: 'webhook-secret.rotated', tenant: principal.tenant, actor: { kind: 'token', id: principal.id, tenant: principal.tenant } });
        return reply.status(201).send({ tenant: principal.tenant, secret, createdAt: iso(createdAt)! });
      },
    );
    app.get(
      '/v1/jobs/:id/webhooks',
      {
        config: { scope: 'submit' },
        schema: {
          operationId: 'listJobWebhooks',
          summary: "The job's webhook deliveries, each with every attempt",
          params: JobIdParams,
          response: { 200: WebhookDeliveryList, 404: ErrorBody },
        },
      },
      async (request) => {
        const tenant = principalOf(request).tenant;
        if (!queue.get(tenant, request.params.id)) throw new AgentError('NOT_FOUND', `no job ${request.params.id}`);
        return {
          deliveries: webhooks.listForJob(tenant, request.params.id).map((d) => ({
            id: d.id,
            event: d.event as 'job.succeeded' | 'job.failed' | 'job.canceled',
            url: d.url,
            status: d.status,
            attempts: d.attempts,
            createdAt: iso(d.createdAt)!,
            deliveredAt: iso(d.deliveredAt),
            nextAttemptAt: iso(d.nextAttemptAt),
            lastStatusCode: d.lastStatus,
            lastError: d.lastError,
            log: d.log.map((a) => ({ ...a, at: iso(a.at)! })),
          })),
        };
      },
    );
  };
