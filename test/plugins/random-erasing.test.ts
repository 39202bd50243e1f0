import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { resolveConfig } from '../../core/config/load.js';
import type { Batch, StepContext } from '../../core/contexts.js';
import { Rng } from '../../core/data/rng.js';
import { CheckpointError, ConfigError, PluginConflictError } from '../../core/errors.js';
import { createHooks } from '../../core/hooks.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { loadPlugins } from '../../app/plugin-loader.js';
import { disposeReplaced } from '../../core/tensor-ownership.js';
import { drawErasingBox, drawErasingBoxes, eraseImages, erasingMask, type ErasingSettings } from '../../plugins/random-erasing/erasing.js';
import { optionsSchema, PLUGIN_NAME, RandomErasingPlugin } from '../../plugins/random-erasing/index.js';
import { subsetConfig, trainSubset } from '../helpers/train-subset.js';
import { MapStateBag } from '../../core/trainer-state.js';

beforeAll(async () => {
  await useBackend('wasm');
});

const TORCHVISION: ErasingSettings = { probability: 0.5, areaRange: [0.02, 1 / 3], aspectRange: [0.3, 3.3] };
const uniform = (seed: number) => {
  const rng = new Rng(seed);
  return () => rng.next();
};
/** Replays fixed uniforms, to follow a draw by hand. */
const scripted = (values: number[]) => {
  let i = 0;
  return () => values[i++]!;
};

describe('random erasing boxes (torchvision RandomErasing.get_params)', () => {
  it('follows the draw by hand, retrying a box that does not fit', () => {
    // 100×100, all uniforms 0.5: A = 10⁴·(0.02 + 0.5·(1/3 − 0.02)) = 1766.67, r = exp(½(ln 0.3 + ln 3.3)) = √0.99 = 0.99499,
    // h = round(√(A·r)) = round(41.93) = 42, w = round(√(A/r)) = round(42.14) = 42, top = ⌊0.5·(100 − 42 + 1)⌋ = 29.
    const box = { y0: 29, y1: 71, x0: 29, x1: 71 };
    expect(drawErasingBox(100, 100, TORCHVISION, scripted([0.5, 0.5, 0.5, 0.5]))).toEqual(box);
    // First attempt with uniforms 0.999: A = 3332.6, r = 3.2925, h = round(√10972.6) = 105 ≥ 100 → retried.
    expect(drawErasingBox(100, 100, TORCHVISION, scripted([0.999, 0.999, 0.5, 0.5, 0.5, 0.5]))).toEqual(box);
    // Boxes that can never fit (area ≥ 90% at aspect 3.3 on 10×10): ten attempts, then no erasing.
    const never: ErasingSettings = { probability: 1, areaRange: [0.9, 1], aspectRange: [3.3, 3.3] };
    expect(drawErasingBox(10, 10, never, uniform(1))).toBeUndefined();
  });

  it('keeps area share and aspect within range (up to rounding the sides) and the box inside the image', () => {
    const u = uniform(4);
    for (let i = 0; i < 2000; i++) {
      const b = drawErasingBox(1000, 800, TORCHVISION, u)!;
      const h = b.y1 - b.y0;
      const w = b.x1 - b.x0;
      // Sides ≥ √(16000·0.3) ≈ 69 px, so rounding moves area and aspect by < 2%.
      expect((h * w) / 800000).toBeGreaterThanOrEqual(0.02 * 0.98);
      expect((h * w) / 800000).toBeLessThanOrEqual((1 / 3) * 1.02);
      expect(h / w).toBeGreaterThanOrEqual(0.3 * 0.98);
      expect(h / w).toBeLessThanOrEqual(3.3 * 1.02);
      expect(b.y0).toBeGreaterThanOrEqual(0);
      expect(b.x0).toBeGreaterThanOrEqual(0);
      expect(b.y1).toBeLessThanOrEqual(1000);
      expect(b.x1).toBeLessThanOrEqual(800);
    }
  });

  it('erases each image with the given probability, reproducibly under a seed', () => {
    const rate = (p: number) => drawErasingBoxes(20000, 28, 28, { ...TORCHVISION, probability: p }, uniform(8)).filter(Boolean).length / 20000;
    expect(rate(0)).toBe(0);
    expect(Math.abs(rate(0.25) - 0.25)).toBeLessThan(0.015); // binomial standard error 0.003
    expect(rate(1)).toBe(1);
    expect(drawErasingBoxes(50, 28, 28, TORCHVISION, uniform(3))).toEqual(drawErasingBoxes(50, 28, 28, TORCHVISION, uniform(3)));
  });

  it('sets exactly the box of each image, every channel, to the value', () => {
    const boxes = [{ y0: 0, y1: 1, x0: 1, x1: 3 }, undefined];
    expect(Array.from(erasingMask(boxes, 2, 3))).toEqual([0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const out = eraseImages(tf.ones([2, 2, 3, 2]) as tf.Tensor4D, boxes, 0.5).arraySync() as number[][][][];
    expect(out[0]).toEqual([
      [[1, 1], [0.5, 0.5], [0.5, 0.5]],
      [[1, 1], [1, 1], [1, 1]],
    ]);
    expect(out[1]!.flat(2).every((v) => v === 1)).toBe(true);
  });
});

/** A host with real hooks and seeded streams: just enough of the trainer for the plugin's taps. */
function fakeHost(seed = 42) {
  const streams = new Map<string, Rng>();
  const reports: Record<string, unknown> = {};
  const host = {
    hooks: createHooks(),
    random: (name: string) => streams.get(name) ?? streams.set(name, new Rng(seed)).get(name)!,
    report: (_plugin: string, key: string, value: unknown) => {
      reports[key] = value;
    },
  } as unknown as PluginHost;
  return { host, reports };
}

const ctx = { epoch: 0, step: 0, microStep: 0, batchInEpoch: 0, variables: {}, batchSize: 8 } as StepContext;
const onesBatch = (): Batch => tf.tidy(() => ({ x: tf.ones([8, 6, 6, 1]) as tf.Tensor4D, targets: tf.oneHot(tf.range(0, 8, 1, 'int32'), 8).toFloat() as tf.Tensor2D }));

function runBatch(host: PluginHost, batch: Batch): Batch {
  const out = host.hooks.batch.call(batch, ctx);
  disposeReplaced(batch, out);
  return out;
}

function plugin(options: Record<string, unknown> = {}): RandomErasingPlugin {
  return new RandomErasingPlugin(optionsSchema.parse(options));
}


describe('random erasing taps', () => {
  it('erases boxes of the images with the value, keeps the targets, repeats under a seed and counts', async () => {
    const run = () => {
      const { host, reports } = fakeHost();
      plugin({ probability: 0.5, value: -2 }).apply(host);
      const batch = onesBatch();
      const out = runBatch(host, batch);
      expect(out.targets).toBe(batch.targets);
      const x = Array.from(out.x.dataSync());
      tf.dispose([out.x, out.targets]);
      return { x, host, reports };
    };
    const a = run();
    expect(a.x).toEqual(run().x);
    expect(a.x.every((v) => v === 1 || v === -2)).toBe(true);
    const erased = [...Array(8).keys()].filter((n) => a.x.slice(n * 36, n * 36 + 36).includes(-2)).length;
    expect(erased).toBeGreaterThan(0);
    await a.host.hooks.afterTrain.promise({ epochs: 1, stepsPerEpoch: 1 });
    expect(a.reports).toEqual({ images: 8, erasedImages: erased });
  });

  it('saves its counts and takes them back; refuses a malformed state', async () => {
    const a = fakeHost();
    plugin({ probability: 1 }).apply(a.host);
    tf.dispose(Object.values(runBatch(a.host, onesBatch())));
    const bag = new MapStateBag();
    a.host.hooks.saveState.call(bag);
    expect(bag.get(PLUGIN_NAME)).toEqual({ json: { images: 8, erased: 8 } });
    const b = fakeHost();
    plugin().apply(b.host);
    b.host.hooks.loadState.call(bag);
    await b.host.hooks.afterTrain.promise({ epochs: 1, stepsPerEpoch: 1 });
    expect(b.reports).toEqual({ images: 8, erasedImages: 8 });
    bag.set(PLUGIN_NAME, { json: 'eight' });
    expect(() => b.host.hooks.loadState.call(bag)).toThrow(CheckpointError);
  });

  it('leaks no tensor once the kernel disposes the replaced batch', () => {
    const { host } = fakeHost();
    plugin({ probability: 0.5 }).apply(host);
    const once = () => tf.dispose(Object.values(runBatch(host, onesBatch())));
    once();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) once();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses cutout alongside, naming both', () => {
    const { host } = fakeHost();
    plugin().apply(host);
    const validate = (names: string[]) => host.hooks.validate.call({ plugins: names, has: (n) => names.includes(n), warn: () => {} });
    expect(() => validate([PLUGIN_NAME, 'mixup-cutmix'])).not.toThrow();
    expect(() => validate([PLUGIN_NAME, 'cutout'])).toThrow(PluginConflictError);
    expect(() => validate([PLUGIN_NAME, 'cutout'])).toThrow(/"random-erasing" and "cutout"/);
  });
});

describe('random erasing config', () => {
  async function plugins(entry: unknown): Promise<TricksterPlugin[]> {
    const { config, baseDir } = await resolveConfig({ inline: subsetConfig({ plugins: { [PLUGIN_NAME]: entry } }) });
    return loadPlugins(config, baseDir);
  }

  it('is switched off by false, on with defaults by {}', async () => {
    expect((await plugins(false)).map((p) => p.name)).not.toContain(PLUGIN_NAME);
    expect((await plugins({})).map((p) => p.name)).toContain(PLUGIN_NAME);
    expect(optionsSchema.parse({})).toEqual({ probability: 0.25, areaRange: [0.02, 1 / 3], aspectRange: [0.3, 3.3], value: 0 });
  });

  it('names the key path of a bad option', async () => {
    await expect(plugins({ probability: 2 })).rejects.toThrow(ConfigError);
    await expect(plugins({ probability: 2 })).rejects.toThrow(/plugins\.random-erasing\.probability/);
    await expect(plugins({ areaRange: [0.5, 0.1] })).rejects.toThrow(/plugins\.random-erasing\.areaRange: expected \[min, max\]/);
    await expect(plugins({ aspectRange: [0, 1] })).rejects.toThrow(/plugins\.random-erasing\.aspectRange\.0/);
    await expect(plugins({ scale: [0.1, 0.2] })).rejects.toThrow(/plugins\.random-erasing.*"scale"/);
  });
});

describe('random erasing end to end (Fashion-MNIST subset)', () => {
  it('about a quarter of the training images reach the loss with one box set to 0', async () => {
    const stats = { images: 0, erased: 0, rectangles: 0 };
    let before: Float32Array = new Float32Array();
    const probe: TricksterPlugin = {
      name: 'probe',
      apply(host) {
        host.hooks.batch.tap({ name: 'probe-before', stage: -100 }, (b) => {
          before = Float32Array.from(b.x.dataSync());
          return b;
        });
        host.hooks.batch.tap({ name: 'probe-after', stage: 100 }, (b) => {
          const [n, h, w] = b.x.shape;
          const after = b.x.dataSync();
          for (let i = 0; i < n; i++) {
            const changed: number[] = [];
            for (let p = 0; p < h * w; p++) if (after[i * h * w + p] !== before[i * h * w + p]) changed.push(p);
            stats.images += 1;
            if (changed.length === 0) continue;
            stats.erased += 1;
            // Changed pixels fill one rectangle and are all set to the value 0.
            const ys = changed.map((p) => Math.floor(p / w));
            const xs = changed.map((p) => p % w);
            const inBox = (Math.max(...ys) - Math.min(...ys) + 1) * (Math.max(...xs) - Math.min(...xs) + 1);
            if (changed.every((p) => after[i * h * w + p] === 0) && changed.length === inBox) stats.rectangles += 1;
          }
          return b;
        });
      },
    };
    const { summary, trainer } = await trainSubset({ data: { limit: 512 }, plugins: { [PLUGIN_NAME]: {} } }, { plugins: [probe] });
    trainer.dispose();
    expect(stats.images).toBe(512);
    expect(Math.abs(stats.erased / 512 - 0.25)).toBeLessThan(0.08); // binomial standard error 0.019
    expect(stats.rectangles).toBe(stats.erased);
    expect(summary.plugins[PLUGIN_NAME]).toEqual({ images: 512, erasedImages: stats.erased });
  });
});
