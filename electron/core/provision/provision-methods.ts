// The provisioning contract: starting a server's plan (following, cancel and resume are the operations contract).
import { startProvision } from '../contracts/provision.js';
import type { MethodRegistry } from '../registry/method-registry.js';
import type { ProvisionService } from './provision-service.js';

export function registerProvisionMethods(registry: MethodRegistry, deps: { provision: ProvisionService }): void {
  registry.implement(startProvision, ({ serverId, options }) => deps.provision.start(serverId, options));
}
