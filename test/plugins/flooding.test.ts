import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import type { TricksterConfig } from '../../core/config/schema.js';
import type { BackwardContext, GradientMap } from '../../core/contexts.js';
import { ConfigError } from '../../core/errors.js';
import { STAGE } from '../../core/hook-stages.js';
import { createHooks } from '../../core/hooks.js';
import { softCrossEntropy } from '../../core/losses.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { disposeReplaced } from '../../core/tensor-ownership.js';
import { FloodingPlugin } from '../../plugins/flooding/index.js';
import { GradientAccumulationPlugin } from '../../plugins/gradient-accumulation/index.js';
import { metricLines } from '../helpers/contract-run.js';
import { trainSubset } from '../helpers/train-subset.js';

beforeAll(async () => {
  await useBackend('wasm');
});

/** A host with real hooks: just enough of the trainer for the afterBackward taps (and accumulation's registration). */
function fakeHost(): PluginHost {
  return {
    hooks: createHooks(),
    config: { training: { batchSize: 2 } } as TricksterConfig,
    logger: { info: () => {}, warn: () => {} },
    setMicroBatchesPerStep: () => {},
    report: () => {},
  } as unknown as PluginHost;
}

// A tiny linear classifier: logits = x·w, L(w) = mean soft cross-entropy over 4 examples, 2 classes.
const w = tf.variable(tf.tensor2d([0.3, -0.2, 0.1, 0.4, -0.5, 0.2], [3, 2]), true, 'w');
const X = tf.tensor2d([1, 2, 0, 0, 1, -1, 2, 0, 1, -1, 1, 1], [4, 3]);
const Y = tf.tensor2d([1, 0, 0, 1, 1, 0, 0, 1], [4, 2]);
const lossOf = (x: tf.Tensor2D, y: tf.Tensor2D) => (wt: tf.Tensor) => softCrossEntropy(y, tf.matMul(x, wt as tf.Tensor2D));

/** Runs the afterBackward waterfall as the kernel does on one micro-batch: ∇L and L in, the taps' gradients out (host copy). */
function afterBackward(host: PluginHost, x: tf.Tensor2D, y: tf.Tensor2D): { loss: number; out: number[] } {
  const { value, grads } = tf.variableGrads(() => lossOf(x, y)(w), [w]);
  const raw: GradientMap = { w: grads.w! };
  const ctx = { epoch: 0, step: 0, microStep: 0, batchInEpoch: 0, variables: { w }, batchSize: x.shape[0], loss: value } as BackwardContext;
  const out = host.hooks.afterBackward.call(raw, ctx);
  disposeReplaced(raw, out);
  const result = { loss: value.dataSync()[0]!, out: out.w ? Array.from(out.w.dataSync()) : [] };
  tf.dispose([value, ...Object.values(out)]);
  return result;
}

/** The hand reference: tf.grad of the flooded loss |L − b| + b itself (Ishida et al., 2020, eq. 1). */
function floodedGrad(b: number, x = X, y = Y): number[] {
  const g = tf.grad((wt: tf.Tensor) => tf.add(tf.abs(tf.sub(lossOf(x, y)(wt), b)), b))(w);
  const out = Array.from(g.dataSync());
  g.dispose();
  return out;
}

const plainGrad = (x = X, y = Y) => floodedGrad(-1, x, y); // b below any loss ≥ 0: |L + 1| − 1 has L's gradient

const close = (got: number[], want: number[]) => want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 6));

describe('flooding', () => {
  it('requires a level ≥ 0, with coded one-line errors naming the key', () => {
    expect(() => new FloodingPlugin({} as { level: number })).toThrow(ConfigError);
    expect(() => new FloodingPlugin({} as { level: number })).toThrow(/plugins\.flooding\.level/);
    expect(() => new FloodingPlugin({ level: -0.1 })).toThrow(/plugins\.flooding\.level/);
    expect(() => new FloodingPlugin({ level: 0.5, floor: 1 } as { level: number })).toThrow(/floor/);
  });

  it('warns that level 0 changes nothing', () => {
    const host = fakeHost();
    new FloodingPlugin({ level: 0 }).apply(host);
    const warnings: string[] = [];
    host.hooks.validate.call({ plugins: ['flooding'], has: () => true, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringMatching(/level 0 changes nothing/)]);
  });

  it('leaves the gradient unchanged above the level and flips it below, as tf.grad of |L − b| + b', () => {
    const host = fakeHost();
    const { loss } = afterBackward(host, X, Y); // no taps yet: the plain gradient and L
    const below = new FloodingPlugin({ level: loss - 0.25 });
    const above = new FloodingPlugin({ level: loss + 0.25 });
    const hostBelow = fakeHost();
    below.apply(hostBelow);
    const hostAbove = fakeHost();
    above.apply(hostAbove);
    const g = plainGrad();
    expect(Math.max(...g.map(Math.abs))).toBeGreaterThan(1e-2);
    // L > b: descent, sign +1.
    close(afterBackward(hostBelow, X, Y).out, floodedGrad(loss - 0.25));
    close(afterBackward(hostBelow, X, Y).out, g);
    // L < b: ascent, sign −1.
    close(afterBackward(hostAbove, X, Y).out, floodedGrad(loss + 0.25));
    close(afterBackward(hostAbove, X, Y).out, g.map((v) => -v));
  });

  it('gives a zero gradient at L = b exactly, as PyTorch (abs backward: grad * sgn(x), derivatives.yaml)', () => {
    const { loss } = afterBackward(fakeHost(), X, Y);
    const host = fakeHost();
    new FloodingPlugin({ level: Math.fround(loss) }).apply(host);
    const out = afterBackward(host, X, Y).out;
    expect(out.length).toBe(6);
    for (const v of out) expect(Math.abs(v)).toBe(0); // ±0: ∇L times sign 0
  });

  it('with gradient accumulation floods each micro-batch by its own loss, then averages the window', () => {
    const [xa, xb] = [X.slice([0, 0], [2, 3]), X.slice([2, 0], [2, 3])];
    const [ya, yb] = [Y.slice([0, 0], [2, 2]), Y.slice([2, 0], [2, 2])];
    const la = afterBackward(fakeHost(), xa, ya).loss;
    const lb = afterBackward(fakeHost(), xb, yb).loss;
    expect(Math.abs(la - lb)).toBeGreaterThan(0.05);
    const b = (la + lb) / 2; // one micro-batch above the level, one below
    const host = fakeHost();
    // Registered in the opposite order: the stages, not registration, put flooding first.
    new GradientAccumulationPlugin({ steps: 2 }).apply(host);
    new FloodingPlugin({ level: b }).apply(host);
    expect(afterBackward(host, xa, ya).out).toEqual([]); // inside the window
    const window = afterBackward(host, xb, yb).out;
    // Equal micro-batch sizes: the window's gradient is ½·(sign(La − b)·∇La + sign(Lb − b)·∇Lb).
    const [ga, gb] = [floodedGrad(b, xa, ya), floodedGrad(b, xb, yb)];
    close(window, ga.map((v, i) => (v + gb[i]!) / 2));
    tf.dispose([xa, xb, ya, yb]);
  });

  it('holds the training loss near a high level on Fashion-MNIST, and reports the plain loss', async () => {
    // 512 images, 8 epochs of batch 64 at lr 0.02 (the subset's lr 0.1 overshoots in the first epoch).
    const level = 0.9;
    const config = (plugins: Record<string, unknown>) => ({ training: { epochs: 8, replicas: 1 }, optimizer: { lr: 0.02 }, plugins });
    const plain = await trainSubset(config({}));
    plain.trainer.dispose();
    const seen: { epoch: number; loss: number }[] = [];
    const probe: TricksterPlugin = {
      name: 'loss-probe',
      apply: (host) => host.hooks.afterBackward.tap({ name: 'loss-probe', stage: STAGE.FLOOD_GRADIENTS - 1 }, (g, { epoch, loss }) => {
        seen.push({ epoch, loss: loss.dataSync()[0]! });
        return g;
      }),
    };
    const flooded = await trainSubset(config({ flooding: { level } }), { plugins: [probe] });
    flooded.trainer.dispose();
    const plainLoss = metricLines(plain.summary.runDir).map((l) => l.trainLoss as number);
    const floodLoss = metricLines(flooded.summary.runDir).map((l) => l.trainLoss as number);
    // Without flooding the loss falls well below b (0.45 at epoch 8); with it the last two epochs stay near b.
    expect(plainLoss.at(-1)).toBeLessThan(level - 0.3);
    for (const l of floodLoss.slice(-2)) expect(Math.abs(l - level)).toBeLessThan(0.15);
    // The reported loss is the plain one: the epoch mean of the losses the gradients are of, some of them below b
    // (the flooded |L − b| + b never is).
    const last = seen.filter((s) => s.epoch === 7).map((s) => s.loss);
    expect(floodLoss.at(-1)).toBeCloseTo(last.reduce((a, b) => a + b, 0) / last.length, 5);
    expect(Math.min(...last)).toBeLessThan(level);
  }, 60_000);

  it('floods the whole batch by its combined loss with 2 replicas, step for step as with 1', async () => {
    const level = 2.0; // inside the first epoch's losses at lr 0.02 (about 2.6 down to 1.6)
    const run = async (replicas: number) => {
      const steps: { loss: number; ratio: number }[] = [];
      let before = 0;
      const probe: TricksterPlugin = {
        name: 'sign-probe',
        apply: (host) => {
          host.hooks.afterBackward.tap({ name: 'sign-probe', stage: STAGE.FLOOD_GRADIENTS - 1 }, (g, { loss }) => {
            before = Object.values(g)[0]!.dataSync()[0]!;
            steps.push({ loss: loss.dataSync()[0]!, ratio: 0 });
            return g;
          });
          host.hooks.afterBackward.tap({ name: 'sign-probe', stage: STAGE.FLOOD_GRADIENTS + 1 }, (g) => {
            steps.at(-1)!.ratio = Object.values(g)[0]!.dataSync()[0]! / before;
            return g;
          });
        },
      };
      const { summary, trainer } = await trainSubset({ training: { replicas }, optimizer: { lr: 0.02 }, plugins: { flooding: { level } } }, { plugins: [probe] });
      trainer.dispose();
      expect(summary.replicas).toBe(replicas);
      return steps;
    };
    const one = await run(1);
    const two = await run(2);
    expect(two.length).toBe(one.length);
    for (const r of [...one, ...two]) expect(r.ratio).toBe(Math.sign(r.loss - level));
    expect(new Set(one.map((r) => r.ratio))).toEqual(new Set([1, -1]));
    // Same batches and start: the combined loss matches one thread's (shards differ only by batch-norm
    // statistics and float order), and the applied signs agree wherever the loss is not within 0.05 of b.
    expect(Math.abs(two[0]!.loss - one[0]!.loss)).toBeLessThan(0.05);
    one.forEach((r, i) => {
      if (Math.abs(r.loss - level) > 0.05 && Math.abs(two[i]!.loss - level) > 0.05) expect(two[i]!.ratio).toBe(r.ratio);
    });
  }, 60_000);
});
