// The deploy contract on the deploy service: settings, registry credentials, deploy/rollback/restart as
// operations, and the serving containers' logs and stats.
import {
  agentLogsMethod,
  agentStatsMethod,
  deployAgentMethod,
  getDeploySettingsMethod,
  listAgentContainersMethod,
  restartAgentMethod,
  rollbackAgentMethod,
  setDeploySettingsMethod,
  setRegistryCredentialsMethod,
} from '../contracts/deploy.js';
import type { MethodRegistry } from '../registry/method-registry.js';
import type { DeployService } from './deploy-service.js';

export function registerDeployMethods(registry: MethodRegistry, deps: { deploy: DeployService }): void {
  const { deploy } = deps;
  registry.implement(getDeploySettingsMethod, ({ serverId }) => ({ settings: deploy.getSettings(serverId) }));
  registry.implement(setDeploySettingsMethod, ({ serverId, settings }) => ({ settings: deploy.setSettings(serverId, settings) }));
  registry.implement(setRegistryCredentialsMethod, async (credentials) => {
    await deploy.setRegistryCredentials(credentials);
    return { ok: true };
  });
  registry.implement(deployAgentMethod, (input) => deploy.deploy(input));
  registry.implement(rollbackAgentMethod, ({ serverId }) => deploy.rollback(serverId));
  registry.implement(restartAgentMethod, ({ serverId }) => deploy.restart(serverId));
  registry.implement(listAgentContainersMethod, async ({ serverId }) => ({ containers: await deploy.containers(serverId) }));
  registry.implement(agentLogsMethod, async ({ serverId, containerId, tail }) => ({ text: await deploy.logs(serverId, containerId, tail) }));
  registry.implement(agentStatsMethod, ({ serverId }) => deploy.stats(serverId));
}
