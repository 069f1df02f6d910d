// Contract of agent token administration in Settings: list, create and revoke the API tokens of one agent
// through its admin API (`/v1/tokens`). Listing shows metadata only; the secret of a new token crosses the
// boundary once, in the answer to `tokens:create`, which is why that method is not readOnly. Every call names
// the agent ("local" is the built-in "This computer" agent).
import { z } from 'zod';
import { TokenScope as AgentTokenScope } from '#agent/contracts/http-v1.js';
import { defineInvoke } from './define.js';

const AgentId = z.string().min(1).max(100).default('local');

/** The scopes an operator may create from the console (the agent's tokens API; see `CreateTokenBody`). */
export const TokenScope = z.enum(['admin', 'submit', 'read']);
export type TokenScope = z.infer<typeof TokenScope>;
/** The agent's tenant and label rules (`CreateTokenBody`) with messages for the form; tokens.test.ts checks they agree. */
export const TokenTenant = z.string().trim().min(1, 'a tenant is required').max(100, 'at most 100 characters');
export const TokenLabel = z.string().max(200, 'at most 200 characters');

export const AgentTokenRecord = z.object({
  id: z.string(),
  scope: AgentTokenScope,
  tenant: z.string(),
  label: z.string().nullable(),
  createdAt: z.string(),
  /** Null when the agent does not report it (agents up to now do not track last use). */
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  /** The token this console itself uses to talk to the agent: revoking it would lock the console out. */
  usedByConsole: z.boolean(),
});
export type AgentTokenRecord = z.infer<typeof AgentTokenRecord>;

export const listAgentTokens = defineInvoke('tokens:list', {
  input: z.object({ agentId: AgentId }),
  // Metadata only: the agent never returns a secret after creation, and this schema has no field for one.
  output: z.array(AgentTokenRecord),
  readOnly: true,
});

export const createAgentToken = defineInvoke('tokens:create', {
  input: z.object({
    agentId: AgentId,
    scope: TokenScope,
    tenant: TokenTenant,
    /** Blank means no label. */
    label: TokenLabel.optional(),
  }),
  output: z.object({
    /** The secret (`mf_<id>_<secret>`): shown once, never stored by the console. */
    token: z.string(),
    record: AgentTokenRecord,
  }),
});

export const revokeAgentToken = defineInvoke('tokens:revoke', {
  input: z.object({ agentId: AgentId, tokenId: z.string().min(1).max(100) }),
  output: AgentTokenRecord,
});

export const tokensContract = {
  [listAgentTokens.name]: listAgentTokens,
  [createAgentToken.name]: createAgentToken,
  [revokeAgentToken.name]: revokeAgentToken,
};
