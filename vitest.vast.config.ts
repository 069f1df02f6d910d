// `npm run test:vast`: renting GPUs on the fake Vast.ai end to end — the happy path with a real agent process and
// a real analysis, the seeded fault runs (at least 50), and the bad input not covered by the unit tests of
// electron/core/vast. Kept out of `npm test` (they take minutes); run by .ci/run through .ci/extra-suites.
// Files run one at a time: they share two cores with whatever else runs, and their timings are real time.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['electron/**/*.vast.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    maxWorkers: 1,
  },
});
