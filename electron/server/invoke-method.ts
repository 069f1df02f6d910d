// The one place a console method call is checked and run, shared by the Electron IPC binding and the
// headless HTTP server: look the method up, refuse it in read-only mode unless it is marked readOnly,
// validate the input with its zod schema, run the handler, validate the output, and wrap the outcome
// in the { ok, data } / { ok: false, error } envelope.
import { ConsoleError, type Envelope, type InvokeDef } from '../core/contracts/define.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- handlers are checked against their schema at run time
export type MethodHandler = (input: any) => Promise<unknown>;
export type ConsoleHandlers = Record<string, MethodHandler>;

export interface InvokeContext {
  methods: Record<string, InvokeDef>;
  handlers: ConsoleHandlers;
  readOnly: boolean;
  /** Methods without a handler here go to the console core, which validates and answers with an envelope. */
  delegate?: (name: string, input: unknown) => Promise<Envelope<unknown>>;
}

export async function invokeMethod(ctx: InvokeContext, name: string, rawInput: unknown): Promise<Envelope<unknown>> {
  const def = Object.hasOwn(ctx.methods, name) ? ctx.methods[name] : undefined;
  if (!def) return fail('UNKNOWN_METHOD', `there is no console method "${name}"`);
  if (ctx.readOnly && !def.readOnly) {
    return fail('READ_ONLY', `"${name}" changes things or reveals secrets, and this console is read-only; ask an operator to do it`);
  }
  const parsed = def.input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail('INVALID_INPUT', `${name}: ${issue.path.join('.') || 'input'}: ${issue.message}`);
  }
  const handler = Object.hasOwn(ctx.handlers, name) ? ctx.handlers[name] : undefined;
  if (!handler) {
    const answer = ctx.delegate ? await ctx.delegate(name, parsed.data) : null;
    // The core answers UNKNOWN_METHOD for contract methods nobody has implemented yet.
    if (answer && !(answer.ok === false && answer.error.code === 'UNKNOWN_METHOD')) return answer;
    return fail('NOT_IMPLEMENTED', `"${name}" is not available in this build of the console yet`);
  }
  try {
    const output = await handler(parsed.data);
    const checked = def.output.safeParse(output);
    if (!checked.success) {
      return fail('INVALID_OUTPUT', `${name} produced a result that does not match its contract: ${checked.error.issues[0]?.message}`);
    }
    return { ok: true, data: checked.data };
  } catch (err) {
    if (err instanceof ConsoleError) return fail(err.code, err.message);
    const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'INTERNAL';
    return fail(code, (err as Error).message ?? String(err));
  }
}

function fail(code: string, message: string): Envelope<never> {
  return { ok: false, error: { code, message } };
}
