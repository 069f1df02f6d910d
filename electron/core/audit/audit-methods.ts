// The audit contract: reading the console's append-only log, with each target's current name beside its id.
import { listAudit } from '../contracts/audit.js';
import type { MethodRegistry } from '../registry/method-registry.js';
import type { AuditLog } from './audit-log.js';
import { withTargetNames, type NamedTarget } from './audit-names.js';

export function registerAuditMethods(registry: MethodRegistry, deps: { audit: AuditLog; names: () => { servers: readonly NamedTarget[]; agents: readonly NamedTarget[] } }): void {
  registry.implement(listAudit, (query) => withTargetNames(deps.audit.list(query), deps.names()));
}
