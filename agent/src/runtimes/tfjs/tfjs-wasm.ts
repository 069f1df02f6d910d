// One tfjs engine per process/thread, on the WebAssembly backend (tfjs-node's libtensorflow cannot be downloaded on
// our build machines). Everything tfjs-based (nsfwjs, human) goes through `loadTfjs()`, which loads the CommonJS
// builds through one `require`, so nsfwjs and human share the same tfjs-core, kernels and backend instance.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export type Tfjs = typeof import('@tensorflow/tfjs');

/** Folder holding tfjs-backend-wasm's `.wasm` binaries, on disk inside the installed package. */
export function tfjsWasmDir(): string {
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
}

let ready: Promise<Tfjs> | undefined;

export function loadTfjs(): Promise<Tfjs> {
  ready ??= initTfjs().catch((err: unknown) => {
    ready = undefined;
    throw err;
  });
  return ready;
}

const processEvents = ['uncaughtException', 'unhandledRejection'] as const;

async function initTfjs(): Promise<Tfjs> {
  const before = Object.fromEntries(processEvents.map((e) => [e, listenersOf(e)]));
  const tf = require('@tensorflow/tfjs') as Tfjs;
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  // Paths on disk: the default would fetch the binaries from a CDN.
  wasm.setWasmPaths(tfjsWasmDir());
  // Production mode drops tfjs's per-op debug checks.
  tf.enableProdMode();
  if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend failed to initialise');
  await tf.ready();
  removeListenersAddedSince(before);
  return tf;
}

/**
 * Emscripten's Node glue in the wasm backend installs process-wide `uncaughtException`/`unhandledRejection`
 * handlers that rethrow, which would crash the agent even where the service installs its own handlers. They only
 * matter for emscripten's standalone programs, so they are removed again.
 */
type AnyListener = (...args: unknown[]) => void;

function listenersOf(event: (typeof processEvents)[number]): AnyListener[] {
  return (process.listeners as (e: string) => AnyListener[])(event);
}

function removeListenersAddedSince(before: Record<string, AnyListener[]>): void {
  for (const event of processEvents) {
    for (const listener of listenersOf(event)) {
      if (!before[event].includes(listener)) (process.removeListener as (e: string, l: AnyListener) => void)(event, listener);
    }
  }
}

export function tfjsBackendName(tf: Tfjs): string {
  return tf.getBackend();
}
