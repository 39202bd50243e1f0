import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { resolveConfig } from '../../core/config/load.js';
import type { TricksterConfig } from '../../core/config/schema.js';
import type { EpochContext, EvalMetrics, StepContext } from '../../core/contexts.js';
import { STAGE } from '../../core/hook-stages.js';
import type { HostBatch } from '../../core/data/types.js';
import { ConfigError, PluginConflictError } from '../../core/errors.js';
import { createHooks, type RunContext } from '../../core/hooks.js';
import { HyperParams } from '../../core/hyper-params.js';
import { loadModelFromDir } from '../../core/model-io.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { loadPlugins } from '../../app/plugin-loader.js';
import { allVariables, trainableVariables } from '../../core/variables.js';
import { optionsSchema, SwaPlugin } from '../../plugins/swa/index.js';
import { collectsAt, runningAverage, swaLearningRate, swaStartEpoch } from '../../plugins/swa/math.js';
import { subsetConfig, tempRunDir, trainSubset } from '../helpers/train-subset.js';
import { MapStateBag } from '../../core/trainer-state.js';

beforeAll(async () => {
  await useBackend('wasm');
});

/** input [2,2,1] → bn → flatten → dense(2). */
function tinyModel(): tf.LayersModel {
  const input = tf.input({ shape: [2, 2, 1] });
  let x = tf.layers.batchNormalization({ name: 'bn' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.flatten({}).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ name: 'dense', units: 2 }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

function hostBatch(values: number[]): HostBatch {
  return { x: Float32Array.from(values), labels: new Int32Array(values.length / 4), size: values.length / 4, height: 2, width: 2, channels: 1 };
}

/** A host with real hooks and LR service around `model`; `top1s` are what successive evaluate() calls return, `evaluations` what each read (split, first dense kernel value). */
function fakeHost(model: tf.LayersModel, options: { batches?: HostBatch[]; top1s?: number[]; epochs?: number } = {}) {
  const warnings: string[] = [];
  const reports: Record<string, unknown> = {};
  const evaluations: { split: string; kernel: number }[] = [];
  const top1s = [...(options.top1s ?? [])];
  const host: PluginHost = {
    hooks: createHooks(),
    hyper: new HyperParams(0.1, 0),
    config: { training: { epochs: options.epochs ?? 4 } } as TricksterConfig,
    logger: { info: () => {}, warn: (m) => warnings.push(m) },
    model,
    position: { epoch: 0, step: 0, microStep: 0, batchInEpoch: 0 },
    stepsPerEpoch: 4,
    batchesPerEpoch: 4,
    setMicroBatchesPerStep: () => {},
    microBatchesPerStep: 1,
    random: () => ({ next: () => 0.5 }),
    trainBatches: async function* () {
      yield* options.batches ?? [];
    },
    normalization: { mean: [0], std: [1] },
    numClasses: 2,
    evaluate: async (o) => {
      evaluations.push({ split: o?.split ?? 'validation', kernel: model.getLayer('dense').getWeights()[0]!.dataSync()[0]! });
      return { loss: 0, top1: top1s.shift() ?? 0, top5: 1, count: 1 };
    },
    requireValidation: () => {},
    hasValidation: true,
    setFinalInputSize: () => {},
    reviseEpochs: () => {},
    report: (_plugin, key, value) => {
      reports[key] = value;
    },
  };
  return { host, warnings, reports, evaluations };
}

const run = (epochs: number): RunContext => ({ epochs, stepsPerEpoch: 4 });
const epochCtx = (epoch: number, epochs: number): EpochContext => ({ epoch, epochs, step: 0, microStep: 0, batchInEpoch: 0 });
const stepCtx = (epoch: number, batchInEpoch: number) => ({ epoch, batchInEpoch, step: 0, microStep: 0, variables: {}, batchSize: 1 }) as StepContext;
const values = (vars: Record<string, tf.Tensor>) => Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, Array.from(v.dataSync())]));
const plugin = (options: Record<string, unknown> = {}) => new SwaPlugin(optionsSchema.parse(options));

/** Sets the dense layer's kernel [4, 2] and bias [2] to constants. */
function setDense(model: tf.LayersModel, kernel: number, bias: number): void {
  tf.tidy(() => model.getLayer('dense').setWeights([tf.fill([4, 2], kernel), tf.fill([2], bias)]));
}


describe('swa math', () => {
  it('finds the first SWA epoch from a fraction or a 1-based epoch', () => {
    expect(swaStartEpoch(0.75, 10)).toBe(7); // floor(7.5): epochs 8, 9, 10 (1-based) are the SWA phase
    expect(swaStartEpoch(0.75, 4)).toBe(3);
    expect(swaStartEpoch(1, 10)).toBe(0);
    expect(swaStartEpoch(3, 10)).toBe(2);
    expect([6, 7, 8, 9].map((e) => collectsAt(e, 7, 1))).toEqual([false, true, true, true]);
    expect([7, 8, 9].map((e) => collectsAt(e, 7, 2))).toEqual([true, false, true]);
  });

  it('keeps the running average of 3 snapshots equal to their mean (seed 002: a + (x − a)/(n+1))', () => {
    // x1 = [1, 4], x2 = [2, −2], x3 = [6, 1]
    // n=0 → a1 = x1 (the formula with a0 anything: a0 + (x1 − a0)/1)
    // n=1 → a2 = [1 + (2 − 1)/2, 4 + (−2 − 4)/2] = [1.5, 1]
    // n=2 → a3 = [1.5 + (6 − 1.5)/3, 1 + (1 − 1)/3] = [3, 1] = mean([1,2,6]), mean([4,−2,1])
    const x = [tf.tensor1d([1, 4]), tf.tensor1d([2, -2]), tf.tensor1d([6, 1])];
    const a1 = runningAverage(tf.zeros([2]), x[0]!, 0);
    expect(Array.from(a1.dataSync())).toEqual([1, 4]);
    const a2 = runningAverage(a1, x[1]!, 1);
    expect(Array.from(a2.dataSync())).toEqual([1.5, 1]);
    const a3 = runningAverage(a2, x[2]!, 2);
    expect(Array.from(a3.dataSync())).toEqual([3, 1]);
  });

  it('anneals the LR linearly from the scheduled rate to the SWA rate, then holds it', () => {
    expect(swaLearningRate(0.1, 0.01, 0, 2)).toBeCloseTo(0.1, 12);
    expect(swaLearningRate(0.1, 0.01, 1, 2)).toBeCloseTo(0.055, 12); // 0.1 + (0.01 − 0.1)·1/2
    expect(swaLearningRate(0.1, 0.01, 2, 2)).toBe(0.01);
    expect(swaLearningRate(0.1, 0.01, 5, 2)).toBe(0.01);
    expect(swaLearningRate(0.1, 0.01, 0, 0)).toBe(0.01); // no annealing: straight to the SWA rate
  });
});

describe('swa taps', () => {
  it('averages the trainable weights at epoch ends from start, every `every` epochs', async () => {
    const model = tinyModel();
    const p = plugin({ start: 2, every: 2 }); // first SWA epoch index 1; snapshots at indices 1, 3
    const { host } = fakeHost(model);
    p.apply(host);
    await host.hooks.setup.promise(run(4));
    const kernels = [10, 1, 7, 5];
    const tensorCounts: number[] = [];
    for (const [e, k] of kernels.entries()) {
      setDense(model, k, -k);
      await host.hooks.afterEpoch.promise(epochCtx(e, 4));
      tensorCounts.push(tf.memory().numTensors);
    }
    expect(tensorCounts[3]).toBe(tensorCounts[2]); // a later snapshot adds no tensor
    expect(p.averaged).toBe(2);
    // mean of the snapshots at epochs 1 and 3: (1 + 5)/2 = 3
    expect(values(p.averageWeights!)['dense/kernel']).toEqual(Array(8).fill(3));
    expect(values(p.averageWeights!)['dense/bias']).toEqual([-3, -3]);
    expect(Object.keys(p.averageWeights!)).not.toContain('bn/moving_mean'); // parameters only, BN stats are recomputed
  });

  it('holds the SWA LR from start, annealed from the scheduled rate, through the LR override', async () => {
    const p = plugin({ start: 2, lr: 0.01, annealEpochs: 1 });
    const { host } = fakeHost(tinyModel());
    p.apply(host);
    await host.hooks.setup.promise(run(3));
    host.hooks.beforeStep.call(stepCtx(0, 0));
    expect(host.hyper.lr).toBe(0.1); // before the SWA phase: untouched
    host.hooks.beforeStep.call(stepCtx(1, 0));
    expect(host.hyper.lr).toBeCloseTo(0.1, 12);
    host.hooks.beforeStep.call(stepCtx(1, 2));
    expect(host.hyper.lr).toBeCloseTo(0.055, 12); // half an epoch into a 1-epoch anneal: 0.1 + (0.01 − 0.1)/2
    host.hyper.baseLr = 1; // the schedule moving on no longer matters
    host.hooks.beforeStep.call(stepCtx(2, 0));
    expect(host.hyper.lr).toBe(0.01);
  });

  it('refuses a second LR override, naming both plugins', () => {
    const { host } = fakeHost(tinyModel());
    host.hyper.claimOverride('other-trick');
    expect(() => plugin({ lr: 0.05 }).apply(host)).toThrow(PluginConflictError);
    expect(() => plugin({ lr: 0.05 }).apply(host)).toThrow(/"other-trick" and "swa"/);
    expect(() => plugin({ lr: null }).apply(host)).not.toThrow(); // keeps the schedule: claims nothing
  });

  it('at the end swaps the average in, recomputes BN over the training batches, reports n, top-1 and the last weights on test', async () => {
    const model = tinyModel();
    const batches = [hostBatch([1, 2, 3, 4]), hostBatch([5, 6, 7, 8, 0, 0, 0, 0])];
    const p = plugin({ start: 1 });
    const { host, reports, evaluations } = fakeHost(model, { batches, top1s: [0.5, 0.6, 0.75] });
    p.apply(host);
    await host.hooks.setup.promise(run(2));
    for (const [e, k] of [3, 5].entries()) {
      setDense(model, k, k);
      await host.hooks.afterEpoch.promise(epochCtx(e, 2));
    }
    await host.hooks.afterTrain.promise(run(2));
    expect(values(trainableVariables(model))['dense/kernel']).toEqual(Array(8).fill(4));
    // update_bn: mean of the per-batch means, 10/4 = 2.5 and 26/8 = 3.25, and of the biased variances
    // E[x²] − mean²: 30/4 − 6.25 = 1.25 and 174/8 − 10.5625 = 11.1875
    const [, , mean, variance] = model.getLayer('bn').getWeights();
    expect(mean!.dataSync()[0]).toBeCloseTo((2.5 + 3.25) / 2, 5);
    expect(variance!.dataSync()[0]).toBeCloseTo((1.25 + 11.1875) / 2, 5);
    // Validation before the swap, the test split once on the last trained weights (kernel 5), validation after (the average, 4).
    expect(evaluations).toEqual([
      { split: 'validation', kernel: 5 },
      { split: 'test', kernel: 5 },
      { split: 'validation', kernel: 4 },
    ]);
    expect(reports).toEqual({ averaged: 2, bnBatches: 2, valTop1Before: 0.5, valTop1After: 0.75, finalWeightsTop1: 0.6, finalWeightsTop5: 1, finalWeightsTestLoss: 0 });
  });

  it('with reportFinalWeights false evaluates nothing on the test split', async () => {
    const model = tinyModel();
    const p = plugin({ start: 1, reportFinalWeights: false });
    const { host, reports, evaluations } = fakeHost(model, { batches: [hostBatch([1, 2, 3, 4])] });
    p.apply(host);
    await host.hooks.setup.promise(run(1));
    await host.hooks.afterEpoch.promise(epochCtx(0, 1));
    await host.hooks.afterTrain.promise(run(1));
    expect(evaluations.map((e) => e.split)).toEqual(['validation', 'validation']);
    expect(reports.finalWeightsTop1).toBeUndefined();
  });

  it('warns and keeps the trained weights when nothing was averaged', async () => {
    const model = tinyModel();
    const p = plugin({ start: 5 });
    const { host, warnings, reports } = fakeHost(model);
    p.apply(host);
    await host.hooks.setup.promise(run(2));
    const before = values(allVariables(model));
    await host.hooks.afterTrain.promise(run(2));
    expect(values(allVariables(model))).toEqual(before);
    expect(reports.averaged).toBe(0);
    expect(warnings.join('\n')).toMatch(/nothing will be averaged/);
  });

  /**
   * Runs `p` over the epochs of a run planned at `planned` epochs whose length is revised to
   * `revisions[e]` before epoch index e (as the kernel does after epoch e − 1's afterEpoch), to its
   * current end; the epoch indices whose end added a snapshot, and the host.
   */
  async function averagedEpochs(p: SwaPlugin, planned: number, revisions: Record<number, number>) {
    const { host } = fakeHost(tinyModel(), { epochs: planned });
    const training = host.config.training as { epochs: number };
    p.apply(host);
    await host.hooks.setup.promise(run(planned));
    const collected: number[] = [];
    for (let e = 0; e < training.epochs; e++) {
      training.epochs = revisions[e] ?? training.epochs;
      const before = p.averaged;
      await host.hooks.afterEpoch.promise(epochCtx(e, training.epochs));
      if (p.averaged > before) collected.push(e);
    }
    return { collected, host };
  }

  it('before its phase the start follows a revised length; the first epoch at or past it fixes it', async () => {
    // Planned 8 epochs: start 0.5 is epoch index 4; revised to 12 after epoch index 1: index 6.
    // Revised again inside the phase (to 10): the start stays at 6 (every 2: snapshots at 6 and 8;
    // a start moved to 0.5 of 10, index 5, would have taken 9 instead of 8), only the end moves.
    const a = await averagedEpochs(plugin({ start: 0.5, every: 2 }), 8, { 2: 12, 8: 10 });
    expect(a.collected).toEqual([6, 8]);
    a.host.hooks.dispose.call();
    // Planned 8 (0.75: start index 6), shortened to 6 after epoch index 4: 0.75 of 6 is index 4,
    // already past, so the phase begins at the current epoch, index 5, the run's last.
    const shorter = plugin({ start: 0.75 });
    const b = await averagedEpochs(shorter, 8, { 5: 6 });
    expect(b.collected).toEqual([5]);
    const saved = new MapStateBag();
    b.host.hooks.saveState.call(saved);
    expect(saved.get('swa')!.json).toMatchObject({ count: 1, startEpoch: 5 });
    b.host.hooks.dispose.call();
  });

  it('round-trips n, the start LR and the average through the checkpoint state', async () => {
    const model = tinyModel();
    const a = plugin({ start: 1, lr: 0.02 });
    const ha = fakeHost(model);
    a.apply(ha.host);
    await ha.host.hooks.setup.promise(run(3));
    ha.host.hooks.beforeStep.call(stepCtx(0, 0));
    setDense(model, 2, 2);
    await ha.host.hooks.afterEpoch.promise(epochCtx(0, 3));
    setDense(model, 4, 4);
    await ha.host.hooks.afterEpoch.promise(epochCtx(1, 3));
    const saved = new MapStateBag();
    ha.host.hooks.saveState.call(saved);
    const state = saved.get('swa')!;
    expect(state.json).toEqual({ count: 2, startLr: 0.1, startEpoch: 0 });
    const tensors = Object.fromEntries(Object.entries(state.tensors!).map(([k, t]) => [k, t.clone()]));
    const read = new MapStateBag();
    read.set('swa', { json: state.json, tensors });
    const b = plugin({ start: 1, lr: 0.02 });
    const hb = fakeHost(model);
    b.apply(hb.host);
    await hb.host.hooks.setup.promise(run(3));
    hb.host.hooks.loadState.call(read);
    tf.dispose(Object.values(tensors));
    expect(b.averaged).toBe(2);
    expect(values(b.averageWeights!)).toEqual(values(a.averageWeights!));
    // A third snapshot continues the same average: (2 + 4 + 9)/3 = 5
    setDense(model, 9, 9);
    await hb.host.hooks.afterEpoch.promise(epochCtx(2, 3));
    expect(values(b.averageWeights!)['dense/bias']).toEqual([5, 5]);
  });
});

describe('swa config', () => {
  async function plugins(entry: unknown): Promise<TricksterPlugin[]> {
    const { config, baseDir } = await resolveConfig({ inline: subsetConfig({ plugins: { swa: entry } }) });
    return loadPlugins(config, baseDir);
  }

  it('is switched off by false, on with defaults by {}', async () => {
    expect((await plugins(false)).map((p) => p.name)).not.toContain('swa');
    expect((await plugins({})).map((p) => p.name)).toContain('swa');
    expect(optionsSchema.parse({})).toEqual({ start: 0.75, every: 1, lr: null, annealEpochs: 0, reportFinalWeights: true });
  });

  it('names the key path of a bad option', async () => {
    await expect(plugins({ start: 1.5 })).rejects.toThrow(ConfigError);
    await expect(plugins({ start: 1.5 })).rejects.toThrow(/plugins\.swa\.start/);
    await expect(plugins({ lr: -1 })).rejects.toThrow(/plugins\.swa\.lr/);
    await expect(plugins({ every: 0.5 })).rejects.toThrow(/plugins\.swa\.every/);
  });
});

/** Records the trainable weights at each epoch end (after SWA's collection tap). */
class SnapshotProbe implements TricksterPlugin {
  readonly name = 'snapshot-probe';
  readonly snapshots: Record<string, number[]>[] = [];
  /** Test metrics of the last trained weights, read just before SWA swaps its average in. */
  lastTrained: EvalMetrics | undefined;
  apply(host: PluginHost): void {
    host.hooks.afterEpoch.tapPromise({ name: this.name, stage: 10 }, async () => {
      this.snapshots.push(values(trainableVariables(host.model)));
    });
    host.hooks.afterTrain.tapPromise({ name: this.name, stage: STAGE.SWAP_IN_SWA_AVERAGE - 1 }, async () => {
      this.lastTrained = await host.evaluate({ split: 'test' });
    });
  }
}

describe('swa end to end (Fashion-MNIST subset)', () => {
  // 640 images, 20% (128) held out for validation, so the before/after check has a split to read: 512 train.
  const overrides = { data: { limit: 640, validationSplit: 0.2 }, training: { epochs: 3, batchSize: 64 }, plugins: { swa: { start: 2, lr: 0.05 } } };

  it('averages epochs 2-3 at the SWA LR, evaluates and exports the average; a resume continues it', async () => {
    const probe = new SnapshotProbe();
    const { summary, trainer } = await trainSubset(overrides, { plugins: [probe] });
    const report = summary.plugins.swa as Record<string, number>;
    expect(report.averaged).toBe(2);
    expect(report.bnBatches).toBe(8); // one pass over 512 images at batch 64
    expect(report.valTop1After).toBeGreaterThan(0.2);
    // The last trained weights on the test split, beside the average's (the summary's top1).
    expect(report.finalWeightsTop1).toBe(probe.lastTrained!.top1);
    expect(report.finalWeightsTestLoss).toBe(probe.lastTrained!.loss);
    expect(report.finalWeightsTestLoss).not.toBe(summary.testLoss);
    const lrs = readFileSync(path.join(summary.runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).lr);
    expect(lrs).toEqual([0.1, 0.05, 0.05]);
    // The exported model holds the mean of the snapshots after epochs 2 and 3.
    const exported = await loadModelFromDir(path.join(summary.runDir, 'model', 'model.json'));
    const got = values(trainableVariables(exported));
    const [s2, s3] = [probe.snapshots[1]!, probe.snapshots[2]!];
    for (const [name, v] of Object.entries(got)) {
      v.forEach((x, i) => expect(Math.abs(x - (s2[name]![i]! + s3[name]![i]!) / 2)).toBeLessThan(1e-6));
    }
    expect(got['head_dense/kernel']).not.toEqual(s3['head_dense/kernel']);
    exported.dispose();
    trainer.dispose();

    // Stop after epoch 2 (one snapshot, SWA LR held), resume to 3: the same average, the same model.
    const dir = tempRunDir();
    (await trainSubset({ ...overrides, training: { epochs: 2, batchSize: 64 } }, { outDir: dir })).trainer.dispose();
    const resumed = await trainSubset(overrides, { outDir: dir, resume: true });
    expect(resumed.summary.plugins.swa).toEqual(summary.plugins.swa);
    expect(resumed.summary.top1).toBe(summary.top1);
    resumed.trainer.dispose();
  });
});
