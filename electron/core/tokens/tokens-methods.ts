// The agent tokens contract on the tokens service.
import { createAgentToken, listAgentTokens, revokeAgentToken } from '../contracts/tokens.js';
import type { MethodRegistry } from '../registry/method-registry.js';
import type { TokensService } from './tokens-service.js';

export function registerTokensMethods(registry: MethodRegistry, deps: { tokens: TokensService }): void {
  const { tokens } = deps;
  registry.implement(listAgentTokens, ({ agentId }) => tokens.list(agentId));
  registry.implement(createAgentToken, ({ agentId, scope, tenant, label }) => tokens.create(agentId, { scope, tenant, label }));
  registry.implement(revokeAgentToken, ({ agentId, tokenId }) => tokens.revoke(agentId, tokenId));
}
