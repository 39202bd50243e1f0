// The package as a consumer gets it: `npm pack`, installed offline into a fresh project, then
// imported, type-checked against and run through its bin, without the repository's sources; a
// TypeScript config and plugin load through the project's tsx, and without tsx are refused.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPackedTrickster } from '../helpers/consumer-project.js';

const run = promisify(execFile);
const tsc = path.resolve('node_modules/typescript/bin/tsc');
const nodeTypes = path.resolve('node_modules/@types');
const FASHION = '/usr/share/datasets/fashion-mnist';

const USER_CODE = `
import { createTrainer, definePlugin, type AfterStepContext, type EpochContext, type TricksterPlugin } from 'trickster';
import { z } from 'zod';

const stepLogger = definePlugin({
  name: 'step-logger',
  summary: 'logs the step after each epoch',
  schema: z.object({ every: z.number().int().positive() }),
  create: ({ every }): TricksterPlugin => ({
    name: 'step-logger',
    apply(host) {
      host.hooks.afterStep.tap('step-logger', (ctx: AfterStepContext) => { if (ctx.step % every === 0) host.logger.info(String(ctx.step)); });
      host.hooks.afterEpoch.tap('step-logger', (ctx: EpochContext) => { host.logger.info(String(ctx.epoch)); });
    },
  }),
});

export async function train(): Promise<number> {
  const trainer = await createTrainer({ extends: 'baseline', training: { epochs: 1 } }, { plugins: [stepLogger.create({ every: 10 })] });
  const summary = await trainer.fit();
  trainer.dispose();
  return summary.top1;
}
`;

let dir: string;

async function inConsumer(cmd: string, args: string[]) {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd: dir, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function tsconfig(module: 'node16' | 'esnext', moduleResolution: 'node16' | 'bundler'): string {
  const file = `tsconfig.${moduleResolution}.json`;
  // skipLibCheck as TF.js users need it (tfjs-core's own .d.ts do not check under strict); the wrong
  // assignment below shows trickster's types still reach the user's code.
  const compilerOptions = { module, moduleResolution, target: 'es2022', strict: true, skipLibCheck: true, noEmit: true, typeRoots: [nodeTypes], types: ['node'] };
  writeFileSync(path.join(dir, file), JSON.stringify({ compilerOptions, files: ['user.ts'] }));
  return file;
}

describe('the packed package, installed offline into a fresh project', () => {
  beforeAll(async () => {
    dir = await installPackedTrickster();
  }, 180_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('holds the build and not the sources, and tsx is not a dependency of it', () => {
    const pkg = path.join(dir, 'node_modules/trickster');
    expect(existsSync(path.join(pkg, 'dist/app/index.js'))).toBe(true);
    expect(existsSync(path.join(pkg, 'dist/app/index.d.ts'))).toBe(true);
    expect(existsSync(path.join(pkg, 'dist/presets/baseline.yaml'))).toBe(true);
    expect(existsSync(path.join(pkg, 'dist/core/backends/wasm-simd/kernels.wasm'))).toBe(true);
    expect(existsSync(path.join(pkg, 'dist/core/backends/wasm-simd/kernels-fma.wasm'))).toBe(true);
    expect(existsSync(path.join(pkg, 'app/index.ts'))).toBe(false);
    const manifest = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');
  });

  it('imports as an ES module and gives createTrainer and definePlugin', async () => {
    const r = await inConsumer(process.execPath, ['-e', "const m = await import('trickster'); console.log(typeof m.createTrainer, typeof m.definePlugin)"]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function');
  });

  it("binds the wasm SIMD kernels to the backend's memory from the installed dist/", async () => {
    const script =
      "const tf = await import('@tensorflow/tfjs'); await import('@tensorflow/tfjs-backend-wasm'); await tf.setBackend('wasm'); " +
      "const m = await import('./node_modules/trickster/dist/core/backends/wasm-simd/instance.js'); console.log(m.wasmSimdKernels(tf.backend()) !== null)";
    const r = await inConsumer(process.execPath, ['--input-type=module', '-e', script]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('true');
  });

  it('type-checks user code with createTrainer, definePlugin and the hook types (node16 and bundler resolution)', async () => {
    writeFileSync(path.join(dir, 'user.ts'), USER_CODE);
    for (const [module, resolution] of [['node16', 'node16'], ['esnext', 'bundler']] as const) {
      const r = await inConsumer(process.execPath, [tsc, '-p', tsconfig(module, resolution)]);
      expect(r.stdout, `moduleResolution ${resolution}`).toBe('');
      expect(r.code, `moduleResolution ${resolution}`).toBe(0);
    }
    writeFileSync(path.join(dir, 'user.ts'), `${USER_CODE}\nexport const wrong: string = (await import('trickster')).STAGE;\n`);
    const bad = await inConsumer(process.execPath, [tsc, '-p', tsconfig('node16', 'node16')]);
    expect(bad.stdout).toMatch(/user\.ts.*error TS2322/);
  });

  it('runs `npx trickster` from the install: --version, --help and a short training on Fashion-MNIST', async () => {
    const version = await inConsumer('npx', ['--offline', 'trickster', '--version']);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version);
    const help = await inConsumer('npx', ['--offline', 'trickster', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: trickster');
    const args = ['--offline', 'trickster', 'train', '--data', FASHION, '--limit', '256', '--test-limit', '100', '--epochs', '1', '--batch-size', '64', '--progress', 'none', '--json', '--out', 'runs/one'];
    const train = await inConsumer('npx', args);
    expect(train.code, train.stderr).toBe(0);
    const summary = JSON.parse(train.stdout.trim().split('\n').at(-1)!) as { top1: number; steps: number; replicas: number };
    expect(summary.steps).toBe(4);
    // Both worker entries ran from dist/: the data worker (data.worker is on) and, with two cores, a replica.
    expect(summary.replicas).toBe(Math.min(2, availableParallelism()));
    expect(summary.top1).toBeGreaterThan(0.1);
    expect(existsSync(path.join(dir, 'runs/one/model/model.json'))).toBe(true);
    // The report's browser script and uPlot resolve from the installed package too.
    expect(train.stderr).not.toContain('report not written');
    expect(readFileSync(path.join(dir, 'runs/one/report.html'), 'utf8')).toContain('uPlot');
  });

  it("loads a TypeScript config and plugin through the project's tsx; without tsx names it (TS_LOADER_MISSING)", async () => {
    writeFileSync(path.join(dir, 'trickster.config.ts'), "export default { extends: 'baseline', training: { epochs: 3 }, plugins: { './half-lr.ts': { factor: 0.5 } } };\n");
    writeFileSync(
      path.join(dir, 'half-lr.ts'),
      "import { definePlugin } from 'trickster';\nimport { z } from 'zod';\n" +
        "export default definePlugin({ name: 'half-lr', summary: 'scales the lr', schema: z.object({ factor: z.number() }),\n" +
        "  create: ({ factor }) => ({ name: 'half-lr', apply(host) { host.hyper.setMultiplier('half-lr', factor); } }) });\n",
    );
    const loaded = await inConsumer('npx', ['--offline', 'trickster', 'schedule', '--steps-per-epoch', '10', '--json']);
    expect(loaded.code, loaded.stderr).toBe(0);
    // Three epochs from the config; the baseline's 0.05 halved by the plugin.
    const rates = JSON.parse(loaded.stdout.trim().split('\n').at(-1)!) as { epoch: number; lr: number }[];
    expect(rates).toHaveLength(3);
    expect(rates[0]!.lr).toBeCloseTo(0.025, 10);
    rmSync(path.join(dir, 'node_modules/tsx'), { recursive: true });
    const r = await inConsumer('npx', ['--offline', 'trickster', 'schedule', '--steps-per-epoch', '10']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error \[TS_LOADER_MISSING\]: .*trickster\.config\.ts is TypeScript.*npm install --save-dev tsx/m);
  });
});
