import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { resolveConfig } from '../../core/config/load.js';
import type { TricksterConfig } from '../../core/config/schema.js';
import type { BackwardContext, GradientMap, PluginState, StateBag } from '../../core/contexts.js';
import { ConfigError, PluginConflictError } from '../../core/errors.js';
import { createHooks, type RunContext } from '../../core/hooks.js';
import { HyperParams } from '../../core/hyper-params.js';
import { Sgd } from '../../core/optim/sgd.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { loadPlugins } from '../../app/plugin-loader.js';
import { allVariables, trainableVariables } from '../../core/variables.js';
import { LarcPlugin, optionsSchema, PLUGIN_NAME } from '../../plugins/larc/index.js';
import { isBiasOrNorm, larcFactor, larcGradient } from '../../plugins/larc/larc.js';
import { NoBiasDecayPlugin } from '../../plugins/no-bias-decay/index.js';
import { subsetConfig, tempRunDir, trainSubset } from '../helpers/train-subset.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const RUN: RunContext = { epochs: 1, stepsPerEpoch: 4 };
const CLIP = { trustCoefficient: 0.02, clip: true, eps: 0 };
const NO_CLIP = { ...CLIP, clip: false };
const arr = (t: tf.Tensor) => Array.from(t.dataSync());
const close = (got: number[], want: number[], digits = 6) => want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, digits));

/**
 * Hand computation used below: w = [3, 4] (‖w‖ = 5), g = [0.6, 0.8] (‖g‖ = 1), wd = 0.1, η = 0.02.
 *   local = η‖w‖ / (‖g‖ + wd‖w‖) = 0.1 / 1.5 = 1/15;   g + wd·w = [0.9, 1.2]
 *   clip, lr 0.1:  min((1/15)/0.1, 1) = 2/3  → [0.6, 0.8]
 *   clip, lr 0.05: min(4/3, 1) = 1            → [0.9, 1.2]
 *   no clip:       1/15                       → [0.06, 0.08]
 */
describe('larc math', () => {
  it('trust ratio η‖w‖/(‖g‖ + wd‖w‖ + eps), clipped as min(local/lr, 1) or not (seed 001)', () => {
    expect(larcFactor(5, 1, 0.1, 0.1, CLIP)).toBeCloseTo(2 / 3, 12);
    expect(larcFactor(5, 1, 0.05, 0.1, CLIP)).toBe(1);
    expect(larcFactor(5, 1, 0.1, 0.1, NO_CLIP)).toBeCloseTo(1 / 15, 12);
    // eps 1: 0.1 / (1 + 0.5 + 1) = 0.04
    expect(larcFactor(5, 1, 0.1, 0.1, { ...NO_CLIP, eps: 1 })).toBeCloseTo(0.04, 12);
    expect(larcFactor(5, 1, 0, 0.1, CLIP)).toBe(1); // lr 0: min(∞, 1)
    expect(larcFactor(0, 1, 0.1, 0.1, CLIP)).toBeUndefined();
    expect(larcFactor(5, 0, 0.1, 0.1, CLIP)).toBeUndefined();
  });

  it('gradient (g + wd·w)·factor on the device, for both clip modes', () => {
    const w = tf.tensor1d([3, 4]);
    const g = tf.tensor1d([0.6, 0.8]);
    close(arr(larcGradient(w, g, 0.1, 0.1, CLIP)), [0.6, 0.8]);
    close(arr(larcGradient(w, g, 0.05, 0.1, CLIP)), [0.9, 1.2]);
    close(arr(larcGradient(w, g, 0.1, 0.1, NO_CLIP)), [0.06, 0.08]);
    close(arr(larcGradient(w, g, 0, 0.1, CLIP)), [0.9, 1.2]);
  });

  it('leaves variables with ‖w‖ = 0 or ‖g‖ = 0 untouched (no decay either, as in the seed)', () => {
    close(arr(larcGradient(tf.zeros([2]), tf.tensor1d([0.6, 0.8]), 0.1, 0.1, CLIP)), [0.6, 0.8]);
    expect(arr(larcGradient(tf.tensor1d([3, 4]), tf.zeros([2]), 0.1, 0.1, CLIP))).toEqual([0, 0]);
  });

  it('counts rank ≤ 1 variables (biases, BN gamma/beta) as bias or norm', () => {
    expect(isBiasOrNorm([16])).toBe(true);
    expect(isBiasOrNorm([3, 3, 1, 16])).toBe(false);
    expect(isBiasOrNorm([64, 10])).toBe(false);
  });
});

/** input [2] → dense(2, name d): kernel [[3, 4], [0, 0]]... set by the test. */
function tinyModel(): tf.LayersModel {
  const input = tf.input({ shape: [2] });
  const out = tf.layers.dense({ name: 'd', units: 2 }).apply(input) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const v = trainableVariables(model);
  v['d/kernel']!.assign(tf.tensor2d([[3, 0], [4, 0]])); // ‖kernel‖ = 5
  v['d/bias']!.assign(tf.tensor1d([3, 4])); // ‖bias‖ = 5
  return model;
}

/** A host with real hooks: just enough of the trainer for the plugin's taps. */
function fakeHost(model: tf.LayersModel, optimizer: 'sgd' | 'adamw' = 'sgd', hyper = new HyperParams(0.1, 0.1)) {
  const reports: Record<string, unknown> = {};
  const host = {
    hooks: createHooks(),
    hyper,
    config: { optimizer: { name: optimizer } } as TricksterConfig,
    logger: { info: () => {}, warn: () => {} },
    model,
    report: (_plugin: string, key: string, value: unknown) => {
      reports[key] = value;
    },
  } as unknown as PluginHost;
  return { host, reports };
}

function plugin(options: Record<string, unknown> = {}): LarcPlugin {
  return new LarcPlugin(optionsSchema.parse(options));
}

const grads = (): GradientMap => ({ 'd/kernel': tf.tensor2d([[0.6, 0], [0.8, 0]]), 'd/bias': tf.tensor1d([0.6, 0.8]) });
const stepCtx = (model: tf.LayersModel) => ({ epoch: 0, step: 0, microStep: 0, batchInEpoch: 0, variables: trainableVariables(model), batchSize: 1 }) as BackwardContext;

describe('larc taps', () => {
  it('absorbs weight decay: the optimizer decays nothing, SGD moves w by lr·(g + wd·w)·factor', async () => {
    const model = tinyModel();
    const { host, reports } = fakeHost(model);
    plugin().apply(host);
    await host.hooks.setup.promise(RUN);
    expect(reports.adaptedVariables).toBe(2);
    expect(host.hyper.optimizerDecayFor('d/kernel')).toBe(0);
    expect(host.hyper.optimizerDecayFor('d/bias')).toBe(0);
    const out = host.hooks.afterBackward.call(grads(), stepCtx(model));
    close(arr(out['d/bias']!), [0.6, 0.8]); // clip, lr 0.1: see the hand computation above
    close(arr(out['d/kernel']!), [0.6, 0, 0.8, 0]);
    const v = trainableVariables(model);
    new Sgd({ momentum: 0, dampening: 0, nesterov: false }).apply(out, v, { lr: host.hyper.lr, decayFor: (n) => host.hyper.optimizerDecayFor(n) });
    close(arr(v['d/bias']!), [3 - 0.1 * 0.6, 4 - 0.1 * 0.8]); // [2.94, 3.92]: decay counted once
  });

  it('composes with no-bias-decay in either order: exempt variables get no decay inside the trust ratio', async () => {
    for (const order of [['larc', 'nbd'], ['nbd', 'larc']]) {
      const model = tinyModel();
      const { host } = fakeHost(model);
      for (const p of order) (p === 'larc' ? plugin({ clip: false }) : new NoBiasDecayPlugin({})).apply(host);
      await host.hooks.setup.promise(RUN);
      expect([host.hyper.decayFor('d/kernel'), host.hyper.decayFor('d/bias')]).toEqual([0.1, 0]);
      expect([host.hyper.optimizerDecayFor('d/kernel'), host.hyper.optimizerDecayFor('d/bias')]).toEqual([0, 0]);
      // A bias gradient not parallel to w = [3, 4]: g = [0.8, 0.6], ‖g‖ = 1, no clip.
      //   exempt (wd 0):  η‖w‖/‖g‖ = 0.1            → 0.1·g           = [0.08, 0.06]
      //   (with wd 0.1 it would be (1/15)·(g + 0.1·w) = [0.0733, 0.0667])
      // The kernel still decays: [0.06, 0, 0.08, 0] as in the hand computation above.
      const out = host.hooks.afterBackward.call({ ...grads(), 'd/bias': tf.tensor1d([0.8, 0.6]) }, stepCtx(model));
      close(arr(out['d/bias']!), [0.08, 0.06]);
      close(arr(out['d/kernel']!), [0.06, 0, 0.08, 0]);
      model.dispose();
    }
  });

  it('excludeBiasAndNorm: biases keep their gradient and the optimizer decay', async () => {
    const model = tinyModel();
    const { host, reports } = fakeHost(model);
    plugin({ excludeBiasAndNorm: true, clip: false }).apply(host);
    await host.hooks.setup.promise(RUN);
    expect(reports.adaptedVariables).toBe(1);
    expect(host.hyper.optimizerDecayFor('d/bias')).toBe(0.1);
    expect(host.hyper.optimizerDecayFor('d/kernel')).toBe(0);
    const g = grads();
    const out = host.hooks.afterBackward.call(g, stepCtx(model));
    expect(out['d/bias']).toBe(g['d/bias']);
    close(arr(out['d/kernel']!), [0.06, 0, 0.08, 0]); // no clip: factor 1/15
  });

  it('uses the step learning rate set by the schedule', async () => {
    const model = tinyModel();
    const { host } = fakeHost(model);
    plugin().apply(host);
    await host.hooks.setup.promise(RUN);
    host.hyper.baseLr = 0.05;
    close(arr(host.hooks.afterBackward.call(grads(), stepCtx(model))['d/bias']!), [0.9, 1.2]);
  });

  it('leaks no tensor once the kernel disposes the replaced gradients', async () => {
    const model = tinyModel();
    const { host } = fakeHost(model);
    plugin().apply(host);
    await host.hooks.setup.promise(RUN);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const g = grads();
      const out = host.hooks.afterBackward.call(g, stepCtx(model));
      tf.dispose([...Object.values(g), ...Object.values(out)]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps no state across steps: the checkpoint holds nothing of it and setup rebuilds the decay filter', async () => {
    const model = tinyModel();
    const { host } = fakeHost(model);
    plugin({ excludeBiasAndNorm: true }).apply(host);
    const bag: StateBag & { map: Map<string, PluginState> } = {
      map: new Map(),
      set(p, s) {
        this.map.set(p, s);
      },
      get(p) {
        return this.map.get(p);
      },
    };
    host.hooks.saveState.call(bag);
    expect(bag.map.size).toBe(0);
    await host.hooks.setup.promise(RUN); // a resume runs setup again
    expect(host.hyper.optimizerDecayFor('d/bias')).toBe(0.1);
  });
});

describe('larc config', () => {
  async function plugins(entry: unknown): Promise<TricksterPlugin[]> {
    const { config, baseDir } = await resolveConfig({ inline: subsetConfig({ plugins: { [PLUGIN_NAME]: entry } }) });
    return loadPlugins(config, baseDir);
  }

  it('is switched off by false, on with defaults by {}', async () => {
    expect((await plugins(false)).map((p) => p.name)).not.toContain(PLUGIN_NAME);
    expect((await plugins({})).map((p) => p.name)).toContain(PLUGIN_NAME);
    expect(optionsSchema.parse({})).toEqual({ trustCoefficient: 0.02, clip: true, eps: 1e-8, excludeBiasAndNorm: false });
  });

  it('names the key path of a bad option', async () => {
    await expect(plugins({ trustCoefficient: 0 })).rejects.toThrow(ConfigError);
    await expect(plugins({ trustCoefficient: -1 })).rejects.toThrow(/plugins\.larc\.trustCoefficient/);
    await expect(plugins({ clip: 'yes' })).rejects.toThrow(/plugins\.larc\.clip/);
    await expect(plugins({ trust: 0.1 })).rejects.toThrow(/plugins\.larc.*"trust"/);
  });

  it('refuses another layer-wise plugin and another plugin applying weight decay itself, naming both; warns with adamw', () => {
    const { host } = fakeHost(tinyModel(), 'adamw');
    plugin().apply(host);
    const ctx = (names: string[], warn: (m: string) => void = () => {}) => ({ plugins: names, has: (n: string) => names.includes(n), warn });
    expect(() => host.hooks.validate.call(ctx(['larc', 'lars']))).toThrow(PluginConflictError);
    expect(() => host.hooks.validate.call(ctx(['larc', 'lars']))).toThrow(/"larc" and "lars"/);
    const warnings: string[] = [];
    host.hooks.validate.call(ctx(['larc'], (m) => warnings.push(m)));
    expect(warnings.join()).toMatch(/SGD.*adamw/);
    const hyper = new HyperParams(0.1, 0.1);
    hyper.takeOverDecay('lamb-like', () => true);
    expect(() => plugin().apply(fakeHost(tinyModel(), 'sgd', hyper).host)).toThrow(/"lamb-like" and "larc"/);
  });
});

describe('larc end to end (Fashion-MNIST subset)', () => {
  const weights = (m: tf.LayersModel) => Object.fromEntries(Object.entries(allVariables(m)).map(([k, v]) => [k, Array.from(v.dataSync())]));
  const distance = (a: Record<string, number[]>, b: Record<string, number[]>, name: string) =>
    Math.sqrt(a[name]!.reduce((s, x, i) => s + (x - b[name]![i]!) ** 2, 0));

  /** Records the initial weights, and one variable's gradient around LARC's tap at the first step. */
  class Probe implements TricksterPlugin {
    readonly name = 'larc-probe';
    initial: Record<string, number[]> = {};
    seen: { w?: number[]; before?: number[]; after?: number[]; lr?: number; wd?: number } = {};
    constructor(private readonly variable: string) {}
    apply(host: PluginHost): void {
      host.hooks.setup.tapPromise({ name: this.name, stage: 100 }, async () => {
        this.initial = weights(host.model);
      });
      host.hooks.afterBackward.tap({ name: this.name, stage: 0 }, (g, { step, variables }) => {
        if (step === 0) this.seen = { w: arr(variables[this.variable]!), before: arr(g[this.variable]!), lr: host.hyper.lr, wd: host.hyper.weightDecay };
        return g;
      });
      host.hooks.afterBackward.tap({ name: this.name, stage: 100 }, (g, { step }) => {
        if (step === 0) this.seen.after = arr(g[this.variable]!);
        return g;
      });
    }
  }

  const norm = (x: number[]) => Math.sqrt(x.reduce((s, v) => s + v * v, 0));

  it('changes the update: the trust ratio scales the real gradients, clipped steps are shorter', async () => {
    const run = async (plugins: Record<string, unknown>) => {
      const probe = new Probe('head_dense/kernel');
      const { summary, trainer } = await trainSubset({ training: { epochs: 1 }, plugins }, { plugins: [probe] });
      const final = weights(trainer.model);
      trainer.dispose();
      return { summary, probe, final };
    };
    const plain = await run({});
    // The seed's η = 1e-3: local rates well under lr 0.1, so the clip leaves factors < 1.
    const larc = await run({ [PLUGIN_NAME]: { trustCoefficient: 1e-3 } });
    expect(larc.summary.plugins[PLUGIN_NAME]).toEqual({ adaptedVariables: 11 }); // 3 conv kernels, 3 BN gamma/beta pairs, dense kernel and bias
    expect(larc.probe.initial).toEqual(plain.probe.initial); // same seed, data and initial weights: only LARC differs
    expect(Number.isFinite(larc.summary.testLoss)).toBe(true);

    const { w, before, after, lr, wd } = larc.probe.seen as Required<Probe['seen']>;
    const factor = larcFactor(norm(w), norm(before), lr, wd, { trustCoefficient: 1e-3, clip: true, eps: 1e-8 })!;
    expect(factor).toBeLessThan(1);
    after.forEach((v, i) => expect(v).toBeCloseTo((before[i]! + wd * w[i]!) * factor, 5));

    for (const name of ['stage1_conv/kernel', 'stage3_conv/kernel', 'head_dense/kernel']) {
      expect(distance(larc.final, larc.probe.initial, name)).toBeLessThan(0.9 * distance(plain.final, plain.probe.initial, name));
    }
  });

  it('a run resumed after epoch 1 ends with the same weights as an uninterrupted one (LARC has no state to lose)', async () => {
    const larc = { plugins: { [PLUGIN_NAME]: { excludeBiasAndNorm: true } }, data: { limit: 128, testLimit: 100 } };
    const whole = await trainSubset({ ...larc, training: { epochs: 2 } });
    const dir = tempRunDir();
    const first = await trainSubset({ ...larc, training: { epochs: 1 } }, { outDir: dir });
    first.trainer.dispose();
    const resumed = await trainSubset({ ...larc, training: { epochs: 2 } }, { outDir: dir, resume: true });
    expect(resumed.summary.steps).toBe(whole.summary.steps);
    const a = weights(whole.trainer.model);
    const b = weights(resumed.trainer.model);
    for (const name of Object.keys(a)) expect(distance(a, b, name)).toBeLessThan(1e-5);
    whole.trainer.dispose();
    resumed.trainer.dispose();
  });
});
