// Test double of the console for the renderer's component tests: it answers like the real console does at its
// boundary (the contract's zod schemas check input and output; unknown or unanswered methods give the same error
// envelopes), records calls, and lets a test push live events.
import { consoleMethods } from '../../electron/core/api.js';
import { ConsoleError, type Envelope, type InvokeDef } from '../../electron/core/contracts/define.js';
import { MethodRegistry, type MethodHandler } from '../../electron/core/registry/method-registry.js';
import type { ConsoleEvent, ConsoleTransport } from '../../renderer/src/api/transport.js';

export type FakeAnswer = (input: never) => unknown;

export interface ContractFakeTransport extends ConsoleTransport {
  calls: Array<{ method: string; input: unknown }>;
  callsOf(method: string): unknown[];
  emit(channel: string, payload: unknown): void;
}

/** Thrown by an answer to produce an error envelope with this code. */
export class FakeConsoleError extends ConsoleError {}

/**
 * The fake answers through the console's own call pipeline (the same MethodRegistry the IPC binding and the
 * headless server use), so validation, read-only refusals and error envelopes are the real ones; an answer that
 * throws anything but FakeConsoleError fails the test instead of becoming INTERNAL.
 */
export function contractFakeTransport(answers: Record<string, FakeAnswer>, opts: { readOnly?: boolean } = {}): ContractFakeTransport {
  const calls: Array<{ method: string; input: unknown }> = [];
  const listeners = new Set<(e: ConsoleEvent) => void>();
  const registry = new MethodRegistry(consoleMethods, ({ error }) => {
    throw error;
  });
  // An answer for a method the contract does not have is a stale test: say so instead of silently ignoring it.
  const stale = Object.keys(answers).filter((name) => !Object.hasOwn(consoleMethods, name));
  if (stale.length) throw new Error(`the fake answers methods the console contract does not have: ${stale.join(', ')}`);
  for (const def of Object.values(consoleMethods) as InvokeDef[]) {
    const answer = Object.hasOwn(answers, def.name) ? answers[def.name] : undefined;
    const handler: MethodHandler<InvokeDef> = async (input) => {
      calls.push({ method: def.name, input });
      if (!answer) throw new ConsoleError('NOT_IMPLEMENTED', `"${def.name}" has no answer in this test`);
      return answer(input as never);
    };
    registry.implement(def, handler);
  }
  return {
    kind: 'http',
    readOnly: opts.readOnly ?? false,
    calls,
    callsOf: (method) => calls.filter((c) => c.method === method).map((c) => c.input),
    emit(channel, payload) {
      for (const l of listeners) l({ channel, payload });
    },
    invoke(method, rawInput): Promise<Envelope<unknown>> {
      return registry.invoke(method, rawInput, { readOnly: opts.readOnly ?? false });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    uploadFile: () => Promise.reject(new Error('no uploads in this fake')),
  };
}
