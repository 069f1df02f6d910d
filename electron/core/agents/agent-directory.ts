// Which agents the console can talk to, and an HTTP client for each: the built-in "This computer" agent (bound
// by the process that runs it) and every registered agent, whose admin token lives in the vault. Face search,
// benchmarks, tokens, model pulls and analysis all resolve agents here; the dispatcher will pick among the same list.
import { ConsoleError } from '../contracts/define.js';
import { localAgentId, type AgentSummary } from '../contracts/agents.js';
import { AgentHttpClient, type AgentEndpoint } from './agent-http-client.js';
import type { AgentRecord } from '../fleet/agents-repository.js';
import { secretNames, type SecretVault } from '../secrets/secret-vault.js';

export { localAgentId };

export interface AgentDirectoryOptions {
  agents: { list(): AgentRecord[] };
  vault: SecretVault;
}

export class AgentDirectory {
  private startLocalAgent: (() => Promise<AgentEndpoint>) | null = null;

  constructor(private readonly options: AgentDirectoryOptions) {}

  /** The process that runs the built-in agent hands over how to reach it (starting it on first use). */
  useLocalAgent(start: () => Promise<AgentEndpoint>): void {
    this.startLocalAgent = start;
  }

  list(): AgentSummary[] {
    const local: AgentSummary[] = this.startLocalAgent ? [{ id: localAgentId, name: 'This computer', kind: 'local', baseUrl: null, origin: 'local', costClass: 'fixed', serverId: null }] : [];
    return [
      ...local,
      ...this.options.agents
        .list()
        .map((a): AgentSummary => ({ id: a.id, name: a.name, kind: 'registered', baseUrl: a.baseUrl, origin: a.kind, costClass: a.costClass, serverId: a.serverId })),
    ];
  }

  async resolve(agentId: string): Promise<{ agent: AgentSummary; client: AgentHttpClient }> {
    if (agentId === localAgentId) {
      if (!this.startLocalAgent) {
        throw new ConsoleError('LOCAL_AGENT_UNAVAILABLE', 'this console runs without the built-in agent; choose a server agent instead');
      }
      const endpoint = await this.startLocalAgent();
      return {
        agent: { id: localAgentId, name: 'This computer', kind: 'local', baseUrl: endpoint.baseUrl, origin: 'local', costClass: 'fixed', serverId: null },
        client: new AgentHttpClient(endpoint),
      };
    }
    const record = this.options.agents.list().find((a) => a.id === agentId);
    if (!record) throw new ConsoleError('AGENT_UNKNOWN', `no agent "${agentId}"; pick one from the list (This computer or a server's agent)`);
    const token = await this.options.vault.get(secretNames.agentAdminToken(record.id));
    if (!token) {
      throw new ConsoleError('AGENT_NO_TOKEN', `the console holds no token for agent ${record.name}; deploy the agent again or add its token in Settings`);
    }
    return {
      agent: { id: record.id, name: record.name, kind: 'registered', baseUrl: record.baseUrl, origin: record.kind, costClass: record.costClass, serverId: record.serverId },
      // A rented agent's pinned certificate goes with every client of it (analysis, dispatch, benchmarks, tokens…).
      client: new AgentHttpClient({ baseUrl: record.baseUrl, token, tlsFingerprint: record.tlsFingerprint }),
    };
  }
}
