// Fleet suites: real sshd hosts in network namespaces, Docker, Pebble. Run by `npm run test:fleet` as root;
// each suite sets up and tears down the system services it needs. Files run one at a time: they share
// this machine's two cores with everything else and some use fixed namespace/interface names.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['electron/**/*.fleet.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    maxWorkers: 1,
  },
});
