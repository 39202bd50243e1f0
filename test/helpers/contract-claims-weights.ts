import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import type { HostBatch } from '../../core/data/types.js';
import { STAGE } from '../../core/hook-stages.js';
import type { PluginHost } from '../../core/plugin.js';
import { LAST } from './contract-probe.js';
import { maxAbs, maxRelDiff, readWeights, type Claim } from './contract-run.js';

/**
 * ema: the exported weights are the EMA recurrence s ← d·s + (1 − d)·w run on the host over the
 * weights every optimizer step left (d with TF's warmup when configured), from the weights at
 * setup, and they differ from the raw final weights; the summary reports the export.
 */
export const emaClaim: Claim = (options) => {
  const o = options as { decay: number; warmup: boolean; every: number; export: boolean };
  let shadow: Record<string, Float64Array> = {};
  let raw: Record<string, Float32Array> = {};
  const name = 'contract-ema';
  return {
    plugin: {
      name,
      apply(host: PluginHost) {
        host.hooks.setup.tapPromise({ name, stage: STAGE.SNAPSHOT_INITIAL_WEIGHTS + 1 }, async () => {
          shadow = Object.fromEntries(Object.entries(readWeights(host.model)).map(([n, w]) => [n, Float64Array.from(w)]));
        });
        host.hooks.afterOptimizerStep.tap({ name, stage: LAST }, ({ step }) => {
          if (step % o.every !== 0) return;
          const d = o.warmup ? Math.min(o.decay, (1 + step) / (10 + step)) : o.decay;
          for (const [n, w] of Object.entries(readWeights(host.model))) {
            const s = shadow[n]!;
            for (let i = 0; i < s.length; i++) s[i] = d * s[i]! + (1 - d) * w[i]!;
          }
        });
        host.hooks.afterTrain.tapPromise({ name, stage: STAGE.EXPORT_AVERAGED_WEIGHTS - 1 }, async () => {
          raw = readWeights(host.model);
        });
      },
    },
    check({ summary, trainer, requireEffect }) {
      expect(o.export).toBe(true);
      expect(summary.plugins.ema?.exported).toBe(true);
      const final = readWeights(trainer.model);
      let moved = 0;
      for (const [n, w] of Object.entries(final)) {
        expect(maxRelDiff(w, shadow[n]!), n).toBeLessThan(1e-4);
        moved = Math.max(moved, maxAbs(w, raw[n]!));
      }
      if (requireEffect) expect(moved).toBeGreaterThan(1e-3);
    },
  };
};

/** The first batch-norm layer of a model and the sub-model that computes its input. */
function firstBatchNorm(model: tf.LayersModel): { name: string; input: tf.LayersModel } {
  const bn = model.layers.find((l) => l.getClassName() === 'BatchNormalization')!;
  return { name: bn.name, input: tf.model({ inputs: model.inputs, outputs: bn.input as tf.SymbolicTensor }) };
}

/** Mean over `limit` batches of the per-batch channel mean and (biased) variance of the first BN's input. */
async function batchStatsMean(model: tf.LayersModel, batches: AsyncIterable<HostBatch>, limit: number) {
  const { name, input } = firstBatchNorm(model);
  let sums: [Float64Array, Float64Array] | undefined;
  let k = 0;
  for await (const b of batches) {
    const [mean, variance] = tf.tidy(() => {
      const m = tf.moments(input.apply(tf.tensor4d(b.x, [b.size, b.height, b.width, b.channels])) as tf.Tensor4D, [0, 1, 2]);
      return [m.mean.dataSync(), m.variance.dataSync()];
    });
    sums ??= [new Float64Array(mean!.length), new Float64Array(mean!.length)];
    mean!.forEach((v, i) => (sums![0][i] += v));
    variance!.forEach((v, i) => (sums![1][i] += v));
    if (++k >= limit) break;
  }
  return { name, k, mean: sums![0].map((v) => v / k), variance: sums![1].map((v) => v / k) };
}

/**
 * precise-bn: after each pass (with `when: 'epoch'` before every evaluation, the final one
 * included; with 'end' once after training), the first batch norm's moving mean and variance equal
 * the mean of its per-batch statistics over the pass's un-augmented training batches (computed
 * here through a sub-model, not the plugin's code); the summary counts the passes and batches.
 */
export const preciseBnClaim: Claim = (options, config) => {
  const o = options as { batches: number; when: 'epoch' | 'end' };
  const errors: number[] = [];
  let used = 0;
  const name = 'contract-precise-bn';
  const verify = async (host: PluginHost, epoch: number) => {
    const expected = await batchStatsMean(host.model, host.trainBatches(epoch, { augment: false }), Math.min(o.batches, host.batchesPerEpoch));
    const w = readWeights(host.model);
    errors.push(maxRelDiff(w[`${expected.name}/moving_mean`]!, expected.mean), maxRelDiff(w[`${expected.name}/moving_variance`]!, expected.variance));
    used = expected.k;
  };
  return {
    plugin: {
      name,
      apply(host: PluginHost) {
        host.hooks.beforeEval.tapPromise({ name, stage: STAGE.RECALIBRATE_BATCH_NORM + 1 }, async ({ epoch }) => {
          if (o.when === 'epoch') await verify(host, epoch);
        });
        host.hooks.afterTrain.tapPromise({ name, stage: STAGE.FINAL_BATCH_NORM_PASS + 1 }, async () => {
          if (o.when === 'end') await verify(host, config.training.epochs);
        });
      },
    },
    check({ summary }) {
      const passes = o.when === 'end' ? 1 : (summary.validation ? summary.epochs : 0) + 1;
      expect(errors.length).toBe(2 * passes);
      // float32 sums in another order than the plugin's (and, with the FMA kernels, convs rounded once per
      // multiply-add): up to ~1e-4 seen with either kernel build; statistics left at the moving ones (the recompute
      // skipped) missed by 0.8-4.1.
      for (const e of errors) expect(e).toBeLessThan(3e-4);
      expect(summary.plugins['precise-bn']).toMatchObject({ passes, batches: used });
    },
  };
};

/**
 * fixres: the summary reports top-1 at testSize before and after, and one fine-tuning loss per
 * epoch; the fine-tuning changed the classifier and left every layer but the classifier and the last
 * batch norm bit-identical.
 */
export const fixresClaim: Claim = (options) => {
  const o = options as { testSize: number; epochs: number };
  let before: Record<string, Float32Array> = {};
  const name = 'contract-fixres';
  return {
    plugin: {
      name,
      apply(host: PluginHost) {
        host.hooks.afterTrain.tapPromise({ name, stage: STAGE.FINE_TUNE_AT_TEST_SIZE - 1 }, async () => {
          before = readWeights(host.model);
        });
      },
    },
    check({ summary, trainer }) {
      const report = summary.plugins.fixres ?? {};
      expect(report.testSize).toBe(o.testSize);
      for (const k of ['top1Before', 'top1']) expect(report[k]).toSatisfy((v: number) => v >= 0 && v <= 1);
      expect(report.fineTuneLoss).toSatisfy((l: number[]) => l.length === o.epochs && l.every(Number.isFinite));
      const layers = trainer.model.layers;
      const tuned = [layers.filter((l) => l.getClassName() === 'BatchNormalization').at(-1)!.name, layers.filter((l) => l.getClassName() === 'Dense').at(-1)!.name];
      const after = readWeights(trainer.model);
      for (const [n, w] of Object.entries(after)) {
        const layer = n.slice(0, n.indexOf('/'));
        if (!tuned.includes(layer)) expect(Buffer.from(w.buffer).equals(Buffer.from(before[n]!.buffer)), n).toBe(true);
      }
      expect(maxAbs(after[`${tuned[1]}/kernel`]!, before[`${tuned[1]}/kernel`]!)).toBeGreaterThan(0);
    },
  };
};

/**
 * no-bias-decay: on the first optimizer step (fresh momentum), conv/dense kernels move by
 * −lr·k·(g + wd·w) and every other variable (biases, BN gamma/beta) by −lr·k·g, k = 1 (+μ with
 * Nesterov); the summary counts decayed and exempt variables.
 */
export const noBiasDecayClaim: Claim = (_options, config) => {
  let grads: Record<string, Float32Array> | undefined;
  let before: Record<string, Float32Array> = {};
  let after: Record<string, Float32Array> | undefined;
  let lr = 0;
  const name = 'contract-no-bias-decay';
  return {
    plugin: {
      name,
      apply(host: PluginHost) {
        host.hooks.afterBackward.tap({ name, stage: LAST }, (g) => {
          if (grads || Object.keys(g).length === 0) return g;
          grads = Object.fromEntries(Object.entries(g).map(([n, t]) => [n, t.dataSync() as Float32Array]));
          before = readWeights(host.model, 'trainable');
          lr = host.hyper.lr;
          return g;
        });
        host.hooks.afterOptimizerStep.tap({ name, stage: LAST }, () => {
          after ??= readWeights(host.model, 'trainable');
        });
      },
    },
    check({ summary, requireEffect }) {
      const { weightDecay: wd, momentum, nesterov } = config.optimizer as { weightDecay: number; momentum: number; nesterov: boolean };
      const k = nesterov && momentum > 0 ? 1 + momentum : 1;
      const kernels = Object.keys(before).filter((n) => /(^|_)kernel$/.test(n.slice(n.lastIndexOf('/') + 1)));
      let exemptSeen = 0;
      for (const [n, w] of Object.entries(before)) {
        const g = grads![n]!;
        const plain = w.map((v, i) => v - lr * k * g[i]!);
        const decayed = w.map((v, i) => v - lr * k * (g[i]! + wd * v));
        const gap = maxAbs(plain, decayed);
        if (gap < 1e-6) continue;
        const isKernel = kernels.includes(n);
        if (!isKernel) exemptSeen += 1;
        expect(maxAbs(after![n]!, isKernel ? decayed : plain), n).toBeLessThan(gap / 10);
      }
      expect(summary.plugins['no-bias-decay']).toMatchObject({ decayedVariables: kernels.length, exemptVariables: Object.keys(before).length - kernels.length });
      if (requireEffect) expect(exemptSeen).toBeGreaterThan(0);
    },
  };
};
