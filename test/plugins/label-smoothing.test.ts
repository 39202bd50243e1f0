import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { resolveConfig } from '../../core/config/load.js';
import type { TricksterConfig } from '../../core/config/schema.js';
import type { Batch, PluginState, StateBag, StepContext } from '../../core/contexts.js';
import { ConfigError } from '../../core/errors.js';
import { createHooks } from '../../core/hooks.js';
import { HyperParams } from '../../core/hyper-params.js';
import { softCrossEntropy } from '../../core/losses.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { loadPlugins } from '../../app/plugin-loader.js';
import { Rng } from '../../core/data/rng.js';
import { disposeReplaced } from '../../core/tensor-ownership.js';
import { LabelSmoothingPlugin, optionsSchema, PLUGIN_NAME } from '../../plugins/label-smoothing/index.js';
import { smoothTargets } from '../../plugins/label-smoothing/smoothing.js';
import { MixupCutmixPlugin, optionsSchema as mixSchema } from '../../plugins/mixup-cutmix/index.js';
import { subsetConfig, trainSubset } from '../helpers/train-subset.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const rows = (t: tf.Tensor) => t.arraySync() as number[][];
const closeRows = (got: number[][], want: number[][], digits = 6) =>
  want.forEach((row, i) => row.forEach((w, j) => expect(got[i]![j]).toBeCloseTo(w, digits)));

/** A host with real hooks: just enough of the trainer for the batch taps. */
function fakeHost() {
  const warnings: string[] = [];
  const host = {
    hooks: createHooks(),
    hyper: new HyperParams(0.1, 0),
    config: { training: { batchSize: 2 } } as TricksterConfig,
    logger: { info: () => {}, warn: () => {} },
    random: (name: string) => new Rng(name.length),
    report: () => {},
  } as unknown as PluginHost;
  return { host, warnings };
}

const ctx = { epoch: 0, step: 0, microStep: 0, batchInEpoch: 0, variables: {}, batchSize: 2 } as StepContext;

/** Runs the batch waterfall as the kernel does (disposing what taps replaced). */
function runBatch(host: PluginHost, batch: Batch): Batch {
  const out = host.hooks.batch.call(batch, ctx);
  disposeReplaced(batch, out);
  return out;
}

function plugin(options: Record<string, unknown> = {}): LabelSmoothingPlugin {
  return new LabelSmoothingPlugin(optionsSchema.parse(options));
}

describe('label smoothing math', () => {
  it('smooths one-hot rows to (1 − ε)·t + ε/K, still summing to 1 (PyTorch label_smoothing semantics)', () => {
    // K = 4, ε = 0.1: off-class 0.1/4 = 0.025, true class 0.9 + 0.025 = 0.925.
    const out = rows(smoothTargets(tf.oneHot([1, 3], 4).toFloat() as tf.Tensor2D, 0.1));
    closeRows(out, [
      [0.025, 0.925, 0.025, 0.025],
      [0.025, 0.025, 0.025, 0.925],
    ]);
    for (const r of out) expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    // Soft rows too: [0.3, 0.7, 0, 0] → [0.27 + 0.025, 0.63 + 0.025, 0.025, 0.025].
    closeRows(rows(smoothTargets(tf.tensor2d([[0.3, 0.7, 0, 0]]), 0.1)), [[0.295, 0.655, 0.025, 0.025]]);
    // ε = 0 leaves the targets as they are.
    closeRows(rows(smoothTargets(tf.tensor2d([[0, 1]]), 0)), [[0, 1]]);
  });

  it("with the kernel's soft cross-entropy gives PyTorch's label-smoothing loss", () => {
    // logits = log([1, 2, 1]) → p = [0.25, 0.5, 0.25]; ε = 0.1, K = 3.
    // PyTorch (and the seed's LabelSmoothingCrossEntropy): (1 − ε)·(−log p_y) + ε·mean_k(−log p_k),
    // mean_k(−log p_k) = (ln 4 + ln 2 + ln 4)/3 = 5·ln 2/3 = 1.1552453.
    //   y = 1: 0.9·ln 2 + 0.1·1.1552453 = 0.6238325 + 0.1155245 = 0.7393570
    //   y = 0: 0.9·ln 4 + 0.1·1.1552453 = 1.2476649 + 0.1155245 = 1.3631894
    const logits = tf.log(tf.tensor2d([[1, 2, 1], [1, 2, 1]])) as tf.Tensor2D;
    const one = (y: number) => softCrossEntropy(smoothTargets(tf.oneHot([y], 3).toFloat() as tf.Tensor2D, 0.1), tf.log(tf.tensor2d([[1, 2, 1]])) as tf.Tensor2D);
    expect(one(1).dataSync()[0]).toBeCloseTo(0.739357, 5);
    expect(one(0).dataSync()[0]).toBeCloseTo(1.3631894, 5);
    const mean = softCrossEntropy(smoothTargets(tf.oneHot([1, 0], 3).toFloat() as tf.Tensor2D, 0.1), logits);
    expect(mean.dataSync()[0]).toBeCloseTo((0.739357 + 1.3631894) / 2, 5);
    // Without smoothing the same logits give plain cross-entropy ln 2 = 0.6931472: smoothing raised it.
    expect(softCrossEntropy(tf.oneHot([1], 3).toFloat() as tf.Tensor2D, tf.log(tf.tensor2d([[1, 2, 1]])) as tf.Tensor2D).dataSync()[0]).toBeCloseTo(Math.LN2, 5);
  });
});

describe('label smoothing taps', () => {
  it('smooths the batch targets and leaves the images alone', () => {
    const { host } = fakeHost();
    plugin({ epsilon: 0.2 }).apply(host);
    const x = tf.zeros([2, 2, 2, 1]) as tf.Tensor4D;
    const out = runBatch(host, { x, targets: tf.oneHot([0, 1], 2).toFloat() as tf.Tensor2D });
    expect(out.x).toBe(x);
    closeRows(rows(out.targets), [[0.9, 0.1], [0.1, 0.9]]); // 0.8·t + 0.2/2
    tf.dispose([out.x, out.targets]);
  });

  it('with mixup on, targets are mixed first and smoothed exactly once, whatever the registration order', () => {
    const { host } = fakeHost();
    plugin({ epsilon: 0.1 }).apply(host); // registered before mixup: the stages decide the order
    new MixupCutmixPlugin(mixSchema.parse({ mixupAlpha: 0.4, cutmixAlpha: 0 })).apply(host);
    const seen: number[][][] = [];
    host.hooks.batch.tap({ name: 'probe', stage: 5 }, (b) => {
      seen.push(rows(b.targets));
      return b;
    });
    // Image 0 is all ones, image 1 all zeros: after mixup pixel values of image 0 are λ.
    const x = tf.concat([tf.ones([1, 2, 2, 1]), tf.zeros([1, 2, 2, 1])]) as tf.Tensor4D;
    const out = runBatch(host, { x, targets: tf.oneHot([0, 1], 4).toFloat() as tf.Tensor2D });
    const lambda = out.x.dataSync()[0]!;
    expect(lambda).toBeGreaterThan(0);
    expect(lambda).toBeLessThan(1);
    // Between mixup (stage 0) and smoothing (stage 10) the targets are mixed, not yet smoothed.
    closeRows(seen[0]!, [[lambda, 1 - lambda, 0, 0], [1 - lambda, lambda, 0, 0]]);
    // Then smoothed once: 0.9·mixed + 0.1/4 (twice would give 0.81·mixed + 0.0475).
    closeRows(rows(out.targets), [
      [0.9 * lambda + 0.025, 0.9 * (1 - lambda) + 0.025, 0.025, 0.025],
      [0.9 * (1 - lambda) + 0.025, 0.9 * lambda + 0.025, 0.025, 0.025],
    ]);
    tf.dispose([out.x, out.targets]);
  });

  it('leaks no tensor once the kernel disposes the replaced batch', () => {
    const { host } = fakeHost();
    plugin().apply(host);
    const once = () => {
      const batch = tf.tidy(() => ({ x: tf.zeros([2, 2, 2, 1]) as tf.Tensor4D, targets: tf.oneHot([0, 1], 2).toFloat() as tf.Tensor2D }));
      const out = runBatch(host, batch);
      tf.dispose([out.x, out.targets]);
    };
    once();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) once();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps no state: the checkpoint holds nothing of it', () => {
    const { host } = fakeHost();
    plugin().apply(host);
    const map = new Map<string, PluginState>();
    const bag: StateBag = { set: (p, s) => void map.set(p, s), get: (p) => map.get(p) };
    host.hooks.saveState.call(bag);
    expect(map.size).toBe(0);
  });

  it('warns when distillation is on too', () => {
    const { host } = fakeHost();
    plugin().apply(host);
    const warnings: string[] = [];
    const validate = (names: string[]) => host.hooks.validate.call({ plugins: names, has: (n) => names.includes(n), warn: (m) => warnings.push(m) });
    validate([PLUGIN_NAME]);
    expect(warnings).toEqual([]);
    validate([PLUGIN_NAME, 'distillation']);
    expect(warnings.join()).toMatch(/label-smoothing.*distillation/);
  });
});

describe('label smoothing config', () => {
  async function plugins(entry: unknown): Promise<TricksterPlugin[]> {
    const { config, baseDir } = await resolveConfig({ inline: subsetConfig({ plugins: { [PLUGIN_NAME]: entry } }) });
    return loadPlugins(config, baseDir);
  }

  it('is switched off by false, on with defaults by {}', async () => {
    expect((await plugins(false)).map((p) => p.name)).not.toContain(PLUGIN_NAME);
    expect((await plugins({})).map((p) => p.name)).toContain(PLUGIN_NAME);
    expect(optionsSchema.parse({})).toEqual({ epsilon: 0.1 });
  });

  it('names the key path of a bad option', async () => {
    await expect(plugins({ epsilon: 1 })).rejects.toThrow(ConfigError);
    await expect(plugins({ epsilon: 1 })).rejects.toThrow(/plugins\.label-smoothing\.epsilon/);
    await expect(plugins({ epsilon: -0.1 })).rejects.toThrow(/plugins\.label-smoothing\.epsilon/);
    await expect(plugins({ smoothing: 0.1 })).rejects.toThrow(/plugins\.label-smoothing.*"smoothing"/);
  });
});

describe('label smoothing end to end (Fashion-MNIST subset)', () => {
  /** Records each epoch's mean training loss and the extremes of the targets the loss sees. */
  function probe() {
    const seen = { trainLoss: [] as number[], min: Infinity, max: -Infinity };
    const p: TricksterPlugin = {
      name: 'probe',
      apply(host) {
        host.hooks.loss.tap({ name: 'probe', stage: 100 }, (loss, { batch }) => {
          const t = batch.targets.dataSync();
          for (const v of t) {
            seen.min = Math.min(seen.min, v);
            seen.max = Math.max(seen.max, v);
          }
          return loss;
        });
        host.hooks.afterEpoch.tapPromise('probe', async ({ trainLoss }) => void seen.trainLoss.push(trainLoss!));
      },
    };
    return { p, seen };
  }

  it('the loss sees smoothed targets and the training loss stays above the plain run', async () => {
    const run = { training: { epochs: 2 }, data: { limit: 384 } };
    const plain = probe();
    const a = await trainSubset(run, { plugins: [plain.p] });
    const smooth = probe();
    const b = await trainSubset({ ...run, plugins: { [PLUGIN_NAME]: { epsilon: 0.1 } } }, { plugins: [smooth.p] });
    a.trainer.dispose();
    b.trainer.dispose();
    expect([plain.seen.min, plain.seen.max]).toEqual([0, 1]);
    expect(smooth.seen.min).toBeCloseTo(0.01, 6); // ε/K = 0.1/10
    expect(smooth.seen.max).toBeCloseTo(0.91, 6); // 1 − ε + ε/K
    // The smoothed loss can never go below the entropy of its target, −0.91·ln 0.91 − 9·0.01·ln 0.01 = 0.5003;
    // with the same seed and data otherwise, the final epoch's loss ends higher than without smoothing.
    for (const l of smooth.seen.trainLoss) expect(l).toBeGreaterThan(0.5003);
    expect(smooth.seen.trainLoss.at(-1)!).toBeGreaterThan(plain.seen.trainLoss.at(-1)!);
    expect(Number.isFinite(b.summary.testLoss)).toBe(true);
  });
});
