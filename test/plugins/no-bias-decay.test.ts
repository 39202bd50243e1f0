import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { resolveConfig } from '../../core/config/load.js';
import type { TricksterConfig } from '../../core/config/schema.js';
import type { GradientMap, PluginState, StateBag } from '../../core/contexts.js';
import { ConfigError } from '../../core/errors.js';
import { createHooks } from '../../core/hooks.js';
import { HyperParams } from '../../core/hyper-params.js';
import { buildModel } from '../../core/models/index.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { loadPlugins } from '../../app/plugin-loader.js';
import { trainableVariables } from '../../core/variables.js';
import { LarcPlugin, optionsSchema as larcSchema } from '../../plugins/larc/index.js';
import { decaysVariable } from '../../plugins/no-bias-decay/filter.js';
import { NoBiasDecayPlugin, optionsSchema, PLUGIN_NAME } from '../../plugins/no-bias-decay/index.js';
import { subsetConfig, trainSubset } from '../helpers/train-subset.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const INPUT = { height: 28, width: 28, channels: 1 };

/** A host with real hooks and hyper-parameters: just enough of the trainer for the plugin's taps. */
function fakeHost(model?: tf.LayersModel, weightDecay = 5e-4) {
  const reports: Record<string, unknown> = {};
  const host = {
    hooks: createHooks(),
    hyper: new HyperParams(0.1, weightDecay),
    config: { optimizer: { name: 'sgd', weightDecay } } as TricksterConfig,
    model,
    report: (_plugin: string, key: string, value: unknown) => {
      reports[key] = value;
    },
  } as unknown as PluginHost;
  return { host, reports };
}

const plugin = () => new NoBiasDecayPlugin(optionsSchema.parse({}));

describe('no-bias-decay filter', () => {
  it('decays conv and dense kernels only (seed 004), from the stable variable name', () => {
    for (const name of ['stage1_conv/kernel', 'stage2_block1_shortcut_conv/kernel', 'head_dense/kernel', 'sep/depthwise_kernel']) {
      expect(decaysVariable(name)).toBe(true);
    }
    for (const name of ['head_dense/bias', 'stage1_bn/gamma', 'stage1_bn/beta', 'stem_bn1/gamma', 'kernel_bn/beta']) {
      expect(decaysVariable(name)).toBe(false);
    }
  });

  it('on the zoo models picks exactly the conv and dense kernels (the variables of rank ≥ 2)', () => {
    // [kernels, exempt] counted from the architectures:
    //   small-cnn: 3 convs + dense kernel = 4; 3 BNs × (gamma, beta) + dense bias = 7
    //   resnet20: stem + 9 blocks × 2 + 2 shortcut convs + dense = 22; 21 BNs × 2 + bias = 43
    //   resnet18-d: 3 stem convs + 8 blocks × 2 + 3 shortcut convs + dense = 23; 22 BNs × 2 + bias = 45
    const expected = [['small-cnn', undefined, 4, 7], ['resnet20', undefined, 22, 43], ['resnet18', 'd', 23, 45]] as const;
    for (const [name, variant, kernels, exempt] of expected) {
      const model = buildModel({ name, seed: 1, ...(variant ? { variant } : {}) }, INPUT, 10);
      const variables = Object.entries(trainableVariables(model));
      for (const [n, v] of variables) expect(decaysVariable(n), n).toBe(v.shape.length >= 2);
      expect(variables.filter(([n]) => decaysVariable(n)).length).toBe(kernels);
      expect(variables.filter(([n]) => !decaysVariable(n)).length).toBe(exempt);
      model.dispose();
    }
  });
});

describe('no-bias-decay taps', () => {
  it('makes the hyper-parameter service decay kernels only, and reports the counts at setup', async () => {
    const model = buildModel({ name: 'small-cnn', seed: 1 }, INPUT, 10);
    const { host, reports } = fakeHost(model);
    expect(host.hyper.decayFor('head_dense/bias')).toBe(5e-4); // without the plugin every variable decays
    plugin().apply(host);
    expect(host.hyper.decayFor('stage1_conv/kernel')).toBe(5e-4);
    expect(host.hyper.decayFor('head_dense/kernel')).toBe(5e-4);
    expect(host.hyper.decayFor('head_dense/bias')).toBe(0);
    expect(host.hyper.decayFor('stage3_bn/gamma')).toBe(0);
    expect(host.hyper.decayFor('stage3_bn/beta')).toBe(0);
    await host.hooks.setup.promise({ epochs: 1, stepsPerEpoch: 1 });
    expect(reports).toEqual({ decayedVariables: 4, exemptVariables: 7 });
    model.dispose();
  });

  it('leaves the decay of kernels to whichever applies it: with larc the optimizer decays nothing', () => {
    const both = fakeHost();
    new LarcPlugin(larcSchema.parse({})).apply(both.host);
    plugin().apply(both.host);
    expect(both.host.hyper.decayFor('head_dense/kernel')).toBe(5e-4); // larc folds this into the gradient
    expect(both.host.hyper.decayFor('head_dense/bias')).toBe(0);
    expect(both.host.hyper.optimizerDecayFor('head_dense/kernel')).toBe(0);
    expect(both.host.hyper.optimizerDecayFor('head_dense/bias')).toBe(0);
  });

  it('warns when there is no weight decay to restrict; keeps no state in the checkpoint', () => {
    const warnings: string[] = [];
    const validate = (host: PluginHost) => host.hooks.validate.call({ plugins: [PLUGIN_NAME], has: (n) => n === PLUGIN_NAME, warn: (m) => warnings.push(m) });
    const withDecay = fakeHost();
    plugin().apply(withDecay.host);
    validate(withDecay.host);
    expect(warnings).toEqual([]);
    const none = fakeHost(undefined, 0);
    plugin().apply(none.host);
    validate(none.host);
    expect(warnings.join()).toMatch(/weightDecay is 0/);
    const map = new Map<string, PluginState>();
    const bag: StateBag = { set: (p, s) => void map.set(p, s), get: (p) => map.get(p) };
    none.host.hooks.saveState.call(bag);
    expect(map.size).toBe(0);
  });
});

describe('no-bias-decay config', () => {
  async function plugins(entry: unknown): Promise<TricksterPlugin[]> {
    const { config, baseDir } = await resolveConfig({ inline: subsetConfig({ plugins: { [PLUGIN_NAME]: entry } }) });
    return loadPlugins(config, baseDir);
  }

  it('is switched off by false, on by {} or true', async () => {
    expect((await plugins(false)).map((p) => p.name)).not.toContain(PLUGIN_NAME);
    expect((await plugins({})).map((p) => p.name)).toContain(PLUGIN_NAME);
    expect((await plugins(true)).map((p) => p.name)).toContain(PLUGIN_NAME);
  });

  it('names the key path of an unknown option', async () => {
    await expect(plugins({ exclude: ['bias'] })).rejects.toThrow(ConfigError);
    await expect(plugins({ exclude: ['bias'] })).rejects.toThrow(/plugins\.no-bias-decay.*"exclude"/);
  });
});

describe('no-bias-decay end to end (Fashion-MNIST subset)', () => {
  /**
   * Zeroes every gradient after backward (the last afterBackward tap), so weight decay alone moves
   * the weights, and records the trainable weights at setup.
   */
  function decayOnly() {
    const initial: Record<string, Float32Array> = {};
    const p: TricksterPlugin = {
      name: 'decay-only',
      apply(host) {
        host.hooks.setup.tapPromise('decay-only', async () => {
          for (const [n, v] of Object.entries(trainableVariables(host.model))) initial[n] = Float32Array.from(v.dataSync());
        });
        host.hooks.afterBackward.tap({ name: 'decay-only', stage: 1000 }, (grads) =>
          Object.fromEntries(Object.entries(grads).map(([n, g]) => [n, tf.zerosLike(g)])) as GradientMap,
        );
      },
    };
    return { p, initial };
  }

  /**
   * Factor by which SGD (momentum μ, no dampening) shrinks a weight whose gradient is only wd·w, after
   * `steps` steps: b₁ = wd·w₀, b_t = μ·b_{t−1} + wd·w_t, w_{t+1} = w_t − lr·b_t (torch.optim.SGD).
   */
  function decayFactor(lr: number, wd: number, momentum: number, steps: number): number {
    let w = 1;
    let b = 0;
    for (let t = 0; t < steps; t++) {
      b = t === 0 ? wd * w : momentum * b + wd * w;
      w -= lr * b;
    }
    return w;
  }

  it('with gradients zeroed, decay shrinks the kernels and leaves biases and BN gamma/beta untouched', async () => {
    const run = { data: { limit: 256 }, optimizer: { weightDecay: 0.01 } };
    const plain = decayOnly();
    const a = await trainSubset(run, { plugins: [plain.p] });
    const nbd = decayOnly();
    const b = await trainSubset({ ...run, plugins: { [PLUGIN_NAME]: {} } }, { plugins: [nbd.p] });
    const r = decayFactor(0.1, 0.01, 0.9, b.summary.steps); // 4 steps: 1 − 0.001·(1 + 1.9 + 2.71 + 3.439) ≈ 0.991
    expect(b.summary.steps).toBe(4);
    expect(b.summary.plugins[PLUGIN_NAME]).toEqual({ decayedVariables: 4, exemptVariables: 7 });
    const check = (trained: tf.LayersModel, initial: Record<string, Float32Array>, exemptFactor: number) => {
      for (const [name, v] of Object.entries(trainableVariables(trained))) {
        const factor = decaysVariable(name) ? r : exemptFactor;
        const now = v.dataSync();
        initial[name]!.forEach((w0, i) => expect(now[i]).toBeCloseTo(w0 * factor, 6));
      }
    };
    check(b.trainer.model, nbd.initial, 1); // biases, gamma and beta keep their initial values
    check(a.trainer.model, plain.initial, r); // without the plugin they decay like the kernels (gamma 1 → r)
    expect(trainableVariables(b.trainer.model)['stage1_bn/gamma']!.dataSync().every((g) => g === 1)).toBe(true);
    a.trainer.dispose();
    b.trainer.dispose();
  });
});
