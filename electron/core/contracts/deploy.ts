// Contract of agent deployment on a server: deploy/upgrade (health-gated), rollback, restart, and the
// serving container's logs and stats. Long operations return an operation id and are followed and cancelled
// through the operations contract.
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

/**
 * How the agent is deployed on one server: the values the deploy bundle is rendered with (validated in full
 * by the deploy feature, DEPLOY_VALUES_INVALID) and where the server keeps nginx and Docker. With settings
 * saved, provisioning this server also uploads the bundle, starts the agent and registers it.
 */
export const DeploySettings = z.object({
  domain: z.string().min(1).max(253),
  agentImage: z.string().min(1),
  agentVersion: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/),
  agentPort: z.number().int().min(1).max(65535).optional(),
  httpPort: z.number().int().min(1).max(65535).optional(),
  httpsPort: z.number().int().min(1).max(65535).optional(),
  tls: z.boolean().optional(),
  cluster: z.boolean().optional(),
  installDir: z.string().optional(),
  acmeWebroot: z.string().optional(),
  envFilePath: z.string().optional(),
  upstreamConfPath: z.string().optional(),
  /** The nginx site file the console writes (Debian: conf.d is included by the stock nginx.conf). */
  nginxSiteConfPath: z.string().default('/etc/nginx/conf.d/mediafleet.conf'),
  nginxTestCommand: z.string().default('nginx -t'),
  nginxReloadCommand: z.string().default('systemctl reload nginx || nginx -s reload'),
  dockerSocketPath: z.string().default('/var/run/docker.sock'),
});
export type DeploySettings = z.output<typeof DeploySettings>;

export const getDeploySettingsMethod = defineInvoke('deploy:get-settings', {
  input: z.object({ serverId: z.string().uuid() }),
  output: z.object({ settings: DeploySettings.nullable() }),
  readOnly: true,
});

export const setDeploySettingsMethod = defineInvoke('deploy:set-settings', {
  input: z.object({ serverId: z.string().uuid(), settings: DeploySettings }),
  output: z.object({ settings: DeploySettings }),
});

/** Registry credentials for `source: { kind: 'registry', credentialName }`; stored in the vault only. */
export const setRegistryCredentialsMethod = defineInvoke('deploy:set-registry-credentials', {
  input: z.object({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
    serveraddress: z.string().min(1).max(253),
    username: z.string().min(1),
    password: z.string().min(1),
  }),
  output: z.object({ ok: z.boolean() }),
});

export const deployContract = {
  [setRegistryCredentialsMethod.name]: setRegistryCredentialsMethod,
  [getDeploySettingsMethod.name]: getDeploySettingsMethod,
  [setDeploySettingsMethod.name]: setDeploySettingsMethod,
  [deployAgentMethod.name]: deployAgentMethod,
  [rollbackAgentMethod.name]: rollbackAgentMethod,
  [restartAgentMethod.name]: restartAgentMethod,
  [listAgentContainersMethod.name]: listAgentContainersMethod,
  [agentLogsMethod.name]: agentLogsMethod,
  [agentStatsMethod.name]: agentStatsMethod,
};
