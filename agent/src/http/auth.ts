// Bearer tokens with scopes. Every route declares the scope it needs in `config.scope`; scopes nest
// (all-tenants ⊇ admin ⊇ submit ⊇ read). The caller's tenant is attached to the request for tenant-scoped
// queries; what an admin may do to other tenants is decided in tenants/token-administration.ts.
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
  interface FastifyInstance {
    /** Every route with the scope it needs (the authorization test walks this, so no route can be left out). */
    routeTable: RouteEntry[];
  }
}

export interface RouteEntry {
  method: string;
  url: string;
  scope: RouteScope | undefined;
}

/** Records each route as it is registered; call before any route plugin. */
export function collectRouteTable(app: FastifyInstance): void {
  const table: RouteEntry[] = [];
  app.decorate('routeTable', table);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      // HEAD routes are Fastify's automatic twins of GET routes.
      if (method !== 'HEAD') table.push({ method, url: route.url, scope: route.config?.scope });
    }
  });
}

const rank: Record<TokenScope, number> = { read: 0, submit: 1, admin: 2, 'all-tenants': 3 };

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
