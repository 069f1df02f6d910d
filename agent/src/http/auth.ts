// Bearer tokens with scopes. Every route declares the scope it needs in `config.scope`; scopes nest
// (admin ⊇ submit ⊇ read). The caller's tenant is attached to the request for tenant-scoped queries.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AgentError } from '../errors.js';
import type { TokenRecord, TokenScope, TokensRepository } from '../store/tokens-repository.js';

export type RouteScope = TokenScope | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    scope?: RouteScope;
  }
  interface FastifyRequest {
    principal?: TokenRecord;
  }
}

const rank: Record<TokenScope, number> = { read: 0, submit: 1, admin: 2 };

export function scopeAllows(held: TokenScope, needed: TokenScope): boolean {
  return rank[held] >= rank[needed];
}

export function installAuth(app: FastifyInstance, tokens: TokensRepository): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    const needed = request.routeOptions.config?.scope;
    // Unknown routes fall through to the 404 handler; every real route must name its scope.
    if (!request.routeOptions.url) return;
    if (needed === 'public') return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const principal = match ? tokens.verify(match[1]) : undefined;
    if (!principal) throw new AgentError('UNAUTHORIZED');
    if (!needed || !scopeAllows(principal.scope, needed)) throw new AgentError('FORBIDDEN', `this needs a token with scope ${needed ?? 'admin'}`);
    request.principal = principal;
  });
}

/** The authenticated caller; routes only run after installAuth accepted the token. */
export function principalOf(request: FastifyRequest): TokenRecord {
  if (!request.principal) throw new AgentError('UNAUTHORIZED');
  return request.principal;
}
