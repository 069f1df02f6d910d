// Test tiers: `npm test` runs unit and agent tests on real models; fleet (sshd, Docker, Pebble) and e2e
// (a real browser) suites have their own commands because they need system services set up first, and the
// Vast.ai suite (`npm run test:vast`, *.vast.test.ts) because its seeded fault runs take minutes.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['agent/**/*.test.ts', 'electron/**/*.test.ts', 'renderer/**/*.test.{ts,tsx}'],
    exclude: ['**/node_modules/**', '**/*.fleet.test.ts', '**/*.vast.test.ts', 'e2e/**'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: model-heavy files must not all load their models at once.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
