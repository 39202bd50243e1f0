import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../core/config/load.js';
import type { TricksterConfig } from '../../core/config/schema.js';
import type { EvalContext, EvalMetrics, StepContext } from '../../core/contexts.js';
import { useBackend } from '../../core/backends/resolve.js';
import { ConfigError, PluginConflictError } from '../../core/errors.js';
import { STAGE } from '../../core/hook-stages.js';
import { createHooks, type RunContext } from '../../core/hooks.js';
import { HyperParams } from '../../core/hyper-params.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { loadPlugins } from '../../app/plugin-loader.js';
import { allVariables } from '../../core/variables.js';
import { EmaPlugin, optionsSchema } from '../../plugins/ema/index.js';
import { emaBlend, emaDecay, warmupReachesDecayAt } from '../../plugins/ema/math.js';
import { subsetConfig, trainSubset } from '../helpers/train-subset.js';
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

/** A host with real hooks around `model`: just enough of the trainer for the plugin's taps. */
function fakeHost(model: tf.LayersModel) {
  const warnings: string[] = [];
  const infos: string[] = [];
  const reports: Record<string, unknown> = {};
  /** What each evaluate() call read: its split and the dense bias. */
  const evaluations: { split: string; bias: number[] }[] = [];
  const host: PluginHost = {
    hooks: createHooks(),
    hyper: new HyperParams(0.1, 0),
    config: {} as TricksterConfig,
    logger: { info: (m) => infos.push(m), warn: (m) => warnings.push(m) },
    model,
    position: { epoch: 0, step: 0, microStep: 0, batchInEpoch: 0 },
    stepsPerEpoch: 4,
    batchesPerEpoch: 4,
    setMicroBatchesPerStep: () => {},
    microBatchesPerStep: 1,
    random: () => ({ next: () => 0.5 }),
    trainBatches: async function* () {},
    normalization: { mean: [0], std: [1] },
    numClasses: 2,
    evaluate: async (o) => {
      evaluations.push({ split: o?.split ?? 'validation', bias: Array.from(allVariables(model)['dense/bias']!.dataSync()) });
      return { loss: 0.25, top1: 0.5, top5: 1, count: 4 };
    },
    requireValidation: () => {},
    hasValidation: true,
    setFinalInputSize: () => {},
    reviseEpochs: () => {},
    report: (_plugin, key, value) => {
      reports[key] = value;
    },
  };
  return { host, warnings, infos, reports, evaluations };
}

const RUN: RunContext = { epochs: 1, stepsPerEpoch: 4 };
const step = (n: number) => ({ epoch: 0, step: n, microStep: n, batchInEpoch: n, variables: {}, batchSize: 1 }) as StepContext;
const evalCtx = (phase: 'epoch' | 'final'): EvalContext => ({ epoch: 0, step: 1, microStep: 1, batchInEpoch: 0, phase });
const values = (vars: Record<string, tf.Tensor>) => Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, Array.from(v.dataSync())]));

function plugin(options: Record<string, unknown> = {}): EmaPlugin {
  return new EmaPlugin(optionsSchema.parse(options));
}

/** Adds `delta` to every model variable (stands in for an optimizer step; BN statistics included). */
function shiftWeights(model: tf.LayersModel, delta: number): void {
  for (const v of Object.values(allVariables(model))) v.assign(tf.tidy(() => tf.add(v, delta)));
}


describe('ema math', () => {
  it('decay is constant without warmup, min(d, (1+t)/(10+t)) with it', () => {
    expect(emaDecay(0.9999, 1, false)).toBe(0.9999);
    expect(emaDecay(0.9999, 1, true)).toBeCloseTo(2 / 11, 12); // (1+1)/(10+1)
    expect(emaDecay(0.9999, 90, true)).toBeCloseTo(0.91, 12); // (1+90)/(10+90) = 91/100
    expect(emaDecay(0.99, 10_000, true)).toBe(0.99); // (10001/10010 = 0.9991) > 0.99, so d
  });

  it('the warmup decay reaches d at step (10d − 1)/(1 − d), rounded up', () => {
    expect(warmupReachesDecayAt(0.99)).toBe(890); // (9.9 − 1)/0.01
    expect(emaDecay(0.99, 889, true)).toBeLessThan(0.99); // 890/899
    expect(emaDecay(0.99, 890, true)).toBe(0.99); // 891/900 = 0.99 exactly
    expect(warmupReachesDecayAt(0.995)).toBe(1790);
    expect(warmupReachesDecayAt(0.3)).toBe(3); // (3 − 1)/0.7 = 2.86; 4/13 > 0.3 > 3/12
  });

  it('blends d·shadow + (1−d)·current (seed 002)', () => {
    const out = emaBlend(tf.tensor1d([1, 2]), tf.tensor1d([3, -2]), 0.9);
    // 0.9·1 + 0.1·3 = 1.2; 0.9·2 + 0.1·(−2) = 1.6
    const got = Array.from(out.dataSync());
    expect(got[0]).toBeCloseTo(1.2, 6);
    expect(got[1]).toBeCloseTo(1.6, 6);
  });
});

describe('ema taps', () => {
  it('warns when the horizon is longer than the run; says when a warmup never reaches the decay (decays above its last value act alike)', async () => {
    const logged = async (options: { decay: number; warmup?: boolean }) => {
      const p = plugin(options);
      const { host, warnings, infos } = fakeHost(tinyModel());
      p.apply(host);
      await host.hooks.setup.promise(RUN); // 4 optimizer steps
      return { warnings, infos };
    };
    expect(await logged({ decay: 0.99 })).toEqual({ warnings: ['ema: decay 0.99 averages over ~100 updates but the run makes 4; the EMA weights stay near the initial ones (lower decay or set warmup: true)'], infos: [] });
    expect(await logged({ decay: 0.99, warmup: true })).toEqual({
      warnings: [],
      // (1 + 4)/(10 + 4) = 0.3571 at the last step
      infos: ['ema: with warmup the decay reaches 0.99 only at step 890; this run makes 4 steps and ends at decay 0.3571, so any decay above that averages alike (warmup: false uses 0.99 throughout)'],
    });
    expect(await logged({ decay: 0.3, warmup: true })).toEqual({ warnings: [], infos: [] });
    expect(await logged({ decay: 0.2 })).toEqual({ warnings: [], infos: [] });
  });

  it('shadows every variable from setup, updates every `every` steps, without leaking tensors', async () => {
    const model = tinyModel();
    const p = plugin({ decay: 0.5, every: 2 });
    const { host } = fakeHost(model);
    p.apply(host);
    await host.hooks.setup.promise(RUN);
    const w0 = values(allVariables(model));
    expect(Object.keys(p.shadowWeights!).sort()).toEqual(['bn/beta', 'bn/gamma', 'bn/moving_mean', 'bn/moving_variance', 'dense/bias', 'dense/kernel']);
    shiftWeights(model, 1);
    host.hooks.afterOptimizerStep.call(step(1)); // odd step: no update with every 2
    expect(values(p.shadowWeights!)).toEqual(w0);
    const before = tf.memory().numTensors;
    host.hooks.afterOptimizerStep.call(step(2));
    expect(tf.memory().numTensors).toBe(before);
    // 0.5·w0 + 0.5·(w0 + 1) = w0 + 0.5, for weights and BN statistics alike
    for (const [k, v] of Object.entries(values(p.shadowWeights!))) v.forEach((x, i) => expect(x).toBeCloseTo(w0[k]![i]! + 0.5, 5));
  });

  it('uses the warmup decay: first update at step 1 is 2/11·shadow + 9/11·weights', async () => {
    const model = tinyModel();
    const p = plugin({ decay: 0.999, warmup: true });
    const { host } = fakeHost(model);
    p.apply(host);
    await host.hooks.setup.promise(RUN);
    const w0 = values(allVariables(model));
    shiftWeights(model, 11);
    host.hooks.afterOptimizerStep.call(step(1));
    // 2/11·w0 + 9/11·(w0 + 11) = w0 + 9
    for (const [k, v] of Object.entries(values(p.shadowWeights!))) v.forEach((x, i) => expect(x).toBeCloseTo(w0[k]![i]! + 9, 4));
  });

  it('swaps the shadow in for epoch evaluations and back out after, also when evaluation throws', async () => {
    const model = tinyModel();
    const p = plugin({ decay: 0.5 });
    const { host } = fakeHost(model);
    p.apply(host);
    await host.hooks.setup.promise(RUN);
    shiftWeights(model, 2);
    host.hooks.afterOptimizerStep.call(step(1));
    const trained = values(allVariables(model));
    const shadow = values(p.shadowWeights!);
    expect(shadow).not.toEqual(trained);
    const before = tf.memory().numTensors;
    // What the kernel's evaluatePhase does: beforeEval; try { evaluate } finally { afterEval }.
    let seen: Record<string, number[]> = {};
    const failing = async (): Promise<EvalMetrics> => {
      seen = values(allVariables(model));
      throw new Error('evaluation failed');
    };
    const ctx = evalCtx('epoch');
    await host.hooks.beforeEval.promise(ctx);
    await expect(
      (async () => {
        try {
          ctx.metrics = await failing();
        } finally {
          await host.hooks.afterEval.promise(ctx);
        }
      })(),
    ).rejects.toThrow('evaluation failed');
    expect(seen).toEqual(shadow);
    expect(values(allVariables(model))).toEqual(trained);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with export: the final weights are the shadow and the final evaluation swaps nothing', async () => {
    const model = tinyModel();
    const p = plugin({ decay: 0.5 });
    const { host, reports, evaluations } = fakeHost(model);
    p.apply(host);
    await host.hooks.setup.promise(RUN);
    shiftWeights(model, 2);
    host.hooks.afterOptimizerStep.call(step(1));
    const shadow = values(p.shadowWeights!);
    const trained = values(allVariables(model));
    await host.hooks.afterTrain.promise(RUN);
    // The trained weights were evaluated once on the test split before the shadow replaced them.
    expect(evaluations).toEqual([{ split: 'test', bias: trained['dense/bias']! }]);
    expect(reports).toMatchObject({ finalWeightsTop1: 0.5, finalWeightsTop5: 1, finalWeightsTestLoss: 0.25 });
    expect(values(allVariables(model))).toEqual(shadow);
    await host.hooks.beforeEval.promise(evalCtx('final'));
    shiftWeights(model, 1); // would be undone by a (wrong) swap back
    await host.hooks.afterEval.promise(evalCtx('final'));
    expect(values(allVariables(model))[`dense/bias`]![0]).toBeCloseTo(shadow['dense/bias']![0]! + 1, 5);
    expect(reports.exported).toBe(true);
  });

  it('with reportFinalWeights false, exports without evaluating', async () => {
    const model = tinyModel();
    const p = plugin({ decay: 0.5, reportFinalWeights: false });
    const { host, reports, evaluations } = fakeHost(model);
    p.apply(host);
    await host.hooks.setup.promise(RUN);
    await host.hooks.afterTrain.promise(RUN);
    expect(evaluations).toEqual([]);
    expect(reports).toEqual({ exported: true });
  });

  it('without export or evaluate, leaves the trained weights everywhere (and reports nothing: they are the final ones)', async () => {
    const model = tinyModel();
    const p = plugin({ decay: 0.5, export: false, evaluate: false });
    const { host, evaluations } = fakeHost(model);
    p.apply(host);
    await host.hooks.setup.promise(RUN);
    shiftWeights(model, 2);
    host.hooks.afterOptimizerStep.call(step(1));
    const trained = values(allVariables(model));
    let seen: Record<string, number[]> = {};
    host.hooks.beforeEval.tapPromise({ name: 'probe', stage: 0 }, async () => {
      seen = values(allVariables(model));
    });
    await host.hooks.beforeEval.promise(evalCtx('epoch'));
    await host.hooks.afterEval.promise(evalCtx('epoch'));
    await host.hooks.afterTrain.promise(RUN);
    expect(seen).toEqual(trained);
    expect(values(allVariables(model))).toEqual(trained);
    expect(evaluations).toEqual([]);
  });

  it('round-trips its shadow weights through the checkpoint state', async () => {
    const model = tinyModel();
    const a = plugin({ decay: 0.5 });
    const ha = fakeHost(model);
    a.apply(ha.host);
    await ha.host.hooks.setup.promise(RUN);
    shiftWeights(model, 3);
    ha.host.hooks.afterOptimizerStep.call(step(1));
    const saved = new MapStateBag();
    ha.host.hooks.saveState.call(saved);
    // As read back from a file: copies, disposed by the kernel after loadState.
    const read = new MapStateBag();
    const tensors = Object.fromEntries(Object.entries(saved.get('ema')!.tensors!).map(([k, t]) => [k, t.clone()]));
    read.set('ema', { json: saved.get('ema')!.json, tensors });
    const b = plugin({ decay: 0.5 });
    const hb = fakeHost(model);
    b.apply(hb.host);
    await hb.host.hooks.setup.promise(RUN);
    hb.host.hooks.loadState.call(read);
    tf.dispose(Object.values(tensors));
    expect(values(b.shadowWeights!)).toEqual(values(a.shadowWeights!));
    expect(values(b.shadowWeights!)).not.toEqual(values(allVariables(model)));
  });
});

describe('ema config', () => {
  async function plugins(entry: unknown): Promise<TricksterPlugin[]> {
    const { config, baseDir } = await resolveConfig({ inline: subsetConfig({ plugins: { ema: entry } }) });
    return loadPlugins(config, baseDir);
  }

  it('is switched off by false, on with defaults by {}', async () => {
    expect((await plugins(false)).map((p) => p.name)).not.toContain('ema');
    expect((await plugins({})).map((p) => p.name)).toContain('ema');
    expect(optionsSchema.parse({})).toEqual({ decay: 0.9999, warmup: false, every: 1, evaluate: true, export: true, reportFinalWeights: true });
  });

  it('names the key path of a bad option', async () => {
    await expect(plugins({ decay: 1.5 })).rejects.toThrow(ConfigError);
    await expect(plugins({ decay: 1.5 })).rejects.toThrow(/plugins\.ema\.decay/);
    await expect(plugins({ every: 0 })).rejects.toThrow(/plugins\.ema\.every/);
    await expect(plugins({ decy: 0.9 })).rejects.toThrow(/plugins\.ema.*decy/);
  });

  it('refuses ema (export) with swa, naming both', () => {
    const { host } = fakeHost(tinyModel());
    plugin().apply(host);
    const ctx = { plugins: ['ema', 'swa'], has: (n: string) => n === 'ema' || n === 'swa', warn: () => {} };
    expect(() => host.hooks.validate.call(ctx)).toThrow(PluginConflictError);
    expect(() => host.hooks.validate.call(ctx)).toThrow(/"ema".*"swa"/);
    const quiet = fakeHost(tinyModel());
    plugin({ export: false }).apply(quiet.host);
    expect(() => quiet.host.hooks.validate.call(ctx)).not.toThrow();
  });
});

/** Records one kernel weight at the end of each epoch (raw), during evaluation, and after it. */
class WeightProbe implements TricksterPlugin {
  readonly name = 'weight-probe';
  readonly raw: number[][] = [];
  readonly evaluated: number[][] = [];
  readonly after: number[][] = [];
  /** Eval loss of the weights evaluated (EMA) and of the trained weights, per epoch. */
  readonly losses: { evaluated: number; trained: number }[] = [];
  /** Test metrics of the trained weights, read just before EMA exports its own. */
  finalTrained: EvalMetrics | undefined;
  apply(host: PluginHost): void {
    host.hooks.afterTrain.tapPromise({ name: this.name, stage: STAGE.EXPORT_AVERAGED_WEIGHTS - 1 }, async () => {
      this.finalTrained = await host.evaluate({ split: 'test' });
    });
    const read = () => Array.from(allVariables(host.model)['head_dense/kernel']!.dataSync().slice(0, 8));
    host.hooks.afterEpoch.tapPromise(this.name, async () => void this.raw.push(read()));
    host.hooks.beforeEval.tapPromise({ name: this.name, stage: 0 }, async ({ phase }) => {
      if (phase === 'epoch') this.evaluated.push(read());
    });
    host.hooks.afterEval.tapPromise({ name: this.name, stage: 1000 }, async ({ phase, metrics }) => {
      if (phase !== 'epoch') return;
      this.after.push(read());
      this.losses.push({ evaluated: metrics!.loss, trained: (await host.evaluate()).loss });
    });
  }
}

describe('ema end to end (Fashion-MNIST subset)', () => {
  it('evaluates the EMA weights, restores the trained ones after, exports the EMA', async () => {
    const probe = new WeightProbe();
    const ema = plugin({ decay: 0.9, export: true });
    // 640 images, 128 held out as the validation split each epoch evaluates: 512 to train on.
    const { summary, trainer } = await trainSubset({ data: { limit: 640, validationSplit: 0.2 }, training: { epochs: 2, batchSize: 64 } }, { plugins: [ema, probe] });
    expect(summary.steps).toBe(16); // 512 images / 64 per batch × 2 epochs
    expect(probe.evaluated).toHaveLength(2);
    for (let e = 0; e < 2; e++) {
      expect(probe.evaluated[e]).not.toEqual(probe.raw[e]);
      expect(probe.after[e]).toEqual(probe.raw[e]);
    }
    const exported = values(allVariables(trainer.model));
    expect(exported).toEqual(values(ema.shadowWeights!));
    // Beside the EMA's test metrics (the summary's), the trained weights' on the same test split.
    const t = probe.finalTrained!;
    expect(summary.plugins.ema).toEqual({ exported: true, finalWeightsTop1: t.top1, finalWeightsTop5: t.top5, finalWeightsTestLoss: t.loss });
    expect(t.loss).not.toBe(summary.testLoss);
    // The metrics of each epoch are those of the EMA weights, not of the trained ones.
    for (const l of probe.losses) expect(Math.abs(l.evaluated - l.trained)).toBeGreaterThan(1e-4);
    expect(summary.top1).toBeGreaterThan(0.2); // 10 classes: well above chance, so the BN statistics averaged sensibly
    trainer.dispose();
  });
});
