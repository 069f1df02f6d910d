// End-to-end tier: a real Chromium drives the built renderer served by the real headless console, which
// runs a real built-in agent. One file at a time: each starts its own console and browser.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    exclude: ['e2e/fleet-hosts/**', 'e2e/docker/**', '**/node_modules/**'],
    testTimeout: 240_000,
    hookTimeout: 240_000,
    fileParallelism: false,
    maxWorkers: 1,
  },
});
