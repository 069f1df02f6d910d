// Agent token administration for the console's Settings: a thin client over one agent's admin API
// (`/v1/tokens`) that turns the agent's refusals into codes a person can act on, records creations and
// revocations in the audit log (never the secret), and keeps the console from revoking its own token.
import type { AgentTokenView } from '../agents/agent-http-client.js';
import { ConsoleError } from '../contracts/define.js';
import type { AgentTokenRecord, TokenScope } from '../contracts/tokens.js';

/** What token administration needs from one agent; AgentHttpClient is the real one. */
export interface AgentTokensPort {
  listTokens(): Promise<AgentTokenView[]>;
  createToken(input: { scope: TokenScope; tenant: string; label?: string }): Promise<{ token: string; record: AgentTokenView }>;
  revokeToken(tokenId: string): Promise<AgentTokenView>;
  /** The id of the token the console presents to this agent, when its form tells it. */
  presentedTokenId(): string | null;
}

export interface TokenAgents {
  resolve(agentId: string): Promise<{ agent: { name: string }; client: AgentTokensPort }>;
}

export interface TokensAudit {
  record(action: string, targetId: string | null, detail?: Record<string, unknown>): void;
}

/** The tenant the console mints its own tokens under on deployed agents (see deploy/provision-steps.ts). */
export const consoleTenant = 'mediafleet-console';

export class TokensService {
  constructor(
    private readonly agents: TokenAgents,
    private readonly audit?: TokensAudit,
  ) {}

  async list(agentId: string): Promise<AgentTokenRecord[]> {
    const { agent, client } = await this.agents.resolve(agentId);
    const tokens = await client.listTokens().catch(refusalAs(agent.name));
    const own = client.presentedTokenId();
    // Live tokens first, newest first: the ones a person is about to act on.
    return tokens
      .map((t) => toRecord(t, own))
      .sort((a, b) => Number(a.revokedAt !== null) - Number(b.revokedAt !== null) || b.createdAt.localeCompare(a.createdAt));
  }

  async create(agentId: string, input: { scope: TokenScope; tenant: string; label?: string }): Promise<{ token: string; record: AgentTokenRecord }> {
    const { agent, client } = await this.agents.resolve(agentId);
    const label = input.label?.trim() ? input.label.trim() : undefined;
    const created = await client.createToken({ scope: input.scope, tenant: input.tenant, label }).catch(refusalAs(agent.name));
    const record = toRecord(created.record, client.presentedTokenId());
    // The secret stays out of the log: only what identifies the token.
    this.audit?.record('agent-token.created', agentId, { id: record.id, scope: record.scope, tenant: record.tenant, label: record.label });
    return { token: created.token, record };
  }

  async revoke(agentId: string, tokenId: string): Promise<AgentTokenRecord> {
    const { agent, client } = await this.agents.resolve(agentId);
    const existing = (await client.listTokens().catch(refusalAs(agent.name))).find((t) => t.id === tokenId);
    if (!existing) throw notFound(agent.name, tokenId);
    // The console's own token is known by id: an agent token is `mf_<id>_<secret>`, and the console holds the
    // whole string, so comparing ids is exact. Only when the console holds a token of another form (an agent
    // set up by hand with a custom token) is the id unknown; then the tokens the console mints for itself
    // (tenant "mediafleet-console", all-tenants scope) are refused instead, since one of them may be the one in use —
    // an operator can still revoke those with the agent's CLI.
    const own = client.presentedTokenId();
    const isOwn = own !== null ? existing.id === own : existing.tenant === consoleTenant && existing.scope === 'all-tenants';
    if (isOwn) {
      throw new ConsoleError(
        'TOKEN_USED_BY_CONSOLE',
        `token ${tokenId} is the one this console uses to manage ${agent.name}; revoking it would lock the console out of that agent`,
      );
    }
    const revoked = await client.revokeToken(tokenId).catch((err: unknown) => {
      if (err instanceof ConsoleError && err.code === 'AGENT_NOT_FOUND') throw notFound(agent.name, tokenId);
      return refusalAs(agent.name)(err);
    });
    const record = toRecord(revoked, own);
    this.audit?.record('agent-token.revoked', agentId, { id: record.id, scope: record.scope, tenant: record.tenant, label: record.label });
    return record;
  }
}

function toRecord(t: AgentTokenView, ownId: string | null): AgentTokenRecord {
  return {
    id: t.id,
    scope: t.scope,
    tenant: t.tenant,
    label: t.label,
    createdAt: t.createdAt,
    // Agents do not track a token's last use (yet); the contract says null for that.
    lastUsedAt: null,
    revokedAt: t.revokedAt,
    usedByConsole: ownId !== null && t.id === ownId,
  };
}

function notFound(agentName: string, tokenId: string): ConsoleError {
  return new ConsoleError('TOKEN_NOT_FOUND', `${agentName} has no token ${tokenId}; refresh the list`);
}

/** The agent refusing the console's own token says something different from a refusal of the request. */
function refusalAs(agentName: string) {
  return (err: unknown): never => {
    if (err instanceof ConsoleError && err.code === 'AGENT_UNAUTHORIZED') {
      throw new ConsoleError('AGENT_TOKEN_REJECTED', `${agentName} does not accept the console's token (unknown or revoked); deploy the agent again or set its token`);
    }
    if (err instanceof ConsoleError && err.code === 'AGENT_FORBIDDEN') {
      throw new ConsoleError('AGENT_NOT_ADMIN', `the console's token for ${agentName} lacks the admin scope that token administration needs`);
    }
    throw err;
  };
}
