// The agents' models for the console: lists what an agent has, and pulls a model onto it as an operation of
// kind 'model-pull' whose progress is the agent's own download (bytes received of the total). The agent fetches
// and checks the files (sha256 from the manifest); the console only asks and follows.
import type { AgentModel, AgentPullState } from '../agents/agent-http-client.js';
import type { AgentSummary } from '../contracts/agents.js';
import { ConsoleError } from '../contracts/define.js';
import type { AgentModel as ModelView } from '../contracts/models.js';
import type { OperationEngine } from '../operations/operation-engine.js';

export interface ModelsPort {
  listModels(signal?: AbortSignal): Promise<AgentModel[]>;
  pullModel(modelId: string, signal: AbortSignal, onState: (state: AgentPullState) => void): Promise<AgentPullState>;
}

export interface ModelAgents {
  resolve(agentId: string): Promise<{ agent: AgentSummary; client: ModelsPort }>;
}

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export class ModelPullService {
  constructor(private readonly deps: { agents: ModelAgents; operations: OperationEngine }) {}

  async list(agentId: string): Promise<ModelView[]> {
    const { client } = await this.deps.agents.resolve(agentId);
    return (await client.listModels()).map((m) => ({
      id: m.id,
      kind: m.kind,
      analysis: m.analysis,
      runtime: m.runtime,
      description: m.description,
      installed: m.installed,
      bytes: m.installed ? m.bytes : m.files.every((f) => f.size !== null) ? m.files.reduce((sum, f) => sum + (f.size ?? 0), 0) : null,
      pulling: m.pull?.phase === 'running',
    }));
  }

  async pull(agentId: string, modelId: string): Promise<{ operationId: string }> {
    const { agent, client } = await this.deps.agents.resolve(agentId);
    const model = (await client.listModels()).find((m) => m.id === modelId);
    if (!model) throw new ConsoleError('MODEL_UNKNOWN', `${agent.name} knows no model "${modelId}"; pick one from its list`);
    if (model.kind === 'packaged') throw new ConsoleError('MODEL_PACKAGED', `${modelId} ships with the agent; there is nothing to pull`);
    return this.deps.operations.start({
      kind: 'model-pull',
      title: `Pull ${modelId} onto ${agent.name}`,
      targetId: agent.id,
      lockKey: `agent:${agent.id}:model:${modelId}`,
      lockedError: () => new ConsoleError('MODEL_PULL_RUNNING', `${modelId} is already being pulled onto ${agent.name}`),
      options: { modelId },
      auditDetail: { modelId, agentName: agent.name },
      failureCode: 'MODEL_PULL_FAILED',
      open: async (tools) => ({ context: tools }),
      steps: [
        {
          id: 'model.pull',
          title: `Download and check ${modelId}`,
          check: async () => {
            const now = (await client.listModels()).find((m) => m.id === modelId);
            return { satisfied: Boolean(now?.installed), detail: now?.installed ? 'installed' : 'not installed' };
          },
          apply: async (tools) => {
            let lastLine = 0;
            const final = await client.pullModel(modelId, tools.signal, (state) => {
              if (state.totalBytes) tools.progress(state.receivedBytes / state.totalBytes);
              if (Date.now() - lastLine > 1000 || state.phase !== 'running') {
                lastLine = Date.now();
                tools.log(`${state.file ?? modelId}: ${megabytes(state.receivedBytes)}${state.totalBytes ? ` of ${megabytes(state.totalBytes)}` : ''}`);
              }
            });
            if (final.phase === 'canceled') throw new ConsoleError('CANCELED', `the pull of ${modelId} was canceled`);
            if (final.phase === 'failed') {
              throw new ConsoleError(final.error ? `AGENT_${final.error.code}` : 'MODEL_PULL_FAILED', `${agent.name} could not pull ${modelId}: ${final.error?.message ?? 'no reason given'}`);
            }
          },
        },
      ],
    });
  }
}
