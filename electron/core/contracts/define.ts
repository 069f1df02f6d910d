// Building blocks of the console contract: every renderer call is a named method with a zod-validated input
// and output, every event a named channel with a zod-validated payload, and every long operation reports
// progress as events. The Electron IPC binding, the headless server and the renderer's test transport all run
// calls through one pipeline (`../registry/method-registry.ts`), so they cannot drift apart.
import { z } from 'zod';

export interface InvokeDef<N extends string = string, I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly name: N;
  readonly input: I;
  readonly output: O;
  /** Allowed in the headless console's read-only mode (support staff): reads only, never secrets. */
  readonly readOnly: boolean;
}

export function defineInvoke<const N extends string, I extends z.ZodType, O extends z.ZodType>(
  name: N,
  def: { input: I; output: O; readOnly?: boolean },
): InvokeDef<N, I, O> {
  return { name, input: def.input, output: def.output, readOnly: def.readOnly ?? false };
}

/** A channel the core pushes to every renderer (operation progress, analysis updates, terminal output). */
export interface EventDef<C extends string = string, P extends z.ZodType = z.ZodType> {
  readonly channel: C;
  readonly payload: P;
}

export function defineEvent<const C extends string, P extends z.ZodType>(channel: C, payload: P): EventDef<C, P> {
  return { channel, payload };
}

/** Results cross the boundary as data, never as thrown exceptions. */
export const ErrorEnvelope = z.object({
  code: z.string(),
  message: z.string(),
  /** For INVALID_INPUT: the input field that was refused (dotted path), so a form can mark it. */
  field: z.string().optional(),
});
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

/** What the renderer passes (defaults not yet applied). */
export type InputOf<D> = D extends InvokeDef<string, infer I, z.ZodType> ? z.input<I> : never;
/** What a handler receives: the input after its schema parsed it (defaults filled in). */
export type ParsedInputOf<D> = D extends InvokeDef<string, infer I, z.ZodType> ? z.output<I> : never;
/** What the renderer receives. */
export type OutputOf<D> = D extends InvokeDef<string, z.ZodType, infer O> ? z.output<O> : never;
/** What a handler may return: the output before its schema applied defaults. */
export type HandlerResultOf<D> = D extends InvokeDef<string, z.ZodType, infer O> ? z.input<O> : never;
export type PayloadOf<E> = E extends EventDef<string, infer P> ? z.output<P> : never;
