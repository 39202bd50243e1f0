import { defineConfig } from 'vitest/config';

/**
 * `npm run test:native`: the suite of the native tensorflow backend (test/native), run after
 * `npm run native:setup`. Without the setup its tests fail, saying why; they never skip.
 */
export default defineConfig({
  test: {
    include: ['test/native/**/*.test.ts'],
    setupFiles: ['test/setup/quiet-cpu-backend.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // TF.js keeps one engine per process: one fork per file. One at a time: TensorFlow's own thread
    // pool already uses every core.
    pool: 'forks',
    maxWorkers: 1,
    env: { TF_CPP_MIN_LOG_LEVEL: '1' },
  },
});
