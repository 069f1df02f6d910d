// Token administration and the audit log (admin scope). A tenant's admin manages its own tenant's tokens; an
// all-tenants token every tenant's (see tenants/token-administration.ts). The secret is shown once, at creation.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AuditEntry } from '../../store/audit-repository.js';
import type { TokenRecord } from '../../store/tokens-repository.js';
import { AuditList, AuditQuery, CreatedToken, CreateTokenBody, ErrorBody, JobIdParams, TokenList, TokenView } from '../../contracts/http-v1.js';
import { principalOf } from '../auth.js';
import type { AgentServices } from '../services.js';

const iso = (ms: number): string => new Date(ms).toISOString();

const tokenView = (t: TokenRecord) => ({
  id: t.id,
  scope: t.scope,
  tenant: t.tenant,
  label: t.label,
  createdAt: iso(t.createdAt),
  revokedAt: t.revokedAt === null ? null : iso(t.revokedAt),
});

const auditView = (e: AuditEntry) => ({ ...e, at: iso(e.at) });

export const tokensRoutes = (services: AgentServices): FastifyPluginAsyncZod =>
  async function tokensRoutes(app) {
    const { tokenAdmin, audit } = services;
    const caller = (request: Parameters<typeof principalOf>[0]) => ({ kind: 'token' as const, token: principalOf(request) });

    app.post(
      '/v1/tokens',
      {
        config: { scope: 'admin' },
        schema: {
          operationId: 'createToken',
          summary: "Create a token for the caller's tenant (an all-tenants token: for any tenant)",
          body: CreateTokenBody,
          response: { 201: CreatedToken, 403: ErrorBody },
        },
      },
      async (request, reply) => {
        const { token, record } = tokenAdmin.create(caller(request), request.body);
        request.log.info({ tokenId: record.id, scope: record.scope, tenant: record.tenant }, 'token created');
        return reply.status(201).send({ token, record: tokenView(record) });
      },
    );
    app.get(
      '/v1/tokens',
      {
        config: { scope: 'admin' },
        schema: { operationId: 'listTokens', summary: "The caller's tenant's tokens (an all-tenants token: every tenant's), never their secrets", response: { 200: TokenList } },
      },
      async (request) => ({ tokens: tokenAdmin.list(caller(request)).map(tokenView) }),
    );
    app.delete(
      '/v1/tokens/:id',
      {
        config: { scope: 'admin' },
        schema: { operationId: 'revokeToken', summary: 'Revoke a token', params: JobIdParams, response: { 200: TokenView, 404: ErrorBody } },
      },
      async (request) => {
        const { record } = tokenAdmin.revoke(caller(request), request.params.id);
        request.log.info({ tokenId: record.id }, 'token revoked');
        return tokenView(record);
      },
    );
    app.get(
      '/v1/audit',
      {
        config: { scope: 'admin' },
        schema: {
          operationId: 'listAudit',
          summary: "The audit log, newest first: the caller's tenant's entries (an all-tenants token: all)",
          querystring: AuditQuery,
          response: { 200: AuditList },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { limit, cursor } = request.query;
        const entries = audit.list({ tenant: principal.scope === 'all-tenants' ? undefined : principal.tenant, limit: limit + 1, beforeSeq: cursor ? Number(cursor) : undefined });
        const page = entries.slice(0, limit);
        return { entries: page.map(auditView), nextCursor: entries.length > limit ? String(page[page.length - 1].seq) : null };
      },
    );
  };
