// Erasure: a job (submit scope, the caller's tenant's job) or a whole tenant (admin of that tenant, or an
// all-tenants token), each answered with a receipt of what was removed. See jobs/erasure.ts.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErasureReceipt, EraseTenantBody, ErrorBody, JobIdParams, TenantParams } from '../../contracts/http-v1.js';
import { AgentError } from '../../errors.js';
import type { ErasureReceipt as Receipt } from '../../jobs/erasure.js';
import { actorOf, managesTenant } from '../../tenants/token-administration.js';
import { principalOf } from '../auth.js';
import type { AgentServices } from '../services.js';

const receiptView = (r: Receipt) => ({ ...r, erasedAt: new Date(r.erasedAt).toISOString() });

export const erasureRoutes = (services: AgentServices): FastifyPluginAsyncZod =>
  async function erasureRoutes(app) {
    const { erasure } = services;
    app.post(
      '/v1/jobs/:id/erase',
      {
        config: { scope: 'submit' },
        schema: {
          operationId: 'eraseJob',
          summary: 'Erase a job and all it left',
          description:
            'Cancels the job if it still waits or runs, then removes its upload, its result, its keyframe thumbnails, its face embeddings ' +
            '(and persons left without faces), its speaker turns and its webhook deliveries. Answers a receipt of what was removed; ' +
            'afterwards the job is unknown (404) and its Idempotency-Key free.',
          params: JobIdParams,
          response: { 200: ErasureReceipt, 404: ErrorBody },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        return receiptView(await erasure.eraseJob({ kind: 'token', id: principal.id, tenant: principal.tenant }, principal.tenant, request.params.id));
      },
    );
    app.post(
      '/v1/tenants/:tenant/erase',
      {
        config: { scope: 'admin' },
        schema: {
          operationId: 'eraseTenant',
          summary: 'Erase everything of a tenant',
          description:
            "All the tenant's jobs as POST /v1/jobs/{id}/erase does, and its persons; with `{\"tokens\": true}` its tokens too. " +
            "A tenant's admin token erases its own tenant; an all-tenants token any. The audit log keeps the receipt.",
          params: TenantParams,
          body: EraseTenantBody,
          response: { 200: ErasureReceipt, 403: ErrorBody },
        },
      },
      async (request) => {
        const caller = { kind: 'token' as const, token: principalOf(request) };
        const { tenant } = request.params;
        if (!managesTenant(caller, tenant)) throw new AgentError('FORBIDDEN', `this token manages tenant "${caller.token.tenant}" only`);
        return receiptView(await erasure.eraseTenant(actorOf(caller), tenant, { tokens: request.body.tokens }));
      },
    );
  };
