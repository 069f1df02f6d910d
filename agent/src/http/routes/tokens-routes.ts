// Token administration (admin scope): create, list, revoke. The secret is shown once, at creation.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AgentError } from '../../errors.js';
import type { TokenRecord } from '../../store/tokens-repository.js';
import { CreatedToken, CreateTokenBody, ErrorBody, JobIdParams, TokenView } from '../schemas.js';
import type { AgentServices } from '../services.js';

const tokenView = (t: TokenRecord) => ({
  id: t.id,
  scope: t.scope,
  tenant: t.tenant,
  label: t.label,
  createdAt: new Date(t.createdAt).toISOString(),
  revokedAt: t.revokedAt === null ? null : new Date(t.revokedAt).toISOString(),
});

export const tokensRoutes = (services: AgentServices): FastifyPluginAsyncZod =>
  async function tokensRoutes(app) {
    const { tokens } = services;
    app.post(
      '/v1/tokens',
      { config: { scope: 'admin' }, schema: { summary: 'Create a token', body: CreateTokenBody, response: { 201: CreatedToken } } },
      async (request, reply) => {
        const { token, record } = tokens.create(request.body);
        request.log.info({ tokenId: record.id, scope: record.scope, tenant: record.tenant }, 'token created');
        return reply.status(201).send({ token, record: tokenView(record) });
      },
    );
    app.get(
      '/v1/tokens',
      { config: { scope: 'admin' }, schema: { summary: 'List tokens (never their secrets)', response: { 200: z.object({ tokens: z.array(TokenView) }) } } },
      async () => ({ tokens: tokens.list().map(tokenView) }),
    );
    app.delete(
      '/v1/tokens/:id',
      { config: { scope: 'admin' }, schema: { summary: 'Revoke a token', params: JobIdParams, response: { 200: TokenView, 404: ErrorBody } } },
      async (request) => {
        const existing = tokens.get(request.params.id);
        if (!existing) throw new AgentError('NOT_FOUND', `no token ${request.params.id}`);
        tokens.revoke(existing.id);
        request.log.info({ tokenId: existing.id }, 'token revoked');
        return tokenView(tokens.get(existing.id)!);
      },
    );
  };
