// What an operation is, for the features that define one: a kind, a title, what it works on, a lock key, and
// a list of steps run in order. A step is idempotent when it can be: `check` looks whether its end state already
// holds (then it is skipped), `apply` makes it so, and `verify` (default: `check` again) must confirm it. A step
// without `check` always applies (a benchmark run, a restart). The steps share a context the operation opens
// once it runs (an SSH connection to a server, an agent client): the engine does not care what it holds.
import type { ConsoleError } from '../contracts/define.js';
import type { OperationKind } from '../contracts/operations.js';

/** What the engine gives every operation while it runs. */
export interface OperationTools {
  readonly operationId: string;
  /** Aborted by a cancel or by the console closing. */
  readonly signal: AbortSignal;
  /** One log line for the operation's event stream (never pass secrets). */
  log(line: string): void;
  /** Progress within the current step (0..1), with an optional log line; the operation's figure never goes back. */
  progress(fraction: number, line?: string): void;
  /** Kind-specific facts shown with the operation (a benchmark's images done, its run id); merged into what is there. */
  setDetail(detail: Record<string, unknown>): void;
}

export interface StepCheck {
  satisfied: boolean;
  /** Shown in the log: what was found. */
  detail?: string;
}

export interface OperationStep<C> {
  id: string;
  title: string;
  check?(ctx: C): Promise<StepCheck>;
  apply(ctx: C): Promise<void>;
  verify?(ctx: C): Promise<StepCheck>;
}

export interface OpenedContext<C> {
  context: C;
  close?(): void | Promise<void>;
}

export interface OperationSpec<C> {
  kind: OperationKind;
  title: string;
  /** What it works on (a server id, an agent id); operations are listed per target. */
  targetId: string | null;
  /** Operations with the same key never run at once (a server's provisioning, deploys and HTTPS share one). */
  lockKey: string | null;
  /** Refusal when the lock is held by another running operation (default OPERATION_LOCKED). */
  lockedError?(holder: { operationId: string; pid: number; hostname: string }): ConsoleError;
  /** Persisted with the operation: what a resume needs to rebuild the same plan. */
  options?: unknown;
  /** Kind-specific facts known at the start (recorded with the operation before it runs; see OperationTools.setDetail). */
  detail?: Record<string, unknown>;
  /** Extra audit detail for the start entry (never secrets; the audit log redacts secret-looking keys anyway). */
  auditDetail?: Record<string, unknown>;
  /** The code an unexpected error (not a ConsoleError) fails the operation with (default OPERATION_FAILED). */
  failureCode?: string;
  steps: readonly OperationStep<C>[];
  /** Opens what the steps need, once the operation runs; closed when it ends, however it ends. */
  open(tools: OperationTools): Promise<OpenedContext<C>>;
}

/** Rebuilds the spec of a persisted operation of a resumable kind (the same plan, from its target and options). */
export type ResumeBuilder = (persisted: {
  operationId: string;
  targetId: string | null;
  options: unknown;
}) => OperationSpec<unknown>;
