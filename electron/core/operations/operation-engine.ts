// The operation engine: runs every long action of the console the same way. Starting takes the operation's lock
// and writes its record and steps before anything happens (so the caller gets the id at once and a crash leaves
// a trace); running opens the operation's context, then runs each step check → apply → verify, persisting step
// states and events as it goes; one AbortController per operation is its cancel path. Operations a crashed
// console left running are marked interrupted at start, and kinds that can be resumed continue under their id.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { AuditLog } from '../audit/audit-log.js';
import { ConsoleError, type ErrorEnvelope, type OperationEvent } from '../contracts/define.js';
import type { OperationKind, OperationRecord, OperationStatus } from '../contracts/operations.js';
import type { ConsoleDb } from '../store/console-store.js';
import type { OperationSpec, OperationStep, OperationTools, ResumeBuilder } from './operation.js';
import { OperationRepository, registerLiveOwner } from './operation-repository.js';

export interface OperationEngineDeps {
  db: ConsoleDb;
  audit: AuditLog;
  now?: () => Date;
}

interface Active {
  controller: AbortController;
  done: Promise<OperationStatus>;
}

export class OperationEngine {
  /** Every event of every operation, as it is recorded ('operation'). */
  readonly events = new EventEmitter<{ operation: [OperationEvent] }>();
  private readonly repo: OperationRepository;
  private readonly active = new Map<string, Active>();
  private readonly resumeBuilders = new Map<OperationKind, ResumeBuilder>();
  private readonly releaseOwner: () => void;

  constructor(private readonly deps: OperationEngineDeps) {
    const ownerId = randomUUID();
    this.releaseOwner = registerLiveOwner(ownerId);
    this.repo = new OperationRepository(deps.db, ownerId, deps.now);
  }

  /** Kinds whose interrupted, failed or canceled operations can continue: how to rebuild their plan. */
  allowResume(kind: OperationKind, build: ResumeBuilder): void {
    this.resumeBuilders.set(kind, build);
  }

  /** Marks operations a crashed console left running as interrupted; call once at start (after allowResume). */
  recoverInterrupted(): string[] {
    const interrupted = this.repo.markInterrupted();
    for (const op of interrupted) {
      const event: OperationEvent = {
        operationId: op.operationId,
        seq: this.repo.nextSeq(op.operationId),
        phase: 'interrupted',
        progress: null,
        done: true,
        line: this.resumeBuilders.has(op.kind)
          ? 'The console stopped while this ran; it can be resumed.'
          : 'The console stopped while this ran.',
        error: { code: 'INTERRUPTED', message: 'the console stopped while this was running' },
      };
      this.repo.appendEvent(event);
      this.deps.audit.record(`${op.kind}.interrupted`, op.targetId, { operationId: op.operationId });
    }
    return interrupted.map((op) => op.operationId);
  }

  /** Starts an operation in the background; the id is returned once its record and lock are in place. */
  start<C>(spec: OperationSpec<C>): { operationId: string } {
    const operationId = randomUUID();
    this.acquire(spec, operationId);
    this.repo.create({
      operationId,
      kind: spec.kind,
      targetId: spec.targetId,
      title: spec.title,
      options: spec.options,
      detail: spec.detail,
      steps: spec.steps,
    });
    this.launch(spec, operationId, false);
    return { operationId };
  }

  /** Continues an interrupted, failed or canceled operation of a resumable kind under the same id. */
  resume(operationId: string): { operationId: string } {
    const persisted = this.repo.persisted(operationId);
    if (!persisted) throw new ConsoleError('OPERATION_NOT_FOUND', `no operation ${operationId}`);
    if (persisted.status === 'running')
      throw new ConsoleError(
        'OPERATION_RUNNING',
        'that operation is still running; wait for it or cancel it',
      );
    if (persisted.status === 'succeeded')
      throw new ConsoleError(
        'ALREADY_DONE',
        'that operation already succeeded; start a new one to do it again',
      );
    const build = this.resumeBuilders.get(persisted.kind);
    if (!build)
      throw new ConsoleError(
        'NOT_RESUMABLE',
        `a ${persisted.kind} operation cannot be resumed; start a new one instead`,
      );
    const spec = build({ operationId, targetId: persisted.targetId, options: persisted.options });
    this.acquire(spec, operationId);
    this.repo.reopen(operationId, spec.steps);
    this.launch(spec, operationId, true);
    return { operationId };
  }

  cancel(operationId: string): boolean {
    const op = this.active.get(operationId);
    if (!op) return false;
    op.controller.abort();
    return true;
  }

  /** Resolves with the final status once an operation this engine runs has ended. */
  async settled(operationId: string): Promise<OperationStatus | null> {
    return (await this.active.get(operationId)?.done) ?? this.repo.persisted(operationId)?.status ?? null;
  }

  status(operationId: string): OperationRecord {
    const record = this.repo.get(operationId, this.resumableKinds());
    if (!record) throw new ConsoleError('OPERATION_NOT_FOUND', `no operation ${operationId}`);
    return record;
  }

  list(
    filter: {
      targetId?: string;
      kinds?: readonly OperationKind[];
      status?: OperationStatus;
      limit?: number;
    } = {},
  ): OperationRecord[] {
    return this.repo.list({ ...filter, limit: filter.limit ?? 100 }, this.resumableKinds());
  }

  eventsSince(operationId: string, afterSeq = -1): OperationEvent[] {
    return this.repo.events(operationId, afterSeq);
  }

  forgetTarget(targetId: string): void {
    this.repo.deleteForTarget(targetId);
  }

  /** Cancels what runs and waits for it to wind down (the console is closing). */
  async shutdown(): Promise<void> {
    for (const op of this.active.values()) op.controller.abort();
    await Promise.allSettled([...this.active.values()].map((o) => o.done));
    this.releaseOwner();
  }

  private resumableKinds(): ReadonlySet<string> {
    return new Set(this.resumeBuilders.keys());
  }

  private acquire(spec: OperationSpec<unknown>, operationId: string): void {
    if (!spec.lockKey) return;
    const locked =
      spec.lockedError ??
      ((holder) =>
        new ConsoleError(
          'OPERATION_LOCKED',
          `${spec.title} has to wait: operation ${holder.operationId} is working on the same thing; wait for it or cancel it`,
        ));
    const { recoveredFrom } = this.repo.acquireLock(spec.lockKey, operationId, locked);
    if (recoveredFrom) {
      this.deps.audit.record('operation.lock-recovered', spec.targetId, {
        lockKey: spec.lockKey,
        deadOperation: recoveredFrom.operation_id,
        deadPid: recoveredFrom.pid,
      });
      const dead = this.repo.persisted(recoveredFrom.operation_id);
      if (dead?.status === 'running')
        this.repo.finish(recoveredFrom.operation_id, 'interrupted', {
          code: 'INTERRUPTED',
          message: 'the console stopped while this was running',
        });
    }
  }

  private launch<C>(spec: OperationSpec<C>, operationId: string, resumed: boolean): void {
    const controller = new AbortController();
    const done = this.execute(spec, operationId, controller.signal, resumed).finally(() =>
      this.active.delete(operationId),
    );
    this.active.set(operationId, { controller, done });
  }

  private async execute<C>(
    spec: OperationSpec<C>,
    operationId: string,
    signal: AbortSignal,
    resumed: boolean,
  ): Promise<OperationStatus> {
    const steps = spec.steps;
    let seq = this.repo.nextSeq(operationId);
    let progress = 0;
    let current: OperationStep<C> | null = null;
    const emit = (phase: string, extra: Partial<OperationEvent> = {}): void => {
      const event: OperationEvent = { operationId, seq: seq++, phase, progress, ...extra };
      this.repo.appendEvent(event);
      this.events.emit('operation', event);
    };
    const canceledError = (): ConsoleError => new ConsoleError('CANCELED', `${spec.title} canceled.`);
    const tools: OperationTools = {
      operationId,
      signal,
      log: (line) => emit(current ? `${current.id}:log` : 'log', { line }),
      progress: (fraction, line) => {
        const index = current ? steps.indexOf(current) : 0;
        // Never backwards, never past the step's end.
        const within = Math.min(1, Math.max(0, fraction));
        progress = Math.max(progress, (index + within) / Math.max(1, steps.length));
        emit(current ? `${current.id}:log` : 'log', line === undefined ? {} : { line });
      },
      setDetail: (detail) => this.repo.mergeDetail(operationId, detail),
    };
    this.deps.audit.record(resumed ? `${spec.kind}.resumed` : `${spec.kind}.started`, spec.targetId, {
      operationId,
      steps: steps.map((s) => s.id),
      ...spec.auditDetail,
    });
    emit('start', { line: `${spec.title}: ${resumed ? 'resuming' : 'starting'}` });
    let opened: Awaited<ReturnType<OperationSpec<C>['open']>> | null = null;
    try {
      if (signal.aborted) throw canceledError();
      opened = await spec.open(tools);
      const ctx = opened.context;
      for (const [index, step] of steps.entries()) {
        current = step;
        progress = Math.max(progress, index / steps.length);
        if (signal.aborted) throw canceledError();
        if (step.check) {
          this.repo.setStepStatus(operationId, step.id, 'checking');
          emit(`${step.id}:check`, { line: `${step.title}: checking` });
          const before = await step.check(ctx);
          if (before.satisfied) {
            this.repo.setStepStatus(operationId, step.id, 'satisfied', { alreadySatisfied: true });
            emit(`${step.id}:satisfied`, {
              line: `${step.title}: already satisfied${before.detail ? ` (${before.detail})` : ''}`,
            });
            continue;
          }
          this.repo.setStepStatus(operationId, step.id, 'applying', { alreadySatisfied: false });
          emit(`${step.id}:apply`, {
            line: `${step.title}: applying${before.detail ? ` (found: ${before.detail})` : ''}`,
          });
        } else {
          this.repo.setStepStatus(operationId, step.id, 'applying', { alreadySatisfied: false });
          emit(`${step.id}:apply`, { line: step.title });
        }
        await step.apply(ctx);
        if (signal.aborted) throw canceledError();
        const verify = step.verify ?? step.check;
        if (verify) {
          this.repo.setStepStatus(operationId, step.id, 'verifying');
          emit(`${step.id}:verify`, { line: `${step.title}: verifying` });
          const after = await verify.call(step, ctx);
          if (!after.satisfied) {
            throw new ConsoleError(
              'STEP_VERIFY_FAILED',
              `${step.title}: still not in place after applying (${after.detail ?? 'no detail'})`,
            );
          }
          this.repo.setStepStatus(operationId, step.id, 'applied');
          emit(`${step.id}:applied`, {
            line: `${step.title}: done${after.detail ? ` (${after.detail})` : ''}`,
          });
        } else {
          this.repo.setStepStatus(operationId, step.id, 'applied');
          emit(`${step.id}:applied`, { line: `${step.title}: done` });
        }
      }
      current = null;
      progress = 1;
      this.repo.finish(operationId, 'succeeded', null);
      emit('done', { done: true, line: `${spec.title}: finished` });
      this.deps.audit.record(`${spec.kind}.succeeded`, spec.targetId, { operationId });
      return 'succeeded';
    } catch (err) {
      const canceled = signal.aborted || (err instanceof ConsoleError && err.code === 'CANCELED');
      const error: ErrorEnvelope = canceled
        ? { code: 'CANCELED', message: `${spec.title} canceled.` }
        : err instanceof ConsoleError
          ? { code: err.code, message: err.message }
          : { code: spec.failureCode ?? 'OPERATION_FAILED', message: (err as Error).message ?? String(err) };
      const status = canceled ? 'canceled' : 'failed';
      if (current) this.repo.setStepStatus(operationId, current.id, status, { error: error.message });
      this.repo.finish(operationId, status, error);
      emit(status, { done: true, error });
      this.deps.audit.record(`${spec.kind}.${status}`, spec.targetId, {
        operationId,
        step: current?.id ?? null,
        code: error.code,
      });
      return status;
    } finally {
      await Promise.resolve(opened?.close?.()).catch(() => undefined);
      if (spec.lockKey) this.repo.releaseLock(spec.lockKey, operationId);
    }
  }
}
