import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { resolveConfig } from '../../core/config/load.js';
import type { EvalMetrics } from '../../core/contexts.js';
import type { HostBatch } from '../../core/data/types.js';
import { evaluateExportedModel } from '../../core/evaluate-model.js';
import { createHooks } from '../../core/hooks.js';
import { silentLogger } from '../../core/logger.js';
import { batchNormLayers, buildModel } from '../../core/models/index.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { Sgd } from '../../core/optim/sgd.js';
import { loadPlugins } from '../../app/plugin-loader.js';
import { allVariables, trainableVariables } from '../../core/variables.js';
import { enterFixResMode, forceInferenceMode } from '../../plugins/fixres/freeze.js';
import { FixResPlugin, optionsSchema } from '../../plugins/fixres/index.js';
import { STAGE } from '../../core/hook-stages.js';
import { fineTuneEpoch } from '../../plugins/fixres/phase.js';
import { fixResPlan, isFixResTrainable } from '../../plugins/fixres/plan.js';
import { subsetTrainer, trainSubset } from '../helpers/train-subset.js';
import { MapStateBag } from '../../core/trainer-state.js';

// The trainer's default backend; set before any tensor so nothing runs on tfjs' fallback cpu.
beforeAll(async () => {
  await useBackend('wasm');
});

const SMALL_CNN_LAYERS = [
  ['input', 'InputLayer'],
  ['stage1_conv', 'Conv2D'],
  ['stage1_bn', 'BatchNormalization'],
  ['stage1_relu', 'Activation'],
  ['stage2_conv', 'Conv2D'],
  ['stage2_bn', 'BatchNormalization'],
  ['stage3_conv', 'Conv2D'],
  ['stage3_bn', 'BatchNormalization'],
  ['head_pool', 'GlobalAveragePooling2D'],
  ['head_dense', 'Dense'],
].map(([name, className]) => ({ name: name!, className: className! }));

function smallCnn(): tf.LayersModel {
  return buildModel({ name: 'small-cnn', seed: 3 }, { height: 28, width: 28, channels: 1 }, 10);
}

/** Copies of every variable's values, by stable name. */
function snapshot(model: tf.LayersModel): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(allVariables(model)).map(([n, v]) => [n, v.dataSync().slice() as Float32Array]));
}

function changed(a: Record<string, Float32Array>, b: Record<string, Float32Array>): string[] {
  return Object.keys(a).filter((n) => a[n]!.some((x, i) => x !== b[n]![i]));
}

async function* syntheticBatches(count: number, size: number, side: number): AsyncIterable<HostBatch> {
  for (let k = 0; k < count; k++) {
    const x = Float32Array.from({ length: size * side * side }, (_, i) => Math.sin(i * 0.37 + k) * 1.5 + 0.3);
    const labels = Int32Array.from({ length: size }, (_, i) => (i + k) % 10);
    yield { x, labels, size, height: side, width: side, channels: 1 };
  }
}

describe('fixres plan (pure)', () => {
  it('trains the last batch norm and the classifier, freezes every other batch norm', () => {
    // Seed 002: "freeze all but the last BN and the FC"; the last BN in topological order is stage3_bn.
    expect(fixResPlan(SMALL_CNN_LAYERS, 'head_dense')).toEqual({
      trainable: ['stage3_bn', 'head_dense'],
      tunedBatchNorm: 'stage3_bn',
      frozenBatchNorms: ['stage1_bn', 'stage2_bn'],
    });
  });

  it('trains only the classifier of a model without batch norm', () => {
    const layers = SMALL_CNN_LAYERS.filter((l) => l.className !== 'BatchNormalization');
    expect(fixResPlan(layers, 'head_dense')).toEqual({ trainable: ['head_dense'], tunedBatchNorm: undefined, frozenBatchNorms: [] });
  });

  it('selects variables by their layer', () => {
    const plan = fixResPlan(SMALL_CNN_LAYERS, 'head_dense');
    const names = ['stage1_bn/gamma', 'stage3_bn/gamma', 'stage3_bn/beta', 'stage3_conv/kernel', 'head_dense/kernel', 'head_dense/bias'];
    expect(names.filter((n) => isFixResTrainable(plan, n))).toEqual(['stage3_bn/gamma', 'stage3_bn/beta', 'head_dense/kernel', 'head_dense/bias']);
  });
});

describe('fixres mode on a real model', () => {
  it('forces batch norms into inference mode while patched, and only then', () => {
    const model = smallCnn();
    const bns = batchNormLayers(model);
    const x = tf.randomNormal([4, 28, 28, 1], 0, 1, 'float32', 1);
    const before = snapshot(model);
    const unpatch = forceInferenceMode(bns);
    const inference = model.apply(x, { training: false }) as tf.Tensor;
    const patchedTraining = model.apply(x, { training: true }) as tf.Tensor;
    // All BNs patched: training: true computes exactly the inference output and updates nothing.
    expect(Array.from(patchedTraining.dataSync())).toEqual(Array.from(inference.dataSync()));
    expect(changed(before, snapshot(model))).toEqual([]);
    unpatch();
    expect(bns.some((l) => Object.hasOwn(l, 'call'))).toBe(false);
    const training = model.apply(x, { training: true }) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(training, inference))).dataSync()[0]).toBeGreaterThan(1e-3);
    expect(changed(before, snapshot(model)).sort()).toEqual(
      ['stage1_bn', 'stage2_bn', 'stage3_bn'].flatMap((l) => [`${l}/moving_mean`, `${l}/moving_variance`]),
    );
    tf.dispose([x, inference, patchedTraining, training]);
    model.dispose();
  });

  it('fine-tunes only the classifier and last BN, restores flags, leaks nothing', async () => {
    const model = smallCnn();
    const plan = fixResPlan(model.layers.map((l) => ({ name: l.name, className: l.getClassName() })), 'head_dense');
    const allTrainable = Object.keys(trainableVariables(model));
    const flags = model.layers.map((l) => l.trainable);
    const before = snapshot(model);
    const tensorsBefore = tf.memory().numTensors;
    const restore = enterFixResMode(model, plan);
    const tuned = Object.keys(trainableVariables(model));
    expect(tuned).toEqual(allTrainable.filter((n) => isFixResTrainable(plan, n)));
    expect(tuned).toEqual(['stage3_bn/gamma', 'stage3_bn/beta', 'head_dense/kernel', 'head_dense/bias']);
    const optimizer = new Sgd({ momentum: 0.9, dampening: 0, nesterov: false });
    // Images at 36px where the model was built for 28: global average pooling takes any size.
    const loss = await fineTuneEpoch(model, syntheticBatches(5, 8, 36), { optimizer, lr: 0.05, numClasses: 10, maxBatches: 3 });
    optimizer.dispose();
    restore();
    expect(Number.isFinite(loss)).toBe(true);
    expect(changed(before, snapshot(model)).sort()).toEqual(
      ['head_dense/bias', 'head_dense/kernel', 'stage3_bn/beta', 'stage3_bn/gamma', 'stage3_bn/moving_mean', 'stage3_bn/moving_variance'],
    );
    expect(Object.keys(trainableVariables(model))).toEqual(allTrainable);
    expect(model.layers.map((l) => l.trainable)).toEqual(flags);
    expect(model.layers.some((l) => Object.hasOwn(l, 'call'))).toBe(false);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    model.dispose();
  });
});


function tapHost(reports: Record<string, unknown>): PluginHost {
  return { hooks: createHooks(), logger: silentLogger, report: (_p: string, k: string, v: unknown) => void (reports[k] = v) } as unknown as PluginHost;
}

describe('fixres config and state', () => {
  it('is switched off by false and names the key path of bad options', async () => {
    const base = { extends: 'baseline' };
    const off = await resolveConfig({ inline: { ...base, plugins: { fixres: false } } });
    expect((await loadPlugins(off.config, off.baseDir)).map((p) => p.name)).not.toContain('fixres');
    const on = await resolveConfig({ inline: { ...base, plugins: { fixres: { testSize: 32 } } } });
    const plugin = (await loadPlugins(on.config, on.baseDir)).find((p) => p.name === 'fixres');
    expect(plugin).toBeInstanceOf(FixResPlugin);
    expect(optionsSchema.parse({ testSize: 32 })).toEqual({ testSize: 32, epochs: 2, lr: 1e-3 });
    const bad = await resolveConfig({ inline: { ...base, plugins: { fixres: { testSize: 0 } } } });
    await expect(loadPlugins(bad.config, bad.baseDir)).rejects.toThrow(/plugins\.fixres\.testSize/);
    const missing = await resolveConfig({ inline: { ...base, plugins: { fixres: { epochs: 1 } } } });
    await expect(loadPlugins(missing.config, missing.baseDir)).rejects.toThrow(/plugins\.fixres\.testSize/);
    const unknown = await resolveConfig({ inline: { ...base, plugins: { fixres: { testSize: 32, size: 3 } } } });
    await expect(loadPlugins(unknown.config, unknown.baseDir)).rejects.toThrow(/plugins\.fixres.*"size"/);
  });

  it('warns that the fine-tuning phase does not use a distillation teacher', () => {
    const host = tapHost({});
    new FixResPlugin(optionsSchema.parse({ testSize: 32 })).apply(host);
    const warnings: string[] = [];
    const active = ['fixres', 'distillation'];
    host.hooks.validate.call({ plugins: active, has: (n) => active.includes(n), warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringMatching(/fixres \+ distillation/)]);
  });

  it('round-trips its result through a checkpoint bag and reports it again', () => {
    const metrics = (top1: number): EvalMetrics => ({ loss: 1 - top1, top1, top5: 0.9, count: 500 });
    const result = { testSize: 36, before: metrics(0.3), after: metrics(0.6), fineTuneLoss: [1.2, 1.1] };
    const reports: Record<string, unknown> = {};
    const host = tapHost(reports);
    const plugin = new FixResPlugin(optionsSchema.parse({ testSize: 36 }));
    plugin.apply(host);
    const empty = new MapStateBag();
    host.hooks.saveState.call(empty);
    expect(empty.get('fixres')?.json).toEqual({ result: null });
    const saved = new MapStateBag();
    saved.set('fixres', { json: JSON.parse(JSON.stringify({ result })) });
    host.hooks.loadState.call(saved);
    expect(plugin.result).toEqual(result);
    expect(reports).toMatchObject({ testSize: 36, top1: 0.6, top1Before: 0.3, testLoss: 0.4 });
    const again = new MapStateBag();
    host.hooks.saveState.call(again);
    expect(again.get('fixres')?.json).toEqual({ result });
  });
});

/** Snapshots the weights and tensor count at afterTrain just before FixRes, and just after it. */
class Probe implements TricksterPlugin {
  readonly name = 'probe';
  weights: Record<string, Float32Array> = {};
  flags: boolean[] = [];
  tensors: number[] = [];
  apply(host: PluginHost): void {
    host.hooks.afterTrain.tapPromise({ name: this.name, stage: STAGE.FINE_TUNE_AT_TEST_SIZE - 1 }, async () => {
      this.weights = snapshot(host.model);
      this.flags = host.model.layers.map((l) => l.trainable);
      this.tensors.push(tf.memory().numTensors);
    });
    host.hooks.afterTrain.tapPromise({ name: this.name, stage: STAGE.FINE_TUNE_AT_TEST_SIZE + 1 }, async () => {
      this.tensors.push(tf.memory().numTensors);
    });
  }
}

describe('fixres end to end (Fashion-MNIST subset)', () => {
  let run: Awaited<ReturnType<typeof trainSubset>> | undefined;
  afterAll(() => run?.trainer.dispose());

  it('fine-tunes classifier + last BN at 36px and lifts top-1 there', async () => {
    const probe = new Probe();
    run = await trainSubset(
      // The whole test split, so `trickster eval` of the export (below) reads the same images.
      { model: { name: 'small-cnn', head: 'gap' }, data: { limit: 1024, testLimit: 10000 }, training: { epochs: 2, batchSize: 64 }, plugins: { fixres: { testSize: 36, epochs: 2, batches: 8 } } },
      { plugins: [probe] },
    );
    const report = run.summary.plugins.fixres as Record<string, number>;
    expect(report.testSize).toBe(36);
    // Trained at 28px, evaluated at 36px: the BN statistics and classifier no longer fit. On this
    // subset top-1 at 36px goes from ~28% to ~53% after 2×8 FixRes batches (seed 42); require a clear lift.
    expect(report.top1).toBeGreaterThan(report.top1Before! + 0.1);
    // Only the classifier and the last BN changed during the phase; no tensor leaked.
    expect(changed(probe.weights, snapshot(run.trainer.model)).sort()).toEqual(
      ['head_dense/bias', 'head_dense/kernel', 'stage3_bn/beta', 'stage3_bn/gamma', 'stage3_bn/moving_mean', 'stage3_bn/moving_variance'],
    );
    expect(probe.tensors[1]).toBe(probe.tensors[0]);
    expect(run.trainer.model.layers.map((l) => l.trainable)).toEqual(probe.flags);
    expect(Object.keys(trainableVariables(run.trainer.model))).toHaveLength(11);
  });

  it('ends at the test resolution: final evaluation, summary, exported metadata, and trickster eval of the export', async () => {
    const { summary } = run!;
    const report = summary.plugins.fixres as Record<string, number>;
    expect(summary.inputSize).toBe(36);
    expect(summary.top1).toBe(report.top1);
    expect(summary.testLoss).toBe(report.testLoss);
    const modelPath = path.join(summary.runDir, 'model', 'model.json');
    const meta = JSON.parse(readFileSync(path.join(summary.runDir, 'model', 'trickster.json'), 'utf8'));
    expect(meta.inputShape).toEqual({ height: 36, width: 36, channels: 1 });
    // The exported model, evaluated as `trickster eval` does, at the size it records: the summary's numbers.
    const evaluated = await evaluateExportedModel({ modelPath });
    expect(evaluated.count).toBe(10000);
    // Same images, same resize, same weights; only the batching over replicas differs (float rounding).
    expect(Math.abs(evaluated.top1 - summary.top1)).toBeLessThanOrEqual(0.0002);
    expect(evaluated.loss).toBeCloseTo(summary.testLoss, 3);
  });
});

describe('fixres with a fixed-size model', () => {
  it('refuses a flatten head at setup, naming the option to change', async () => {
    const trainer = await subsetTrainer({ model: { name: 'small-cnn', head: 'flatten' }, plugins: { fixres: { testSize: 32 } } });
    await expect(trainer.fit()).rejects.toThrow(/plugins\.fixres: the model's input size is fixed at 28x28.*model\.head: gap/);
  });
});
