// The provisioning feature behind the contract: starts runs in the background, one AbortController per
// operation, live events to subscribers, and status/history from the store.
import { EventEmitter } from 'node:events';
import { ConsoleError, type OperationEvent } from '../contracts/define.js';
import type { ProvisionRun } from '../contracts/provision.js';
import { baseProvisionSteps } from './base-steps.js';
import type { ProvisionStep } from './provision-step.js';
import { ProvisionRepository } from './provision-repository.js';
import { executePrepared, prepareProvisioning, type ProvisionRunnerDeps } from './provision-runner.js';

export class ProvisionService {
  readonly events = new EventEmitter<{ operation: [OperationEvent] }>();
  private readonly active = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  private readonly repo: ProvisionRepository;
  private extraSteps: ProvisionStep[] = [];

  constructor(private readonly deps: ProvisionRunnerDeps) {
    this.repo = new ProvisionRepository(deps.db, deps.now);
  }

  /** Deploy/ssl features add their steps after the base ones (service user, Docker, firewall). */
  addSteps(...steps: ProvisionStep[]): void {
    this.extraSteps.push(...steps);
  }

  plan(): ProvisionStep[] {
    return [...baseProvisionSteps, ...this.extraSteps];
  }

  /** Marks runs a crashed console left behind as interrupted; call once at startup. */
  recoverInterruptedRuns(): string[] {
    return this.repo.markInterruptedRuns();
  }

  start(serverId: string, options?: unknown, resumeOperationId?: string): { operationId: string } {
    const controller = new AbortController();
    const req = {
      serverId,
      steps: this.plan(),
      options,
      resumeOperationId,
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

  list(serverId?: string): ProvisionRun[] {
    return this.repo.listRuns(serverId);
  }

  eventsSince(operationId: string, afterSeq = -1): OperationEvent[] {
    return this.repo.events(operationId, afterSeq);
  }

  async shutdown(): Promise<void> {
    for (const op of this.active.values()) op.controller.abort();
    await Promise.allSettled([...this.active.values()].map((o) => o.done));
  }
}
