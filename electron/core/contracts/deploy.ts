// Contract of agent deployment on a server: deploy/upgrade (health-gated), rollback, restart, and the
// serving container's logs and stats. Long operations return an operation id; progress arrives as events.
import { z } from 'zod';
import { defineInvoke, OperationStarted } from './define.js';

export const AgentContainerView = z.object({
  id: z.string(),
  name: z.string(),
  image: z.string(),
  version: z.string(),
  port: z.number().int(),
  deployedAt: z.string(),
  running: z.boolean(),
  state: z.string(),
});

export const ImageSource = z.discriminatedUnion('kind', [
  /** docker save here | docker load on the server, over the SSH connection. */
  z.object({ kind: z.literal('transfer') }),
  /** The server pulls from a registry (credentials from the vault by name). */
  z.object({ kind: z.literal('registry'), credentialName: z.string().optional() }),
]);

export const deployAgentMethod = defineInvoke('deploy:agent', {
  input: z.object({
    serverId: z.string().uuid(),
    image: z.string().min(1),
    version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/),
    source: ImageSource.default({ kind: 'transfer' }),
  }),
  output: OperationStarted,
});

export const rollbackAgentMethod = defineInvoke('deploy:rollback', {
  input: z.object({ serverId: z.string().uuid() }),
  output: OperationStarted,
});

export const restartAgentMethod = defineInvoke('deploy:restart', {
  input: z.object({ serverId: z.string().uuid() }),
  output: OperationStarted,
});

export const listAgentContainersMethod = defineInvoke('deploy:containers', {
  input: z.object({ serverId: z.string().uuid() }),
  output: z.object({ containers: z.array(AgentContainerView) }),
  readOnly: true,
});

export const agentLogsMethod = defineInvoke('deploy:logs', {
  input: z.object({ serverId: z.string().uuid(), containerId: z.string().optional(), tail: z.number().int().min(1).max(5000).default(200) }),
  output: z.object({ text: z.string() }),
  readOnly: true,
});

export const agentStatsMethod = defineInvoke('deploy:stats', {
  input: z.object({ serverId: z.string().uuid() }),
  output: z.object({ cpuPercent: z.number(), memoryBytes: z.number(), memoryLimitBytes: z.number(), pids: z.number() }),
  readOnly: true,
});

export const deployContract = {
  [deployAgentMethod.name]: deployAgentMethod,
  [rollbackAgentMethod.name]: rollbackAgentMethod,
  [restartAgentMethod.name]: restartAgentMethod,
  [listAgentContainersMethod.name]: listAgentContainersMethod,
  [agentLogsMethod.name]: agentLogsMethod,
  [agentStatsMethod.name]: agentStatsMethod,
};
