import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { resolveConfig } from '../../core/config/load.js';
import type { TricksterConfig } from '../../core/config/schema.js';
import type { Batch, StepContext } from '../../core/contexts.js';
import { Rng } from '../../core/data/rng.js';
import { CheckpointError, ConfigError, PluginConflictError } from '../../core/errors.js';
import { createHooks } from '../../core/hooks.js';
import { HyperParams } from '../../core/hyper-params.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { loadPlugins } from '../../app/plugin-loader.js';
import { disposeReplaced } from '../../core/tensor-ownership.js';
import { allVariables } from '../../core/variables.js';
import { betaSample, logGammaSample } from '../../plugins/mixup-cutmix/beta.js';
import { MixupCutmixPlugin, optionsSchema, PLUGIN_NAME } from '../../plugins/mixup-cutmix/index.js';
import { boxArea, boxMask, cutmixBox, drawMixPlan, mixBatch, type MixPlan } from '../../plugins/mixup-cutmix/mix.js';
import { subsetConfig, tempRunDir, trainSubset } from '../helpers/train-subset.js';
import { MapStateBag } from '../../core/trainer-state.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const DEFAULTS = { mixupAlpha: 0.2, cutmixAlpha: 1, switchProb: 0.5, prob: 1 };
const uniform = (seed: number) => {
  const rng = new Rng(seed);
  return () => rng.next();
};
const moments = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, variance: xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length };
};
const draws = (n: number, f: () => number) => Array.from({ length: n }, f);
const rows = (t: tf.Tensor) => t.arraySync() as number[][];

describe('beta sampler (Marsaglia–Tsang gammas)', () => {
  it('Gamma(α) has mean α and variance α, for α below and above 1', () => {
    for (const alpha of [0.2, 0.5, 1, 3]) {
      const u = uniform(7);
      const { mean, variance } = moments(draws(20000, () => Math.exp(logGammaSample(alpha, u))));
      // Standard errors at 20k draws: mean √(α/n) ≤ 0.013, so 5% relative is > 4 standard errors.
      expect(mean).toBeCloseTo(alpha, 1);
      expect(Math.abs(mean - alpha) / alpha).toBeLessThan(0.05);
      expect(Math.abs(variance - alpha) / alpha).toBeLessThan(0.1);
    }
  });

  it('Beta(α, α) has mean α/(2α) = 1/2 and variance 1/(4(2α+1)); Beta(2, 5) mean 2/7, variance 10/392', () => {
    for (const alpha of [0.2, 1]) {
      const u = uniform(11);
      const { mean, variance } = moments(draws(20000, () => betaSample(alpha, alpha, u)));
      expect(Math.abs(mean - 0.5)).toBeLessThan(0.015); // sd ≤ 0.42 → standard error ≤ 0.003
      expect(variance).toBeCloseTo(1 / (4 * (2 * alpha + 1)), 2); // α = 0.2: 0.1786; α = 1 (uniform): 1/12
    }
    const u = uniform(3);
    const { mean, variance } = moments(draws(20000, () => betaSample(2, 5, u)));
    expect(mean).toBeCloseTo(2 / 7, 2);
    // ab/((a+b)²(a+b+1)) = 10/(49·8); the sample variance's standard error is about 1% of it.
    expect(Math.abs(variance - 10 / 392) / (10 / 392)).toBeLessThan(0.05);
  });

  it('stays in [0, 1] and finite even for tiny α, and repeats under a seed', () => {
    const u = uniform(5);
    for (const x of draws(2000, () => betaSample(0.01, 0.01, u))) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
    }
    expect(draws(10, (() => { const v = uniform(9); return () => betaSample(0.2, 0.2, v); })())).toEqual(
      draws(10, (() => { const v = uniform(9); return () => betaSample(0.2, 0.2, v); })()),
    );
  });
});

describe('cutmix box and batch plans', () => {
  it('box of area (1 − λ)·H·W around the centre, clipped to the image (hand computed)', () => {
    // λ = 0.75 on 28×28: sides 28·√0.25 = 14; centre (14, 14) → rows/cols 7..21, area 196 = 0.25·784.
    expect(cutmixBox(0.75, 28, 28, 0.5, 0.5)).toEqual({ y0: 7, y1: 21, x0: 7, x1: 21 });
    // Centre (0, 0): the box −7..7 is clipped to 0..7, area 49, so λ becomes 1 − 49/784 = 0.9375.
    const corner = cutmixBox(0.75, 28, 28, 0, 0);
    expect(corner).toEqual({ y0: 0, y1: 7, x0: 0, x1: 7 });
    expect(boxArea(corner)).toBe(49);
  });

  it('a drawn cutmix plan has λ = 1 − clipped area / (H·W) and its box inside the image', () => {
    const u = uniform(1);
    for (let i = 0; i < 500; i++) {
      const plan = drawMixPlan({ ...DEFAULTS, switchProb: 1 }, 28, 20, u);
      if (plan.kind !== 'cutmix') throw new Error(`expected cutmix, got ${plan.kind}`);
      const { box, lambda } = plan;
      expect(lambda).toBeCloseTo(1 - boxArea(box) / (28 * 20), 12);
      expect(box.y0).toBeGreaterThanOrEqual(0);
      expect(box.x0).toBeGreaterThanOrEqual(0);
      expect(box.y1).toBeLessThanOrEqual(28);
      expect(box.x1).toBeLessThanOrEqual(20);
      expect(box.y1).toBeGreaterThanOrEqual(box.y0);
      expect(box.x1).toBeGreaterThanOrEqual(box.x0);
    }
  });

  it('unclipped, the box area matches (1 − λ)·H·W up to rounding the sides', () => {
    for (const lambda of [0.1, 0.37, 0.5, 0.9]) {
      const box = cutmixBox(lambda, 200, 200, 0.5, 0.5);
      const side = 200 * Math.sqrt(1 - lambda);
      expect(Math.abs(boxArea(box) - (1 - lambda) * 200 * 200)).toBeLessThanOrEqual(side + 0.25); // |(s±½)² − s²| ≤ s + ¼
    }
  });

  it('chooses as timm does: prob of mixing, switchProb of cutmix, or the one alpha that is > 0', () => {
    const kinds = (s: typeof DEFAULTS, n = 4000) => {
      const u = uniform(2);
      const count: Record<MixPlan['kind'], number> = { none: 0, mixup: 0, cutmix: 0 };
      for (let i = 0; i < n; i++) count[drawMixPlan(s, 8, 8, u).kind] += 1;
      return count;
    };
    expect(kinds({ ...DEFAULTS, prob: 0 })).toEqual({ none: 4000, mixup: 0, cutmix: 0 });
    expect(kinds({ ...DEFAULTS, mixupAlpha: 0 }).cutmix).toBe(4000);
    expect(kinds({ ...DEFAULTS, cutmixAlpha: 0 }).mixup).toBe(4000);
    const c = kinds({ ...DEFAULTS, prob: 0.5, switchProb: 0.25 });
    // Expected 2000 none, 500 cutmix, 1500 mixup; binomial standard deviations ≤ 32.
    expect(Math.abs(c.none - 2000)).toBeLessThan(130);
    expect(Math.abs(c.cutmix - 500)).toBeLessThan(100);
  });

  it('box mask is 1 exactly inside the box', () => {
    expect(Array.from(boxMask({ y0: 1, y1: 3, x0: 0, x1: 2 }, 3, 3))).toEqual([0, 0, 0, 1, 1, 0, 1, 1, 0]);
  });
});

/** Images filled with the given values, N×4×4×1, and one-hot targets of classes 0..N−1 over K = 3. */
function constantBatch(values: number[]): Batch {
  return tf.tidy(() => ({
    x: tf.concat(values.map((v) => tf.fill([1, 4, 4, 1], v))) as tf.Tensor4D,
    targets: tf.oneHot(values.map((_, i) => i), 3).toFloat() as tf.Tensor2D,
  }));
}

describe('mixing a batch on the device', () => {
  it('mixup: x ← λx + (1−λ)x_rev and t ← λt + (1−λ)t_rev (hand computed)', () => {
    // Images of 1 and 3, λ = 0.7: 0.7·1 + 0.3·3 = 1.6 and 0.7·3 + 0.3·1 = 2.4.
    const out = mixBatch(constantBatch([1, 3]), { kind: 'mixup', lambda: 0.7 });
    const x = out.x.dataSync();
    for (let i = 0; i < 16; i++) {
      expect(x[i]).toBeCloseTo(1.6, 6);
      expect(x[16 + i]).toBeCloseTo(2.4, 6);
    }
    rows(out.targets).forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo([[0.7, 0.3, 0], [0.3, 0.7, 0]][i]![j]!, 6)));
  });

  it('cutmix: pixels inside the box come from the paired image, outside from the own one; targets sum to 1', () => {
    const box = { y0: 1, y1: 3, x0: 0, x1: 2 }; // 4 of 16 pixels → λ = 0.75
    const out = mixBatch(constantBatch([1, 2, 3]), { kind: 'cutmix', lambda: 0.75, box });
    const x = out.x.arraySync() as number[][][][];
    for (let y = 0; y < 4; y++) {
      for (let c = 0; c < 4; c++) {
        const inside = y >= 1 && y < 3 && c < 2;
        expect(x[0]![y]![c]![0]).toBe(inside ? 3 : 1); // image 0 pairs with image 2
        expect(x[2]![y]![c]![0]).toBe(inside ? 1 : 3);
        expect(x[1]![y]![c]![0]).toBe(2); // the middle image of an odd batch pairs with itself
      }
    }
    const t = rows(out.targets);
    expect(t[0]![0]).toBeCloseTo(0.75, 6);
    expect(t[0]![2]).toBeCloseTo(0.25, 6);
    expect(t[1]![1]).toBeCloseTo(1, 6);
    for (const r of t) expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it("'none' returns the batch itself", () => {
    const batch = constantBatch([1, 2]);
    expect(mixBatch(batch, { kind: 'none' })).toBe(batch);
  });
});

/** A host with real hooks and seeded streams: just enough of the trainer for the plugin's taps. */
function fakeHost(seed = 42, batchSize = 64) {
  const streams = new Map<string, Rng>();
  const reports: Record<string, unknown> = {};
  const host = {
    hooks: createHooks(),
    hyper: new HyperParams(0.1, 0),
    config: { training: { batchSize } } as TricksterConfig,
    logger: { info: () => {}, warn: () => {} },
    random: (name: string) => streams.get(name) ?? streams.set(name, new Rng(seed + name.length)).get(name)!,
    report: (_plugin: string, key: string, value: unknown) => {
      reports[key] = value;
    },
  } as unknown as PluginHost;
  return { host, reports };
}

const ctx = { epoch: 0, step: 0, microStep: 0, batchInEpoch: 0, variables: {}, batchSize: 3 } as StepContext;

function runBatch(host: PluginHost, batch: Batch): Batch {
  const out = host.hooks.batch.call(batch, ctx);
  disposeReplaced(batch, out);
  return out;
}

function plugin(options: Record<string, unknown> = {}): MixupCutmixPlugin {
  return new MixupCutmixPlugin(optionsSchema.parse(options));
}


describe('mixup-cutmix taps', () => {
  it('mixes every batch, reproducibly under a seed, and reports the counts after training', async () => {
    const outputs = [1, 2].map(() => {
      const { host, reports } = fakeHost();
      plugin().apply(host);
      const values = [];
      for (let i = 0; i < 6; i++) {
        const out = runBatch(host, constantBatch([1, 2, 3]));
        values.push(Array.from(out.x.dataSync()), rows(out.targets));
        tf.dispose([out.x, out.targets]);
      }
      return { values, host, reports };
    });
    expect(outputs[0]!.values).toEqual(outputs[1]!.values);
    const { host, reports } = outputs[0]!;
    await host.hooks.afterTrain.promise({ epochs: 1, stepsPerEpoch: 6 });
    expect((reports.mixupBatches as number) + (reports.cutmixBatches as number)).toBe(6);
  });

  it('saves its counts and takes them back; refuses a malformed state', async () => {
    const a = fakeHost();
    plugin({ prob: 1, switchProb: 1 }).apply(a.host);
    for (let i = 0; i < 3; i++) tf.dispose(Object.values(runBatch(a.host, constantBatch([1, 2]))));
    const bag = new MapStateBag();
    a.host.hooks.saveState.call(bag);
    expect(bag.get(PLUGIN_NAME)).toEqual({ json: { mixup: 0, cutmix: 3 } });
    const b = fakeHost();
    plugin().apply(b.host);
    b.host.hooks.loadState.call(bag);
    await b.host.hooks.afterTrain.promise({ epochs: 1, stepsPerEpoch: 3 });
    expect(b.reports).toEqual({ mixupBatches: 0, cutmixBatches: 3 });
    bag.set(PLUGIN_NAME, { json: { mixup: -1 } });
    expect(() => b.host.hooks.loadState.call(bag)).toThrow(CheckpointError);
  });

  it('leaks no tensor once the kernel disposes the replaced batch', () => {
    const { host } = fakeHost();
    plugin().apply(host);
    const once = () => tf.dispose(Object.values(runBatch(host, constantBatch([1, 2, 3]))));
    once();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) once();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses another batch-mixing plugin naming both, warns at batch size 1', () => {
    const validate = (host: PluginHost, names: string[], warn: (m: string) => void = () => {}) =>
      host.hooks.validate.call({ plugins: names, has: (n) => names.includes(n), warn });
    const { host } = fakeHost();
    plugin().apply(host);
    expect(() => validate(host, [PLUGIN_NAME, 'cutmix'])).toThrow(PluginConflictError);
    expect(() => validate(host, [PLUGIN_NAME, 'mixup'])).toThrow(/"mixup-cutmix" and "mixup"/);
    const warnings: string[] = [];
    validate(host, [PLUGIN_NAME, 'label-smoothing'], (m) => warnings.push(m));
    expect(warnings).toEqual([]);
    const single = fakeHost(42, 1).host;
    plugin().apply(single);
    validate(single, [PLUGIN_NAME], (m) => warnings.push(m));
    expect(warnings.join()).toMatch(/batch size 1/);
  });
});

describe('mixup-cutmix config', () => {
  async function plugins(entry: unknown): Promise<TricksterPlugin[]> {
    const { config, baseDir } = await resolveConfig({ inline: subsetConfig({ plugins: { [PLUGIN_NAME]: entry } }) });
    return loadPlugins(config, baseDir);
  }

  it('is switched off by false, on with defaults by {}', async () => {
    expect((await plugins(false)).map((p) => p.name)).not.toContain(PLUGIN_NAME);
    expect((await plugins({})).map((p) => p.name)).toContain(PLUGIN_NAME);
    expect(optionsSchema.parse({})).toEqual(DEFAULTS);
  });

  it('names the key path of a bad option', async () => {
    await expect(plugins({ switchProb: 2 })).rejects.toThrow(ConfigError);
    await expect(plugins({ switchProb: 2 })).rejects.toThrow(/plugins\.mixup-cutmix\.switchProb/);
    await expect(plugins({ mixupAlpha: -1 })).rejects.toThrow(/plugins\.mixup-cutmix\.mixupAlpha/);
    await expect(plugins({ mixupAlpha: 0, cutmixAlpha: 0 })).rejects.toThrow(/plugins\.mixup-cutmix\.mixupAlpha: mixupAlpha or cutmixAlpha must be > 0/);
    await expect(plugins({ alpha: 1 })).rejects.toThrow(/plugins\.mixup-cutmix.*"alpha"/);
  });
});

describe('mixup-cutmix end to end (Fashion-MNIST subset)', () => {
  /** A batch tap after every trick (stage 100) recording the largest target of each example. */
  function probe() {
    const maxima: number[] = [];
    const p: TricksterPlugin = {
      name: 'probe',
      apply(host) {
        host.hooks.batch.tap({ name: 'probe', stage: 100 }, (b) => {
          maxima.push(...Array.from(tf.tidy(() => b.targets.max(1)).dataSync()));
          return b;
        });
      },
    };
    return { p, maxima };
  }

  it('later taps see mixed soft targets; the summary counts the mixed batches', async () => {
    const plain = probe();
    const a = await trainSubset({ data: { limit: 256 } }, { plugins: [plain.p] });
    const mixed = probe();
    const b = await trainSubset({ data: { limit: 256 }, plugins: { [PLUGIN_NAME]: {} } }, { plugins: [mixed.p] });
    a.trainer.dispose();
    b.trainer.dispose();
    expect(plain.maxima.every((m) => m === 1)).toBe(true);
    expect(mixed.maxima).toHaveLength(256);
    // λ ~ Beta(0.2, 0.2) or Beta(1, 1) is almost never exactly 1: most examples carry two classes.
    expect(mixed.maxima.filter((m) => m < 1).length).toBeGreaterThan(200);
    expect(mixed.maxima.every((m) => m >= 0.5 - 1e-6)).toBe(true); // max(λ, 1−λ) (or 1 for a shared class)
    const r = b.summary.plugins[PLUGIN_NAME] as { mixupBatches: number; cutmixBatches: number };
    expect(r.mixupBatches + r.cutmixBatches).toBe(b.summary.steps);
    expect(Number.isFinite(b.summary.testLoss)).toBe(true);
  });

  it('a run resumed after epoch 1 ends with the same weights and counts as an uninterrupted one', async () => {
    const weights = (m: tf.LayersModel) => Object.values(allVariables(m)).flatMap((v) => Array.from(v.dataSync()));
    const mix = { plugins: { [PLUGIN_NAME]: {} }, data: { limit: 256 } };
    const whole = await trainSubset({ ...mix, training: { epochs: 2 } });
    const dir = tempRunDir();
    (await trainSubset({ ...mix, training: { epochs: 1 } }, { outDir: dir })).trainer.dispose();
    const resumed = await trainSubset({ ...mix, training: { epochs: 2 } }, { outDir: dir, resume: true });
    expect(resumed.summary.plugins[PLUGIN_NAME]).toEqual(whole.summary.plugins[PLUGIN_NAME]);
    expect(weights(resumed.trainer.model)).toEqual(weights(whole.trainer.model));
    whole.trainer.dispose();
    resumed.trainer.dispose();
  });
});
