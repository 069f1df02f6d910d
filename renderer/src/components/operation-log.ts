// What a long operation (provisioning, deploy, HTTPS, a benchmark, a model pull, ...) looks like to a person,
// from its persisted record (steps) and its progress events: the merged event log, one progress figure that
// never goes back, and the outcome.
import type { OperationEvent } from '../../../electron/core/contracts/define.js';
import type { OperationRecord, OperationStatus } from '../../../electron/core/contracts/operations.js';

/** Adds events that arrived live or from a catch-up read; each seq once, in order (the two can overlap). */
export function mergeOperationEvents(known: readonly OperationEvent[], incoming: readonly OperationEvent[]): OperationEvent[] {
  const bySeq = new Map(known.map((e) => [e.seq, e]));
  let changed = false;
  for (const event of incoming) {
    if (!bySeq.has(event.seq)) {
      bySeq.set(event.seq, event);
      changed = true;
    }
  }
  if (!changed) return known as OperationEvent[];
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

export type OperationState = OperationStatus;

export interface OperationSummary {
  state: OperationState;
  /** 0..1, or null while the amount of work is unknown. */
  progress: number | null;
  /** What went wrong, in the core's words, when the operation failed. */
  error: { code: string; message: string } | null;
  log: string;
}

const finishedStep = new Set(['satisfied', 'applied']);

export function summariseOperation(run: OperationRecord | null | undefined, events: readonly OperationEvent[]): OperationSummary {
  const last = events.at(-1);
  // The record is the truth once it says the operation ended; the last event can say so before the next read.
  // (A resumed operation has done events earlier in its log: only the last event counts.)
  let state: OperationState = run?.status ?? 'running';
  if (state === 'running' && last?.done) state = last.error ? (last.error.code === 'CANCELED' ? 'canceled' : last.error.code === 'INTERRUPTED' ? 'interrupted' : 'failed') : 'succeeded';

  let progress: number | null = null;
  if (state === 'succeeded') progress = 1;
  else {
    const lastWithProgress = [...events].reverse().find((e) => e.progress !== null);
    if (lastWithProgress) progress = lastWithProgress.progress;
    else if (run?.progress !== null && run?.progress !== undefined) progress = run.progress;
    else if (run && run.steps.length > 0) progress = run.steps.filter((s) => finishedStep.has(s.status)).length / run.steps.length;
  }

  let error: OperationSummary['error'] = null;
  if (state === 'failed' || state === 'interrupted' || state === 'canceled') {
    const eventError = [...events].reverse().find((e) => e.error)?.error;
    const failedStep = run?.steps.find((s) => s.status === 'failed' && s.error);
    if (run?.error) error = run.error;
    else if (eventError) error = eventError;
    else if (failedStep) error = { code: 'STEP_FAILED', message: `${failedStep.title}: ${failedStep.error}` };
    else if (state === 'interrupted') error = { code: 'INTERRUPTED', message: 'The console stopped while this ran.' };
  }

  const log = events.map((e) => e.line ?? (e.error ? `${e.phase}: ${e.error.message}` : e.phase)).join('\n');
  return { state, progress, error, log };
}
