// Binds the agent tokens contract to the tokens service; registered in the console core, so both transports serve it.
import type { z } from 'zod';
import type { InvokeDef, OutputOf } from '../contracts/define.js';
import type { createAgentToken, listAgentTokens, revokeAgentToken } from '../contracts/tokens.js';
import type { TokensService } from './tokens-service.js';

type ParsedInput<D> = D extends InvokeDef<infer I, z.ZodType> ? z.output<I> : never;
type Handler<D> = (input: ParsedInput<D>) => Promise<OutputOf<D>>;

export function createTokensHandlers(tokens: TokensService) {
  return {
    'tokens:list': (async (i) => tokens.list(i.agentId)) as Handler<typeof listAgentTokens>,
    'tokens:create': (async (i) => tokens.create(i.agentId, { scope: i.scope, tenant: i.tenant, label: i.label })) as Handler<typeof createAgentToken>,
    'tokens:revoke': (async (i) => tokens.revoke(i.agentId, i.tokenId)) as Handler<typeof revokeAgentToken>,
  };
}
