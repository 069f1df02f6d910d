// The provisioning feature behind the contract: starts runs in the background, one AbortController per
// operation, live events to subscribers, and status/history from the store.
import { EventEmitter } from 'node:events';
import { ConsoleError, type OperationEvent } from '../contracts/define.js';
import type { OperationKind, ProvisionRun } from '../contracts/provision.js';
import type { ServerRecord } from '../fleet/servers-repository.js';
import { baseProvisionSteps } from './base-steps.js';
import type { ProvisionStep } from './provision-step.js';
import { ProvisionRepository } from './provision-repository.js';
import { executePrepared, prepareProvisioning, type ProvisionRunnerDeps, type RunProvisioningRequest } from './provision-runner.js';

export class ProvisionService {
  readonly events = new EventEmitter<{ operation: [OperationEvent] }>();
  private readonly active = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  private readonly repo: ProvisionRepository;
  private extraSteps: ProvisionStep[] = [];
  private readonly stepSources: ((server: ServerRecord) => ProvisionStep[])[] = [];

  constructor(private readonly deps: ProvisionRunnerDeps) {
    this.repo = new ProvisionRepository(deps.db, deps.now);
  }

  /** Deploy/ssl features add their steps after the base ones (service user, Docker, firewall). */
  addSteps(...steps: ProvisionStep[]): void {
    this.extraSteps.push(...steps);
  }

  /** Steps that depend on the server's own settings (e.g. deploy steps only for servers with deploy settings). */
  addStepSource(source: (server: ServerRecord) => ProvisionStep[]): void {
    this.stepSources.push(source);
  }

  plan(serverId?: string): ProvisionStep[] {
    const server = serverId ? this.deps.fleet.requireServer(serverId) : null;
    const fromSources = server ? this.stepSources.flatMap((source) => source(server)) : [];
    return [...baseProvisionSteps, ...this.extraSteps, ...fromSources];
  }

  /** Marks runs a crashed console left behind as interrupted; call once at startup. */
  recoverInterruptedRuns(): string[] {
    return this.repo.markInterruptedRuns();
  }

  start(serverId: string, options?: unknown, resumeOperationId?: string): { operationId: string } {
    return this.launch({ serverId, steps: this.plan(serverId), options, resumeOperationId });
  }

  /**
   * Runs other work on a server (deploy, rollback, restart, HTTPS) as steps on this machinery: it holds the
   * same per-server lock as provisioning, persists its steps and events, reports on the 'operation' channel
   * and is canceled with `cancel(operationId)`.
   */
  startOperation(
    serverId: string,
    kind: Exclude<OperationKind, 'provision'>,
    steps: ProvisionStep[],
    auditDetail?: Record<string, unknown>,
  ): { operationId: string } {
    return this.launch({ serverId, steps, kind, auditDetail });
  }

  private launch(request: Omit<RunProvisioningRequest, 'signal' | 'onEvent'>): { operationId: string } {
    const controller = new AbortController();
    const req: RunProvisioningRequest = {
      ...request,
      signal: controller.signal,
      onEvent: (e: OperationEvent) => this.events.emit('operation', e),
    };
    const { operationId, options: parsed, repo } = prepareProvisioning(this.deps, req);
    const done = executePrepared(this.deps, req, operationId, parsed, repo).finally(() => this.active.delete(operationId));
    this.active.set(operationId, { controller, done });
    return { operationId };
  }

  cancel(operationId: string): boolean {
    const op = this.active.get(operationId);
    if (!op) return false;
    op.controller.abort();
    return true;
  }

  /** Resolves when the operation (started by this process) has finished. */
  async settled(operationId: string): Promise<void> {
    await this.active.get(operationId)?.done;
  }

  status(operationId: string): ProvisionRun {
    const run = this.repo.getRun(operationId);
    if (!run) throw new ConsoleError('OPERATION_NOT_FOUND', `No provisioning run ${operationId}.`);
    return run;
  }

  list(serverId?: string, kind: OperationKind | null = 'provision'): ProvisionRun[] {
    return this.repo.listRuns(serverId, kind);
  }

  eventsSince(operationId: string, afterSeq = -1): OperationEvent[] {
    return this.repo.events(operationId, afterSeq);
  }

  async shutdown(): Promise<void> {
    for (const op of this.active.values()) op.controller.abort();
    await Promise.allSettled([...this.active.values()].map((o) => o.done));
  }
}
