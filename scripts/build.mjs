// `npm run build`: compiles app/, core/ and plugins/ into dist/ (ESM JavaScript + .d.ts) with tsc,
// then copies what tsc does not emit: the worker entry files, the report's browser script, the wasm SIMD
// kernels' binary and the built-in presets.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
for (const entry of ['core/data/workers/batch-worker-entry.mjs', 'core/parallel/replica-worker-entry.mjs', 'app/report/client/report-client.js', 'core/backends/wasm-simd/kernels.wasm', 'core/backends/wasm-simd/kernels-fma.wasm']) {
  cpSync(join(root, entry), join(dist, entry));
}
mkdirSync(join(dist, 'presets'), { recursive: true });
for (const file of readdirSync(join(root, 'presets')).filter((f) => f.endsWith('.yaml'))) {
  cpSync(join(root, 'presets', file), join(dist, 'presets', file));
}
