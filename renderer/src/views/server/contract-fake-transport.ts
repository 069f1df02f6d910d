// Test double of the console for the Server view's component tests: it answers like the real console does
// at its boundary (the contract's zod schemas check input and output; unknown or unanswered methods give the
// same error envelopes), records calls, and lets a test push live events.
import { consoleMethods } from '../../../../electron/core/api.js';
import type { Envelope } from '../../../../electron/core/contracts/define.js';
import type { ConsoleEvent, ConsoleTransport } from '../../api/transport.js';

export type FakeAnswer = (input: never) => unknown;

export interface ContractFakeTransport extends ConsoleTransport {
  calls: Array<{ method: string; input: unknown }>;
  callsOf(method: string): unknown[];
  emit(channel: string, payload: unknown): void;
}

/** Thrown by an answer to produce an error envelope with this code. */
export class FakeConsoleError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function contractFakeTransport(answers: Record<string, FakeAnswer>, opts: { readOnly?: boolean } = {}): ContractFakeTransport {
  const calls: Array<{ method: string; input: unknown }> = [];
  const listeners = new Set<(e: ConsoleEvent) => void>();
  return {
    kind: 'http',
    readOnly: opts.readOnly ?? false,
    calls,
    callsOf: (method) => calls.filter((c) => c.method === method).map((c) => c.input),
    emit(channel, payload) {
      for (const l of listeners) l({ channel, payload });
    },
    async invoke(method, rawInput): Promise<Envelope<unknown>> {
      const def = consoleMethods[method];
      if (!def) return { ok: false, error: { code: 'UNKNOWN_METHOD', message: `there is no console method "${method}"` } };
      if (opts.readOnly && !def.readOnly) return { ok: false, error: { code: 'READ_ONLY', message: `"${method}" is refused: read-only console` } };
      const parsed = def.input.safeParse(rawInput ?? {});
      if (!parsed.success) return { ok: false, error: { code: 'INVALID_INPUT', message: parsed.error.issues[0].message } };
      calls.push({ method, input: parsed.data });
      const answer = answers[method];
      if (!answer) return { ok: false, error: { code: 'NOT_IMPLEMENTED', message: `"${method}" is not available in this build of the console yet` } };
      try {
        return { ok: true, data: def.output.parse(await answer(parsed.data as never)) };
      } catch (err) {
        if (err instanceof FakeConsoleError) return { ok: false, error: { code: err.code, message: err.message } };
        throw err;
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    uploadFile: () => Promise.reject(new Error('no uploads in this fake')),
  };
}
