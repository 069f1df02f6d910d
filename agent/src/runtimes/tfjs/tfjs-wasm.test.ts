// The shared tfjs runtime: wasm backend from files on disk, and no process-wide handlers left behind.
import { describe, expect, it } from 'vitest';
import { loadTfjs } from './tfjs-wasm.js';

describe('loadTfjs', () => {
  it('runs on the wasm backend, once per thread, without leaving crash-on-error process handlers', async () => {
    const before = {
      uncaught: process.listenerCount('uncaughtException'),
      unhandled: process.listenerCount('unhandledRejection'),
    };
    const [a, b] = await Promise.all([loadTfjs(), loadTfjs()]);
    expect(a).toBe(b);
    expect(a.getBackend()).toBe('wasm');
    expect(Array.from(await a.add(a.tensor1d([1, 2]), a.tensor1d([3, 4])).data())).toEqual([4, 6]);
    expect(process.listenerCount('uncaughtException')).toBe(before.uncaught);
    expect(process.listenerCount('unhandledRejection')).toBe(before.unhandled);
  });
});
