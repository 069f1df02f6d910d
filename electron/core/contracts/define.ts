// Building blocks of the console contract: every renderer call is a named method with a zod-validated input
// and output, and every long operation reports progress as events. The Electron IPC binding and the headless
// server's HTTP/WebSocket binding both walk the same method table, so the two transports cannot drift apart.
import { z } from 'zod';

export interface InvokeDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly input: I;
  readonly output: O;
  /** Allowed in the headless console's read-only mode (support staff): reads only, never secrets. */
  readonly readOnly: boolean;
}

export function defineInvoke<I extends z.ZodType, O extends z.ZodType>(
  name: string,
  def: { input: I; output: O; readOnly?: boolean },
): InvokeDef<I, O> {
  return { name, input: def.input, output: def.output, readOnly: def.readOnly ?? false };
}

/** Results cross the boundary as data, never as thrown exceptions. */
export const ErrorEnvelope = z.object({ code: z.string(), message: z.string() });
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;
export type Envelope<T> = { ok: true; data: T } | { ok: false; error: ErrorEnvelope };

/** A progress event of a long operation (provisioning, deploy, renting, a batch, a benchmark). */
export const OperationEvent = z.object({
  operationId: z.string(),
  seq: z.number().int(),
  phase: z.string(),
  /** 0..1, or null when the amount of work is unknown. */
  progress: z.number().min(0).max(1).nullable(),
  line: z.string().optional(),
  done: z.boolean().optional(),
  error: ErrorEnvelope.optional(),
});
export type OperationEvent = z.infer<typeof OperationEvent>;

export const OperationStarted = z.object({ operationId: z.string() });

/** An error with a stable code that a UI and a test can rely on. */
export class ConsoleError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConsoleError';
  }
}

export type InputOf<D> = D extends InvokeDef<infer I, z.ZodType> ? z.input<I> : never;
export type OutputOf<D> = D extends InvokeDef<z.ZodType, infer O> ? z.output<O> : never;
