import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/quiet-cpu-backend.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // TF.js keeps one engine per process; files run in separate forks, two at a time (2 cores).
    pool: 'forks',
    maxWorkers: 2,
  },
});
