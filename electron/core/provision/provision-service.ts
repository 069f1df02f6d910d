// The provisioning feature: the plan of a server (the base steps, then steps other features add for servers
// they apply to, such as the deploy steps), started as an operation of kind 'provision' on the operation
// engine. Provisioning can be resumed after a crash or cancel: the same plan is rebuilt and every step checked
// again. Deploy and HTTPS start their own server operations through `startServerOperation`.
import type { OperationKind } from '../contracts/operations.js';
import type { ServerRecord } from '../fleet/servers-repository.js';
import type { OperationEngine } from '../operations/operation-engine.js';
import { baseProvisionSteps } from './base-steps.js';
import type { ProvisionStep } from './provision-step.js';
import { serverOperation, type ServerOperationDeps } from './server-operation.js';

export class ProvisionService {
  private readonly stepSources: ((server: ServerRecord) => ProvisionStep[])[] = [];

  constructor(private readonly deps: ServerOperationDeps & { operations: OperationEngine }) {
    deps.operations.allowResume('provision', ({ targetId, options }) => {
      const serverId = targetId ?? '';
      return serverOperation(this.deps, { serverId, kind: 'provision', steps: this.plan(serverId), options });
    });
  }

  /** Steps that depend on the server's own settings (e.g. deploy steps only for servers with deploy settings). */
  addStepSource(source: (server: ServerRecord) => ProvisionStep[]): void {
    this.stepSources.push(source);
  }

  plan(serverId: string): ProvisionStep[] {
    const server = this.deps.fleet.requireServer(serverId);
    return [...baseProvisionSteps, ...this.stepSources.flatMap((source) => source(server))];
  }

  start(serverId: string, options?: unknown): { operationId: string } {
    return this.deps.operations.start(serverOperation(this.deps, { serverId, kind: 'provision', steps: this.plan(serverId), options }));
  }

  /**
   * Other work on a server (deploy, rollback, restart, HTTPS) as steps on the same machinery: it holds the same
   * per-server lock as provisioning, persists its steps and events, and is cancelled like any operation.
   */
  startServerOperation(serverId: string, kind: Exclude<OperationKind, 'provision'>, steps: ProvisionStep[], auditDetail?: Record<string, unknown>): { operationId: string } {
    return this.deps.operations.start(serverOperation(this.deps, { serverId, kind, steps, auditDetail }));
  }
}
