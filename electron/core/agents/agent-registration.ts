// Adding an agent the console did not deploy (installed by hand, or the front agent of a cluster) by its URL and
// a token, and removing it. Nothing is stored until the agent has shown it is one: it answers, its /v1/info is a
// Mediafleet agent's, and it accepts the token. The token goes to the vault only.
import { ConsoleError } from '../contracts/define.js';
import type { AgentSummary } from '../contracts/agents.js';
import type { AgentsRepository } from '../fleet/agents-repository.js';
import { secretNames, type SecretVault } from '../secrets/secret-vault.js';
import { AgentHttpClient } from './agent-http-client.js';

export interface AgentRegistrationDeps {
  agents: AgentsRepository;
  vault: SecretVault;
  audit: { record(action: string, targetId: string | null, detail?: Record<string, unknown>): void };
  /** The agent client for a URL and token (tests may give one with a short timeout). */
  client?: (baseUrl: string, token: string, tlsFingerprint?: string | null) => Pick<AgentHttpClient, 'info' | 'health'>;
  /** Told once an agent is registered (the health monitor takes its counters' baseline before work reaches it). */
  onAdded?: (agentId: string) => void;
}

export class AgentRegistration {
  constructor(private readonly deps: AgentRegistrationDeps) {}

  async add(input: { name: string; url: string; token: string }): Promise<AgentSummary> {
    const baseUrl = input.url.replace(/\/+$/, '');
    const info = await this.verify(input.name, baseUrl, input.token);
    const known = this.deps.agents.list().find((a) => a.baseUrl === baseUrl);
    if (known && known.kind !== 'manual') return this.refuse(input.name, baseUrl, 'AGENT_ALREADY_IN_FLEET', `${baseUrl} is already in the fleet as ${known.name}`);
    const record = this.deps.agents.upsert({ serverId: null, name: input.name, baseUrl, kind: 'manual' });
    await this.deps.vault.set(secretNames.agentAdminToken(record.id), input.token);
    this.deps.audit.record('agent.added', record.id, { name: record.name, baseUrl, version: info.version, workers: info.workers, cluster: Boolean(info.cluster) });
    this.deps.onAdded?.(record.id);
    return { id: record.id, name: record.name, kind: 'registered', baseUrl, origin: 'manual', costClass: record.costClass, serverId: null };
  }

  /**
   * The agent of a rented GPU instance, checked like any agent and registered as kind 'rented' with a per-second
   * cost. Registering the same URL again (a reconcile finishing a rental a crash interrupted) answers the agent
   * already there instead of refusing it. With `tlsFingerprint` (the certificate the agent proved at pairing) it is
   * checked over, and kept with, that pin: every client of the agent then refuses any other certificate.
   */
  async addRented(input: { name: string; url: string; token: string; tlsFingerprint?: string | null }): Promise<AgentSummary> {
    const baseUrl = input.url.replace(/\/+$/, '');
    const info = await this.verify(input.name, baseUrl, input.token, input.tlsFingerprint);
    const known = this.deps.agents.list().find((a) => a.baseUrl === baseUrl);
    if (known && known.kind !== 'rented') return this.refuse(input.name, baseUrl, 'AGENT_ALREADY_IN_FLEET', `${baseUrl} is already in the fleet as ${known.name}`);
    const fields = { serverId: null, name: input.name, baseUrl, kind: 'rented' as const, costClass: 'per-second' as const, tlsFingerprint: input.tlsFingerprint ?? null };
    const record = known ? this.deps.agents.upsert({ ...fields, name: known.name }) : this.deps.agents.upsert(fields);
    await this.deps.vault.set(secretNames.agentAdminToken(record.id), input.token);
    if (!known) this.deps.audit.record('agent.added', record.id, { name: record.name, baseUrl, origin: 'rented', version: info.version, workers: info.workers });
    this.deps.onAdded?.(record.id);
    return { id: record.id, name: record.name, kind: 'registered', baseUrl, origin: 'rented', costClass: record.costClass, serverId: null };
  }

  private refuse(name: string, baseUrl: string, code: string, message: string): never {
    this.deps.audit.record('agent.add-refused', null, { name, baseUrl, code });
    throw new ConsoleError(code, message);
  }

  /** Nothing is stored until the agent answers /v1/info as a Mediafleet agent and accepts the token. */
  private async verify(name: string, baseUrl: string, token: string, tlsFingerprint?: string | null): Promise<Awaited<ReturnType<AgentHttpClient['info']>>> {
    const client = this.deps.client?.(baseUrl, token, tlsFingerprint) ?? new AgentHttpClient({ baseUrl, token, tlsFingerprint });
    try {
      return await client.info(AbortSignal.timeout(15_000));
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'AGENT_UNREACHABLE';
      if (code === 'AGENT_CERT_MISMATCH') return this.refuse(name, baseUrl, code, (err as Error).message);
      if (code === 'AGENT_UNAUTHORIZED' || code === 'AGENT_FORBIDDEN') return this.refuse(name, baseUrl, 'AGENT_TOKEN_REJECTED', `the agent at ${baseUrl} does not accept that token; create one on the agent (npm run agent -- token create --scope submit) and paste it`);
      if (code === 'AGENT_BAD_RESPONSE' || code === 'AGENT_ROUTE_MISSING' || code === 'AGENT_ERROR') return this.refuse(name, baseUrl, 'NOT_AN_AGENT', `${baseUrl} answers, but not as a Mediafleet agent (${(err as Error).message})`);
      if (code === 'CANCELED') return this.refuse(name, baseUrl, 'AGENT_UNREACHABLE', `the agent at ${baseUrl} did not answer within 15 s; check the URL and that the agent runs`);
      return this.refuse(name, baseUrl, 'AGENT_UNREACHABLE', (err as Error).message);
    }
  }

  async remove(agentId: string): Promise<boolean> {
    const record = this.deps.agents.get(agentId);
    if (!record) return false;
    if (record.kind === 'deployed') throw new ConsoleError('AGENT_DEPLOYED', `${record.name} runs on a server this console deployed; remove the server in Fleet instead`);
    this.deps.agents.delete(agentId);
    await this.deps.vault.delete(secretNames.agentAdminToken(agentId));
    this.deps.audit.record('agent.removed', agentId, { name: record.name, baseUrl: record.baseUrl });
    return true;
  }
}
