// Contract of the operation engine: every long action of the console (provisioning, deploy, rollback, restart,
// HTTPS, benchmarks, model pulls, GPU rentals, GPU image pushes; batches to come) is an operation with a persisted record, steps,
// an event log with `seq`, one cancel path and resume where its kind allows. Each feature starts its own kind
// (`provision:start`, `deploy:agent`, `benchmarks:start`, ...); following and cancelling are the same for all.
import { z } from 'zod';
import { defineEvent, defineInvoke, ErrorEnvelope, OperationEvent } from './define.js';

export const OperationKind = z.enum(['provision', 'deploy', 'rollback', 'restart', 'ssl', 'benchmark', 'model-pull', 'vast-rent', 'gpu-image']);
export type OperationKind = z.infer<typeof OperationKind>;

export const OperationStatus = z.enum(['running', 'succeeded', 'failed', 'canceled', 'interrupted']);
export type OperationStatus = z.infer<typeof OperationStatus>;

export const StepStatus = z.enum(['pending', 'checking', 'applying', 'verifying', 'satisfied', 'applied', 'failed', 'canceled']);
export type StepStatus = z.infer<typeof StepStatus>;

export const StepState = z.object({
  stepId: z.string(),
  title: z.string(),
  status: StepStatus,
  /** True when the step's check found it already done, so nothing was changed. */
  alreadySatisfied: z.boolean(),
  error: z.string().nullable(),
  updatedAt: z.string(),
});
export type StepState = z.infer<typeof StepState>;

export const OperationRecord = z.object({
  operationId: z.string(),
  kind: OperationKind,
  /** What the operation works on: a server id, an agent id. */
  targetId: z.string().nullable(),
  title: z.string(),
  status: OperationStatus,
  /** Interrupted, failed or canceled operations of this kind can be continued under the same id. */
  resumable: z.boolean(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** The last progress reported (0..1), or null while the amount of work is unknown. */
  progress: z.number().min(0).max(1).nullable(),
  error: ErrorEnvelope.nullable(),
  steps: z.array(StepState),
  /** Kind-specific facts the operation recorded (a benchmark's run id, images done, ...). */
  detail: z.record(z.string(), z.unknown()),
});
export type OperationRecord = z.infer<typeof OperationRecord>;

export const operationStatus = defineInvoke('operations:status', {
  input: z.object({ operationId: z.string() }),
  output: OperationRecord,
  readOnly: true,
});

export const listOperations = defineInvoke('operations:list', {
  input: z
    .object({
      targetId: z.string().optional(),
      kinds: z.array(OperationKind).min(1).optional(),
      status: OperationStatus.optional(),
      limit: z.number().int().min(1).max(500).default(100),
    })
    .default({ limit: 100 }),
  output: z.array(OperationRecord),
  readOnly: true,
});

/** Events recorded so far (for a view that attaches late); live events arrive on the 'operation' channel. */
export const operationEvents = defineInvoke('operations:events', {
  input: z.object({ operationId: z.string(), afterSeq: z.number().int().default(-1) }),
  output: z.array(OperationEvent),
  readOnly: true,
});

export const cancelOperation = defineInvoke('operations:cancel', {
  input: z.object({ operationId: z.string() }),
  output: z.object({ canceled: z.boolean() }),
});

/** Continue an interrupted, failed or canceled operation under the same id (its steps are checked again). */
export const resumeOperation = defineInvoke('operations:resume', {
  input: z.object({ operationId: z.string() }),
  output: z.object({ operationId: z.string() }),
});

export const operationEvent = defineEvent('operation', OperationEvent);

export const operationsContract = {
  [operationStatus.name]: operationStatus,
  [listOperations.name]: listOperations,
  [operationEvents.name]: operationEvents,
  [cancelOperation.name]: cancelOperation,
  [resumeOperation.name]: resumeOperation,
};
