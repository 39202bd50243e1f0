import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { resolveConfig } from '../../core/config/load.js';
import type { TricksterConfig } from '../../core/config/schema.js';
import type { BackwardContext, GradientMap } from '../../core/contexts.js';
import { ConfigError } from '../../core/errors.js';
import { createHooks, type RunContext } from '../../core/hooks.js';
import { HyperParams } from '../../core/hyper-params.js';
import { softCrossEntropy } from '../../core/losses.js';
import { Sgd } from '../../core/optim/sgd.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { loadPlugins } from '../../app/plugin-loader.js';
import { trainableVariables } from '../../core/variables.js';
import { addWeighted, weightedMean } from '../../plugins/gradient-accumulation/accumulate.js';
import { GradientAccumulationPlugin, optionsSchema, PLUGIN_NAME } from '../../plugins/gradient-accumulation/index.js';
import { subsetConfig, trainSubset } from '../helpers/train-subset.js';
import { MapStateBag } from '../../core/trainer-state.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const RUN: RunContext = { epochs: 1, stepsPerEpoch: 2 };

/** dense(3 → 4, relu) → dense(2): no batch norm, so micro-batches add up exactly. */
function denseModel(seed: number, withBn = false): tf.LayersModel {
  const input = tf.input({ shape: [3] });
  let x = tf.layers.dense({ name: 'hidden', units: 4, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }).apply(input) as tf.SymbolicTensor;
  if (withBn) x = tf.layers.batchNormalization({ name: 'bn' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ name: 'head', units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** A host with real hooks: just enough of the trainer for the plugin's taps. */
function fakeHost(model: tf.LayersModel, batchesPerEpoch = 8) {
  const warnings: string[] = [];
  const reports: Record<string, unknown> = {};
  let microBatches = 1;
  const host: PluginHost = {
    hooks: createHooks(),
    hyper: new HyperParams(0.1, 5e-4),
    config: { training: { batchSize: 4 } } as TricksterConfig,
    logger: { info: () => {}, warn: (m) => warnings.push(m) },
    model,
    position: { epoch: 0, step: 0, microStep: 0, batchInEpoch: 0 },
    get stepsPerEpoch() {
      return Math.floor(batchesPerEpoch / microBatches);
    },
    batchesPerEpoch,
    setMicroBatchesPerStep: (_owner, n) => {
      microBatches = n;
    },
    get microBatchesPerStep() {
      return microBatches;
    },
    random: () => ({ next: () => 0.5 }),
    trainBatches: async function* () {},
    normalization: { mean: [0], std: [1] },
    numClasses: 2,
    evaluate: async () => ({ loss: 0, top1: 0, top5: 0, count: 0 }),
    requireValidation: () => {},
    hasValidation: true,
    setFinalInputSize: () => {},
    reviseEpochs: () => {},
    report: (_plugin, key, value) => {
      reports[key] = value;
    },
  };
  return { host, warnings, reports };
}


function plugin(steps: number): GradientAccumulationPlugin {
  return new GradientAccumulationPlugin(optionsSchema.parse({ steps }));
}

/** Fixed inputs and one-hot targets of `n` examples (deterministic, no RNG). */
function data(n: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const xs = Array.from({ length: n * 3 }, (_, i) => Math.sin(1.7 * i + 0.3) * 2);
  const labels = Array.from({ length: n }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0);
  return { x: tf.tensor2d(xs, [n, 3]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), 2).toFloat() as tf.Tensor2D };
}

/** The kernel's backward pass: mean cross-entropy gradients keyed by stable variable names. */
function gradients(model: tf.LayersModel, x: tf.Tensor2D, y: tf.Tensor2D): GradientMap {
  const variables = trainableVariables(model);
  const byTfName = new Map(Object.entries(variables).map(([stable, v]) => [v.name, stable]));
  const { value, grads } = tf.variableGrads(() => softCrossEntropy(y, model.apply(x) as tf.Tensor2D), Object.values(variables));
  value.dispose();
  return Object.fromEntries(Object.entries(grads).map(([k, g]) => [byTfName.get(k)!, g]));
}

/** What the kernel does with one micro-batch: afterBackward, shouldApplyGradients, maybe an SGD step. */
function microStep(host: PluginHost, model: tf.LayersModel, opt: Sgd, x: tf.Tensor2D, y: tf.Tensor2D): boolean {
  const variables = trainableVariables(model);
  const ctx = { epoch: 0, step: 0, microStep: 0, batchInEpoch: 0, variables, batchSize: x.shape[0] } as BackwardContext;
  const raw = gradients(model, x, y);
  const out = host.hooks.afterBackward.call(raw, ctx);
  for (const [k, g] of Object.entries(raw)) if (out[k] !== g) g.dispose();
  const applied = host.hooks.shouldApplyGradients.call(ctx) !== false;
  if (applied) opt.apply(out, variables, { lr: host.hyper.lr, decayFor: (n) => host.hyper.optimizerDecayFor(n) });
  tf.dispose(Object.values(out));
  return applied;
}

const weights = (m: tf.LayersModel) => Object.fromEntries(Object.entries(trainableVariables(m)).map(([k, v]) => [k, Array.from(v.dataSync())]));

describe('gradient-accumulation math', () => {
  it('sums b·g per variable and divides by Σb', () => {
    const s1 = addWeighted(undefined, { w: tf.tensor1d([1, 2]) }, 3); // 3·[1,2] = [3,6]
    const s2 = addWeighted(s1, { w: tf.tensor1d([-1, 4]) }, 1); // [3,6] + [−1,4] = [2,10]
    expect(Array.from(s2.w!.dataSync())).toEqual([2, 10]);
    // Σb = 4: [2,10]/4 = [0.5, 2.5], the mean over 4 examples (3 with gradient [1,2], 1 with [−1,4]).
    expect(Array.from(weightedMean(s2, 4).w!.dataSync())).toEqual([0.5, 2.5]);
  });
});

describe('gradient-accumulation taps', () => {
  it('k micro-batches of b give the update of one batch of k·b (SGD, momentum, weight decay) within 1e-5', async () => {
    const k = 4;
    const b = 3;
    const accumulated = denseModel(7);
    const reference = denseModel(7);
    expect(weights(accumulated)).toEqual(weights(reference));
    const { host } = fakeHost(accumulated);
    plugin(k).apply(host);
    const optA = new Sgd({ momentum: 0.9, dampening: 0, nesterov: false });
    const optB = new Sgd({ momentum: 0.9, dampening: 0, nesterov: false });
    const hp = { lr: 0.1, decayFor: () => 5e-4 };
    for (let step = 0; step < 3; step++) {
      const { x, y } = data(k * b + step); // shift the data a little each step
      const applied: boolean[] = [];
      for (let i = 0; i < k; i++) {
        applied.push(microStep(host, accumulated, optA, x.slice([i * b, 0], [b, 3]), y.slice([i * b, 0], [b, 2])));
      }
      expect(applied).toEqual([false, false, false, true]);
      const full = gradients(reference, x.slice([0, 0], [k * b, 3]), y.slice([0, 0], [k * b, 2]));
      optB.apply(full, trainableVariables(reference), hp);
      tf.dispose(Object.values(full));
    }
    const a = weights(accumulated);
    const r = weights(reference);
    expect(a).not.toEqual(weights(denseModel(7))); // it did train
    for (const name of Object.keys(r)) r[name]!.forEach((v, i) => expect(Math.abs(a[name]![i]! - v)).toBeLessThan(1e-5));
  });

  it('weights unequal micro-batches by their size (3 + 1 examples = one batch of 4)', () => {
    const model = denseModel(3);
    const { host } = fakeHost(model);
    plugin(2).apply(host);
    const { x, y } = data(4);
    const variables = trainableVariables(model);
    const ctx = (n: number) => ({ epoch: 0, step: 0, microStep: 0, batchInEpoch: 0, variables, batchSize: n }) as BackwardContext;
    expect(host.hooks.afterBackward.call(gradients(model, x.slice([0, 0], [3, 3]), y.slice([0, 0], [3, 2])), ctx(3))).toEqual({});
    const mean = host.hooks.afterBackward.call(gradients(model, x.slice([3, 0], [1, 3]), y.slice([3, 0], [1, 2])), ctx(1));
    const full = gradients(model, x, y);
    for (const name of Object.keys(full)) {
      const d = tf.max(tf.abs(tf.sub(mean[name]!, full[name]!))).dataSync()[0]!;
      expect(d).toBeLessThan(1e-6);
    }
  });

  it('holds the step inside a window, declares micro-batches per step and leaks no tensor', async () => {
    const model = denseModel(1);
    const { host, reports } = fakeHost(model, 10);
    plugin(3).apply(host);
    expect(host.stepsPerEpoch).toBe(3); // 10 micro-batches / 3
    await host.hooks.setup.promise(RUN);
    expect(reports.effectiveBatch).toBe(12);
    const opt = new Sgd({ momentum: 0.9, dampening: 0, nesterov: false });
    const { x, y } = data(2);
    const counts: number[] = [];
    const applied: boolean[] = [];
    for (let i = 0; i < 9; i++) {
      applied.push(microStep(host, model, opt, x, y));
      counts.push(tf.memory().numTensors);
    }
    expect(applied).toEqual([false, false, true, false, false, true, false, false, true]);
    // After the first window (momentum slots created) a window's end leaves the count unchanged.
    expect(counts[5]).toBe(counts[2]);
    expect(counts[8]).toBe(counts[2]);
    expect(counts[6]).toBe(counts[3]);
  });

  it('warns about batch norm, refuses more micro-batches per step than an epoch has', async () => {
    const bn = fakeHost(denseModel(1, true));
    plugin(2).apply(bn.host);
    await bn.host.hooks.setup.promise(RUN);
    expect(bn.warnings.join('\n')).toMatch(/1 batch-norm layers.*micro-batches of 4.*effective batch of 8/);
    const plain = fakeHost(denseModel(1));
    plugin(2).apply(plain.host);
    await plain.host.hooks.setup.promise(RUN);
    expect(plain.warnings).toEqual([]);
    const short = fakeHost(denseModel(1), 3);
    plugin(4).apply(short.host);
    await expect(short.host.hooks.setup.promise(RUN)).rejects.toThrow(/plugins\.gradient-accumulation\.steps: 4 .* only 3/);
  });

  it('round-trips a half-filled window through the checkpoint state', () => {
    const model = denseModel(5);
    const { x, y } = data(4);
    const variables = trainableVariables(model);
    const ctx = { epoch: 0, step: 0, microStep: 0, batchInEpoch: 0, variables, batchSize: 2 } as BackwardContext;
    const a = fakeHost(model);
    plugin(2).apply(a.host);
    a.host.hooks.afterBackward.call(gradients(model, x.slice([0, 0], [2, 3]), y.slice([0, 0], [2, 2])), ctx);
    const saved = new MapStateBag();
    a.host.hooks.saveState.call(saved);
    expect(saved.get(PLUGIN_NAME)!.json).toEqual({ pending: 1, examples: 2 });
    // As read back from a file: copies, disposed by the kernel after loadState.
    const tensors = Object.fromEntries(Object.entries(saved.get(PLUGIN_NAME)!.tensors!).map(([k, t]) => [k, t.clone()]));
    const read = new MapStateBag();
    read.set(PLUGIN_NAME, { json: saved.get(PLUGIN_NAME)!.json, tensors });
    const b = fakeHost(model);
    plugin(2).apply(b.host);
    b.host.hooks.loadState.call(read);
    tf.dispose(Object.values(tensors));
    expect(b.host.hooks.shouldApplyGradients.call(ctx)).toBe(false);
    const second = () => gradients(model, x.slice([2, 0], [2, 3]), y.slice([2, 0], [2, 2]));
    const fromA = a.host.hooks.afterBackward.call(second(), ctx);
    const fromB = b.host.hooks.afterBackward.call(second(), ctx);
    expect(Object.keys(fromB).length).toBeGreaterThan(0);
    for (const name of Object.keys(fromA)) expect(Array.from(fromB[name]!.dataSync())).toEqual(Array.from(fromA[name]!.dataSync()));
    expect(b.host.hooks.shouldApplyGradients.call(ctx)).toBeUndefined();
  });
});

describe('gradient-accumulation config', () => {
  async function plugins(entry: unknown): Promise<TricksterPlugin[]> {
    const { config, baseDir } = await resolveConfig({ inline: subsetConfig({ plugins: { [PLUGIN_NAME]: entry } }) });
    return loadPlugins(config, baseDir);
  }

  it('is switched off by false, on with defaults by {}', async () => {
    expect((await plugins(false)).map((p) => p.name)).not.toContain(PLUGIN_NAME);
    expect((await plugins({})).map((p) => p.name)).toContain(PLUGIN_NAME);
    expect(optionsSchema.parse({})).toEqual({ steps: 2 });
  });

  it('names the key path of a bad option', async () => {
    await expect(plugins({ steps: 0 })).rejects.toThrow(ConfigError);
    await expect(plugins({ steps: 1.5 })).rejects.toThrow(/plugins\.gradient-accumulation\.steps/);
    await expect(plugins({ step: 2 })).rejects.toThrow(/plugins\.gradient-accumulation.*"step"/);
  });

  it('warns that steps 1 changes nothing', () => {
    const { host } = fakeHost(denseModel(1));
    plugin(1).apply(host);
    const warnings: string[] = [];
    host.hooks.validate.call({ plugins: [PLUGIN_NAME], has: (n) => n === PLUGIN_NAME, warn: (m) => warnings.push(m) });
    expect(warnings.join()).toMatch(/steps 1/);
  });
});

describe('gradient-accumulation end to end (Fashion-MNIST subset)', () => {
  it('steps 2 takes half the optimizer steps of the same run without it', async () => {
    const base = await trainSubset({ training: { epochs: 1, batchSize: 64 } });
    base.trainer.dispose();
    const { summary, trainer } = await trainSubset({ training: { epochs: 1, batchSize: 64 }, plugins: { [PLUGIN_NAME]: { steps: 2 } } });
    trainer.dispose();
    expect(base.summary.steps).toBe(8); // 512 images / 64 per batch
    expect(summary.steps).toBe(4);
    expect(summary.plugins[PLUGIN_NAME]).toEqual({ effectiveBatch: 128 });
    expect(Number.isFinite(summary.testLoss)).toBe(true);
  });
});
