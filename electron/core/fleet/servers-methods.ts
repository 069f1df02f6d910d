// The servers contract on the fleet service: add, list, remove, test, re-pin, preflight, the login key.
import { addServer, listServers, preflight, removeServer, repinHostKey, serverPublicKey, testConnection } from '../contracts/servers.js';
import type { OperationEngine } from '../operations/operation-engine.js';
import type { MethodRegistry } from '../registry/method-registry.js';
import type { FleetService } from './fleet-service.js';

export function registerServerMethods(registry: MethodRegistry, deps: { fleet: FleetService; operations: OperationEngine }): void {
  const { fleet } = deps;
  registry.implement(addServer, (input) => fleet.addServer(input));
  registry.implement(listServers, () => fleet.listServers());
  registry.implement(removeServer, async ({ serverId }) => {
    const removed = await fleet.removeServer(serverId);
    if (removed) deps.operations.forgetTarget(serverId);
    return { removed };
  });
  registry.implement(serverPublicKey, ({ serverId }) => fleet.publicKey(serverId));
  registry.implement(testConnection, ({ serverId }) => fleet.testConnection(serverId));
  registry.implement(repinHostKey, ({ serverId, fingerprint }) => {
    fleet.repinHostKey(serverId, fingerprint);
    return { ok: true };
  });
  registry.implement(preflight, ({ serverId }) => fleet.preflight(serverId));
}
