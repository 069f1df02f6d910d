// The one pipeline every console call goes through, whichever transport brought it (Electron IPC, the headless
// server's HTTP, the renderer tests' fake transport): look the method up, refuse it in read-only mode unless it
// is marked readOnly, validate the input with its zod schema, run the feature's handler, validate the output,
// and answer with the { ok, data } / { ok: false, error } envelope. One rule for errors: a ConsoleError keeps its
// code and message; anything else is logged with its stack and answered as INTERNAL; an output that fails its
// schema is a logged INTERNAL and never sent. Plain TypeScript and zod only, so the renderer's tests run it too.
import type { z } from 'zod';
import { ConsoleError, type Envelope, type HandlerResultOf, type InvokeDef, type ParsedInputOf } from '../contracts/define.js';

/** A feature's implementation of one method: gets the parsed input (defaults applied), returns the output. */
export type MethodHandler<D> = (input: ParsedInputOf<D>) => Promise<HandlerResultOf<D>> | HandlerResultOf<D>;

export interface CallerContext {
  /** The headless console's support mode: only methods marked readOnly may run. */
  readOnly: boolean;
}

/** Where unexpected failures go (the console log); never shown to the user as they are. */
export type InternalErrorLog = (entry: { method: string; kind: 'handler-threw' | 'invalid-output'; error: unknown; detail?: string }) => void;

const defaultLog: InternalErrorLog = ({ method, kind, error, detail }) => {
  console.error(`console: ${method}: ${kind}${detail ? ` (${detail})` : ''}`, error);
};

/** A method's answer schemas must not be pushed through as raw validation text; this is what a person reads. */
function describeIssue(issue: z.core.$ZodIssue | undefined): { field: string | undefined; message: string } {
  if (!issue) return { field: undefined, message: 'the input is not valid' };
  const field = issue.path.length ? issue.path.map(String).join('.') : undefined;
  return { field, message: field ? `${field}: ${issue.message}` : issue.message };
}

export class MethodRegistry {
  private readonly handlers = new Map<string, (input: unknown) => unknown>();

  constructor(
    private readonly methods: Record<string, InvokeDef>,
    private readonly log: InternalErrorLog = defaultLog,
  ) {}

  /** Implements one method of the contract; the handler's input and output types come from its definition. */
  implement<D extends InvokeDef>(def: D, handler: MethodHandler<D>): void {
    if (!Object.hasOwn(this.methods, def.name) || this.methods[def.name] !== def) {
      throw new Error(`${def.name} is not a method of the console contract (add it to consoleMethods in api.ts)`);
    }
    if (this.handlers.has(def.name)) throw new Error(`${def.name} is implemented twice`);
    // The one place a typed handler is stored untyped: invoke() hands it only input its schema parsed.
    this.handlers.set(def.name, handler as (input: unknown) => unknown);
  }

  /** Methods of the contract nobody implemented (a test asserts there are none). */
  unimplemented(): string[] {
    return Object.keys(this.methods).filter((name) => !this.handlers.has(name));
  }

  async invoke(name: string, rawInput: unknown, caller: CallerContext): Promise<Envelope<unknown>> {
    const def = Object.hasOwn(this.methods, name) ? this.methods[name] : undefined;
    if (!def) return fail('UNKNOWN_METHOD', `this console has no method "${name}"; the console and its window are from different versions — reload the window`);
    if (caller.readOnly && !def.readOnly) {
      return fail('READ_ONLY', 'this console is read-only (support mode): it shows health, spend and history but changes nothing; ask an operator to do this');
    }
    const parsed = def.input.safeParse(rawInput ?? {});
    if (!parsed.success) {
      const { field, message } = describeIssue(parsed.error.issues[0]);
      return { ok: false, error: { code: 'INVALID_INPUT', message, ...(field ? { field } : {}) } };
    }
    const handler = this.handlers.get(name);
    if (!handler) return fail('NOT_IMPLEMENTED', 'this build of the console does not offer that yet');
    let output: unknown;
    try {
      output = await handler(parsed.data);
    } catch (err) {
      if (err instanceof ConsoleError) return fail(err.code, err.message);
      this.log({ method: name, kind: 'handler-threw', error: err });
      return fail('INTERNAL', internalMessage(err));
    }
    const checked = def.output.safeParse(output);
    if (!checked.success) {
      const { message } = describeIssue(checked.error.issues[0]);
      this.log({ method: name, kind: 'invalid-output', error: checked.error, detail: message });
      return fail('INTERNAL', 'the console produced an answer it does not recognise (a bug); it is written to the console log with the details');
    }
    return { ok: true, data: checked.data };
  }
}

function internalMessage(err: unknown): string {
  const reason = err instanceof Error ? err.message : String(err);
  return `the console hit an unexpected error (${reason.slice(0, 200)}); it is written to the console log with its details — try again, and if it happens again send that log to whoever looks after this console`;
}

function fail(code: string, message: string): Envelope<never> {
  return { ok: false, error: { code, message } };
}
