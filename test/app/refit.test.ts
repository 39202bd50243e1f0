import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REFIT_DIR, refitEpochs, SELECTION_FILE, trainWithRefit, type RefitSummary } from '../../app/refit.js';
import { resolveConfig } from '../../core/config/load.js';
import type { EvalContext } from '../../core/contexts.js';
import { silentLogger } from '../../core/logger.js';
import { loadModelFromDir } from '../../core/model-io.js';
import type { TricksterPlugin } from '../../core/plugin.js';
import { EarlyStoppingPlugin } from '../../plugins/early-stopping/index.js';
import { cli } from '../helpers/cli.js';
import { metricLines, readWeights } from '../helpers/contract-run.js';
import { subsetConfig, tempRunDir } from '../helpers/train-subset.js';

/**
 * Early stopping that stops after epoch 2 (best epoch 1): top-1 can never improve by more than
 * minDelta 1, and Keras's patience 0 stops at the second evaluation (the first always improves).
 */
const stopAtTwo = (refit: string) => ({ monitor: 'top1', patience: 0, minDelta: 1, refit });

/** 512 training images (10% held out for validation: 461 + 51), 64 test images, up to 4 epochs on one replica. */
const config = (refit: string, plugins: Record<string, unknown> = {}) =>
  subsetConfig({ training: { epochs: 4, replicas: 1 }, optimizer: { lr: 0.02 }, plugins: { 'early-stopping': stopAtTwo(refit), ...plugins } }, 512, 64);

/** Records each phase's evaluations and its weights at setup (after the refit's start weights are in). */
function probe() {
  const evals: { phase: EvalContext['phase']; count: number | undefined }[][] = [];
  const atSetup: Record<string, Float32Array>[] = [];
  const plugin: TricksterPlugin = {
    name: 'refit-probe',
    apply(host) {
      evals.push([]);
      const mine = evals.at(-1)!;
      host.hooks.setup.tapPromise('refit-probe', async () => {
        atSetup.push(readWeights(host.model));
      });
      host.hooks.afterEval.tapPromise({ name: 'refit-probe', stage: 10_000 }, async ({ phase, metrics }) => {
        mine.push({ phase, count: metrics?.count });
      });
    },
  };
  return { plugin, evals, atSetup };
}

async function refitRun(refit: string, plugins: TricksterPlugin[] = [], extra: Record<string, unknown> = {}) {
  const outDir = tempRunDir('trickster-refit-');
  const resolved = await resolveConfig({ inline: config(refit, extra) });
  const summary = (await trainWithRefit(resolved, { backend: 'wasm', progress: 'none', logger: silentLogger, outDir, plugins })) as RefitSummary;
  return { summary, outDir };
}

describe('early stopping refit', () => {
  it('computes the refit length from the best epoch e* and the validation fraction v', () => {
    // epochs: e*; steps: e*·(1 − v) (steps per epoch scale with the images); continue: e*·v (the images held out).
    expect([refitEpochs('epochs', 1, 0.1), refitEpochs('epochs', 7, 0.2)]).toEqual([1, 7]);
    expect([refitEpochs('steps', 10, 0.2), refitEpochs('steps', 4, 0.1), refitEpochs('steps', 1, 0.1)]).toEqual([8, 4, 1]); // 3.6 → 4; 0.9 → 1
    expect([refitEpochs('continue', 20, 0.2), refitEpochs('continue', 10, 0.1), refitEpochs('continue', 1, 0.1)]).toEqual([4, 1, 1]); // 0.1 → at least 1
  });

  it("is an early-stopping option, false by default; a bad value is a coded error naming it", () => {
    expect(() => new EarlyStoppingPlugin({ refit: 'twice' as 'epochs' })).toThrow(/plugins\.early-stopping\.refit/);
    expect(() => new EarlyStoppingPlugin({ refit: true as unknown as 'epochs' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it("'epochs': stops at epoch 2, then trains best-epoch 1 epoch on all 512 images; selection on validation only, test metrics the refit model's", async () => {
    const p = probe();
    const { summary, outDir } = await refitRun('epochs', [p.plugin]);
    const { refit } = summary;
    expect(refit.mode).toBe('epochs');
    expect(refit.selection).toMatchObject({ runDir: outDir, epochs: 2, bestEpoch: 1, validationSplit: 0.1, trainImages: 461, stopped: { plugin: 'early-stopping' } });
    expect(refit).toMatchObject({ epochs: 1, trainImages: 512 });
    // The summary is the refit phase's: one epoch of 512 images (8 steps of 64), no validation split, its test metrics.
    expect(summary).toMatchObject({ runDir: path.join(outDir, REFIT_DIR), epochs: 1, steps: 8, validation: null, stopped: null });
    expect(summary.top1).toBeGreaterThan(0.1);
    expect(metricLines(summary.runDir)).toHaveLength(1);
    const refitConfig = JSON.parse(readFileSync(path.join(summary.runDir, 'config.json'), 'utf8'));
    expect(refitConfig).toMatchObject({ data: { validationSplit: 0 }, training: { epochs: 1 }, plugins: { 'early-stopping': false } });
    expect(existsSync(path.join(summary.runDir, 'model', 'model.json'))).toBe(true);
    // Selection saw only the 51 validation images per epoch; the selection record keeps no test metric.
    expect(p.evals[0]!.filter((e) => e.phase === 'epoch')).toEqual([{ phase: 'epoch', count: 51 }, { phase: 'epoch', count: 51 }]);
    expect(p.evals[1]!.filter((e) => e.phase === 'epoch')).toEqual([]);
    const saved = readFileSync(path.join(outDir, SELECTION_FILE), 'utf8');
    expect(Object.keys(JSON.parse(saved)).sort()).toEqual(['bestEpoch', 'epochs', 'runDir', 'steps', 'stopped', 'trainImages', 'validation', 'validationSplit']);
    expect(JSON.parse(saved)).toEqual(JSON.parse(JSON.stringify(refit.selection)));

    // Resume after the selection phase (killed before the refit began): the refit alone runs, as it ran the first time.
    const weights = readFileSync(path.join(summary.runDir, 'model', 'weights.bin'));
    rmSync(summary.runDir, { recursive: true });
    const again = probe();
    const resolved = await resolveConfig({ inline: config('epochs') });
    const resumed = (await trainWithRefit(resolved, { backend: 'wasm', progress: 'none', logger: silentLogger, outDir, resume: true, plugins: [again.plugin] })) as RefitSummary;
    expect(again.evals).toHaveLength(1);
    expect(resumed.refit).toEqual(JSON.parse(JSON.stringify(refit)));
    expect(resumed.top1).toBe(summary.top1);
    expect(readFileSync(path.join(summary.runDir, 'model', 'weights.bin')).equals(weights)).toBe(true);
  });

  it("'continue': the refit starts from the selection phase's exported weights", async () => {
    const p = probe();
    const { summary, outDir } = await refitRun('continue', [p.plugin], {});
    expect(summary.refit).toMatchObject({ mode: 'continue', epochs: 1, startWeights: path.join(outDir, 'model', 'model.json') });
    expect(p.atSetup).toHaveLength(2);
    const exported = await loadModelFromDir(summary.refit.startWeights!);
    const selected = readWeights(exported);
    exported.dispose();
    expect(Object.keys(p.atSetup[1]!).sort()).toEqual(Object.keys(selected).sort());
    for (const [name, w] of Object.entries(selected)) expect(p.atSetup[1]![name], name).toEqual(w);
    // Not the fresh initialisation the selection phase started from.
    expect(Object.entries(p.atSetup[0]!).some(([name, w]) => w.some((v, i) => v !== selected[name]![i]))).toBe(true);
  });

  it('refuses, before training, a refit beside another plugin that acts on validation metrics', async () => {
    const outDir = tempRunDir('trickster-refit-');
    const resolved = await resolveConfig({ inline: config('epochs', { 'reduce-lr-on-plateau': {} }) });
    await expect(trainWithRefit(resolved, { backend: 'wasm', progress: 'none', logger: silentLogger, outDir })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/^plugins\.early-stopping\.refit: .*reduce-lr-on-plateau/),
    });
    expect(existsSync(path.join(outDir, 'config.json'))).toBe(false);
  });

  it("via the CLI: `trickster train` with refit 'epochs' says what the refit trained and prints its summary", async () => {
    const dir = tempRunDir('trickster-refit-cli-');
    const file = path.join(dir, 'refit.json');
    writeFileSync(file, JSON.stringify({ extends: 'baseline', optimizer: { lr: 0.02 }, plugins: { 'early-stopping': stopAtTwo('epochs') } }));
    const out = path.join(dir, 'run');
    const args = ['--config', file, '--limit', '512', '--test-limit', '64', '--epochs', '4', '--replicas', '1', '--backend', 'wasm', '--progress', 'none'];
    const { code, stdout, stderr } = await cli('train', ...args, '--out', out, '--json');
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(0);
    expect(stdout).toContain(`refit (epochs): 1 epoch(s) on all 512 training images; early stopping's best epoch 1 of 2 on 461 (selection run ${out})`);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as RefitSummary;
    expect(summary).toMatchObject({ runDir: path.join(out, REFIT_DIR), epochs: 1, refit: { mode: 'epochs', epochs: 1, trainImages: 512 } });
    expect(stdout).toContain(`test top1 ${(100 * summary.top1).toFixed(2)}%`);
  });
});
