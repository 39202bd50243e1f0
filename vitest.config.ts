import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The native backend's suite has its own config (vitest.native.config.ts, `npm run test:native`).
    exclude: [...configDefaults.exclude, 'test/native/**'],
    // `auto` stays on wasm here even after `npm run native:setup` (see core/backends/native-package.ts).
    env: { TRICKSTER_NATIVE_DIR: 'off' },
    setupFiles: ['test/setup/quiet-cpu-backend.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // TF.js keeps one engine per process; files run in separate forks, two at a time (2 cores).
    pool: 'forks',
    maxWorkers: 2,
  },
});
