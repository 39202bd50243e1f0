import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { resolveConfig } from '../../core/config/load.js';
import type { TricksterConfig } from '../../core/config/schema.js';
import type { EvalContext, PluginState, StateBag } from '../../core/contexts.js';
import type { HostBatch } from '../../core/data/types.js';
import { ConfigError, NumericError } from '../../core/errors.js';
import { createHooks, type RunContext } from '../../core/hooks.js';
import { HyperParams } from '../../core/hyper-params.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { loadPlugins } from '../../app/plugin-loader.js';
import { allVariables } from '../../core/variables.js';
import { EmaPlugin, optionsSchema as emaOptions } from '../../plugins/ema/index.js';
import { optionsSchema, PreciseBnPlugin } from '../../plugins/precise-bn/index.js';
import { passLength } from '../../plugins/precise-bn/math.js';
import { subsetConfig, trainSubset } from '../helpers/train-subset.js';

beforeAll(async () => {
  await useBackend('wasm');
});

/** input [2,2,1] → bn → flatten → dense(2); Keras momentum 0.9. */
function tinyModel(): tf.LayersModel {
  const input = tf.input({ shape: [2, 2, 1] });
  let x = tf.layers.batchNormalization({ name: 'bn', momentum: 0.9 }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.flatten({}).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ name: 'dense', units: 2 }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

function hostBatch(values: number[]): HostBatch {
  return { x: Float32Array.from(values), labels: new Int32Array(values.length / 4), size: values.length / 4, height: 2, width: 2, channels: 1 };
}

// Per-batch mean and biased variance (what tf.moments gives and TF.js normalises with):
// [1,2,3,4]: mean 2.5, var 30/4 − 2.5² = 1.25; [5,5,9,9]: mean 7, var 212/4 − 49 = 4; [0,0,0,8]: mean 2, var 64/4 − 4 = 12
const BATCHES = [hostBatch([1, 2, 3, 4]), hostBatch([5, 5, 9, 9]), hostBatch([0, 0, 0, 8])];

function fakeHost(model: tf.LayersModel, batches: HostBatch[] = BATCHES) {
  const warnings: string[] = [];
  const reports: Record<string, unknown> = {};
  /** What each evaluate() call read: its split and the BN moving statistics. */
  const evaluations: { split: string; stats: number[] }[] = [];
  const host: PluginHost = {
    hooks: createHooks(),
    hyper: new HyperParams(0.1, 0),
    config: {} as TricksterConfig,
    logger: { info: () => {}, warn: (m) => warnings.push(m) },
    model,
    position: { epoch: 0, step: 0, microStep: 0, batchInEpoch: 0 },
    stepsPerEpoch: batches.length,
    batchesPerEpoch: batches.length,
    setMicroBatchesPerStep: () => {},
    microBatchesPerStep: 1,
    random: () => ({ next: () => 0.5 }),
    trainBatches: async function* () {
      yield* batches;
    },
    normalization: { mean: [0], std: [1] },
    numClasses: 2,
    evaluate: async (o) => {
      evaluations.push({ split: o?.split ?? 'validation', stats: bnStats(model) });
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
  return { host, warnings, reports, evaluations };
}

const RUN: RunContext = { epochs: 1, stepsPerEpoch: 3 };
const evalCtx = (phase: 'epoch' | 'final'): EvalContext => ({ epoch: 0, step: 3, microStep: 3, batchInEpoch: 3, phase });
const plugin = (options: Record<string, unknown> = {}) => new PreciseBnPlugin(optionsSchema.parse(options));
const bnStats = (model: tf.LayersModel) => {
  const w = model.getLayer('bn').getWeights();
  return [w[2]!.dataSync()[0]!, w[3]!.dataSync()[0]!];
};

describe('precise-bn math', () => {
  it('caps a pass at one epoch of batches', () => {
    expect(passLength(200, 8)).toBe(8);
    expect(passLength(5, 8)).toBe(5);
  });
});

describe('precise-bn taps', () => {
  it("when 'epoch': before each evaluation (epoch and final), the BN statistics are the mean of the per-batch ones", async () => {
    const model = tinyModel();
    const { host, reports } = fakeHost(model);
    plugin().apply(host);
    await host.hooks.setup.promise(RUN);
    await host.hooks.beforeEval.promise(evalCtx('epoch'));
    const [mean, variance] = bnStats(model);
    expect(mean).toBeCloseTo((2.5 + 7 + 2) / 3, 5);
    expect(variance).toBeCloseTo((1.25 + 4 + 12) / 3, 5);
    expect(reports).toEqual({ passes: 1, batches: 3 });
    model.getLayer('bn').setWeights([tf.ones([1]), tf.zeros([1]), tf.zeros([1]), tf.ones([1])]);
    await host.hooks.afterTrain.promise(RUN);
    expect(bnStats(model)).toEqual([0, 1]); // not at the end of training
    // Before the final evaluation too: a run without a validation split evaluates only then.
    await host.hooks.beforeEval.promise(evalCtx('final'));
    expect(bnStats(model)[0]).toBeCloseTo((2.5 + 7 + 2) / 3, 5);
    expect(reports).toEqual({ passes: 2, batches: 3 });
  });

  it("when 'end' with batches 2: only after training, over the first 2 batches; the moving statistics reported on test first", async () => {
    const model = tinyModel();
    const { host, reports, evaluations } = fakeHost(model);
    plugin({ when: 'end', batches: 2 }).apply(host);
    await host.hooks.setup.promise(RUN);
    await host.hooks.beforeEval.promise(evalCtx('epoch'));
    expect(bnStats(model)).toEqual([0, 1]); // the initial statistics
    await host.hooks.afterTrain.promise(RUN);
    const [mean, variance] = bnStats(model);
    expect(mean).toBeCloseTo((2.5 + 7) / 2, 5);
    expect(variance).toBeCloseTo((1.25 + 4) / 2, 5);
    expect(evaluations).toEqual([{ split: 'test', stats: [0, 1] }]); // once, before the pass
    expect(reports).toEqual({ passes: 1, batches: 2, finalWeightsTop1: 0.5, finalWeightsTop5: 1, finalWeightsTestLoss: 0.25 });
  });

  it("when 'epoch', or with reportFinalWeights false, evaluates nothing itself", async () => {
    for (const options of [{}, { when: 'end', reportFinalWeights: false }]) {
      const model = tinyModel();
      const { host, reports, evaluations } = fakeHost(model);
      plugin(options).apply(host);
      await host.hooks.setup.promise(RUN);
      await host.hooks.afterTrain.promise(RUN);
      await host.hooks.beforeEval.promise(evalCtx('final'));
      expect(evaluations).toEqual([]);
      expect(reports.finalWeightsTop1).toBeUndefined();
    }
  });

  it('a NaN statistic is a NumericError naming the layer', async () => {
    const model = tinyModel();
    const { host } = fakeHost(model, [BATCHES[0]!, hostBatch([1, Number.NaN, 3, 4])]);
    plugin().apply(host);
    await expect(host.hooks.beforeEval.promise(evalCtx('epoch'))).rejects.toThrow(NumericError);
    await expect(host.hooks.beforeEval.promise(evalCtx('epoch'))).rejects.toThrow(/batch-norm layer "bn"/);
  });

  it('with ema: recomputes the statistics of the evaluated EMA weights, leaves the trained ones alone', async () => {
    const model = tinyModel();
    const { host } = fakeHost(model);
    new EmaPlugin(emaOptions.parse({ decay: 0.5 })).apply(host);
    plugin().apply(host);
    let seen: number[] = [];
    host.hooks.beforeEval.tapPromise({ name: 'probe', stage: 50 }, async () => void (seen = bnStats(model)));
    await host.hooks.setup.promise(RUN);
    const trained = Object.values(allVariables(model)).map((v) => Array.from(v.dataSync()));
    await host.hooks.beforeEval.promise(evalCtx('epoch'));
    await host.hooks.afterEval.promise(evalCtx('epoch'));
    expect(seen[0]).toBeCloseTo(23 / 6, 5);
    expect(Object.values(allVariables(model)).map((v) => Array.from(v.dataSync()))).toEqual(trained);
  });

  it('round-trips its pass count through the checkpoint state', async () => {
    const a = plugin();
    const ha = fakeHost(tinyModel());
    a.apply(ha.host);
    await ha.host.hooks.beforeEval.promise(evalCtx('epoch'));
    await ha.host.hooks.beforeEval.promise(evalCtx('epoch'));
    const bag = new Map<string, PluginState>();
    const stateBag: StateBag = { set: (p, s) => void bag.set(p, s), get: (p) => bag.get(p) };
    ha.host.hooks.saveState.call(stateBag);
    const b = plugin();
    const hb = fakeHost(tinyModel());
    b.apply(hb.host);
    hb.host.hooks.loadState.call(stateBag);
    expect(b.passCount).toBe(2);
  });
});

describe('precise-bn config', () => {
  async function plugins(entry: unknown): Promise<TricksterPlugin[]> {
    const { config, baseDir } = await resolveConfig({ inline: subsetConfig({ plugins: { 'precise-bn': entry } }) });
    return loadPlugins(config, baseDir);
  }

  it('is switched off by false, on with defaults by {}', async () => {
    expect((await plugins(false)).map((p) => p.name)).not.toContain('precise-bn');
    expect((await plugins({})).map((p) => p.name)).toContain('precise-bn');
    expect(optionsSchema.parse({})).toEqual({ batches: 200, when: 'epoch', reportFinalWeights: true });
  });

  it('names the key path of a bad option', async () => {
    await expect(plugins({ when: 'always' })).rejects.toThrow(ConfigError);
    await expect(plugins({ when: 'always' })).rejects.toThrow(/plugins\.precise-bn\.when/);
    await expect(plugins({ batches: 0 })).rejects.toThrow(/plugins\.precise-bn\.batches/);
  });

  it("warns that 'end' repeats swa's BN update", () => {
    const { host } = fakeHost(tinyModel());
    plugin({ when: 'end' }).apply(host);
    const warnings: string[] = [];
    host.hooks.validate.call({ plugins: ['precise-bn', 'swa'], has: () => true, warn: (m) => warnings.push(m) });
    expect(warnings.join('\n')).toMatch(/"?precise-bn.*swa/);
  });
});

/** Records the first BN layer's moving mean at the epoch end and once precise-bn has run. */
class BnProbe implements TricksterPlugin {
  readonly name = 'bn-probe';
  readonly atEpochEnd: number[][] = [];
  readonly evaluated: number[][] = [];
  apply(host: PluginHost): void {
    const read = () => Array.from(allVariables(host.model)['stage1_bn/moving_mean']!.dataSync());
    host.hooks.afterEpoch.tapPromise(this.name, async () => void this.atEpochEnd.push(read()));
    host.hooks.beforeEval.tapPromise({ name: this.name, stage: 50 }, async ({ phase }) => {
      if (phase === 'epoch') this.evaluated.push(read());
    });
  }
}

describe('precise-bn end to end (Fashion-MNIST subset)', () => {
  it('replaces the BN moving statistics before each epoch evaluation', async () => {
    const probe = new BnProbe();
    const { summary, trainer } = await trainSubset(
      // A validation split, so each epoch is evaluated (and its BN statistics recomputed first).
      { data: { limit: 640, validationSplit: 0.2 }, training: { epochs: 2, batchSize: 64 }, plugins: { 'precise-bn': { batches: 4 } } },
      { plugins: [probe] },
    );
    expect(summary.plugins['precise-bn']).toEqual({ passes: 3, batches: 4 }); // 2 epoch evaluations and the final one
    expect(probe.evaluated).toHaveLength(2);
    for (let e = 0; e < 2; e++) {
      expect(probe.evaluated[e]).not.toEqual(probe.atEpochEnd[e]);
      for (const x of probe.evaluated[e]!) expect(Number.isFinite(x)).toBe(true);
    }
    expect(summary.top1).toBeGreaterThan(0.2);
    trainer.dispose();
  });
});
