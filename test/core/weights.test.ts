import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import type { HostBatch } from '../../core/data/types.js';
import { NumericError } from '../../core/errors.js';
import { trainableVariables } from '../../core/variables.js';
import {
  cloneVariables,
  cumulativeMomentum,
  disposeVariables,
  recomputeBatchNormStats,
  restoreWeights,
  swapInWeights,
} from '../../core/weights/index.js';

// The trainer's default backend; set before any tensor so nothing runs on tfjs' fallback cpu.
beforeAll(async () => {
  await useBackend('wasm');
});

const EPS = 1e-5;

/** input [4,4,2] → bn1 → 1x1 conv (3) → bn2 → global average pool → dense(2); Keras momentum 0.9. */
function tinyBnModel(): tf.LayersModel {
  const input = tf.input({ shape: [4, 4, 2] });
  let x = tf.layers.batchNormalization({ name: 'bn1', momentum: 0.9, epsilon: EPS }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ name: 'conv', filters: 3, kernelSize: 1, useBias: false }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'bn2', momentum: 0.9, epsilon: EPS }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ name: 'dense', units: 2 }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  // Non-trivial gamma/beta so the second layer's input depends on the first layer's batch normalisation.
  const bn1 = model.getLayer('bn1');
  bn1.setWeights([tf.tensor1d([1.5, 0.5]), tf.tensor1d([0.2, -0.1]), tf.tensor1d([3, 3]), tf.tensor1d([7, 7])]);
  return model;
}

function hostBatch(size: number, seed: number, shift: number): HostBatch {
  const x = tf.tidy(() => tf.randomNormal([size, 4, 4, 2], shift, 1 + shift, 'float32', seed).dataSync() as Float32Array);
  return { x, labels: new Int32Array(size), size, height: 4, width: 4, channels: 2 };
}

async function* iterate(batches: HostBatch[]): AsyncIterable<HostBatch> {
  for (const b of batches) yield b;
}

/** Direct computation: each BN's input per batch (bn1 normalising with the batch's own moments), moments, then the plain mean. */
function directStats(model: tf.LayersModel, batches: HostBatch[]) {
  const [g1, b1] = model.getLayer('bn1').getWeights();
  const conv = model.getLayer('conv');
  const sums = { m1: tf.zeros([2]), v1: tf.zeros([2]), m2: tf.zeros([3]), v2: tf.zeros([3]) };
  for (const b of batches) {
    tf.tidy(() => {
      const x = tf.tensor4d(b.x, [b.size, 4, 4, 2]);
      const s1 = tf.moments(x, [0, 1, 2]);
      const y = tf.add(tf.mul(tf.div(tf.sub(x, s1.mean), tf.sqrt(tf.add(s1.variance, EPS))), g1!), b1!);
      const s2 = tf.moments(conv.apply(y) as tf.Tensor, [0, 1, 2]);
      for (const [k, t] of [['m1', s1.mean], ['v1', s1.variance], ['m2', s2.mean], ['v2', s2.variance]] as const) {
        const next = tf.add(sums[k], t);
        tf.dispose(sums[k]);
        sums[k] = tf.keep(next);
      }
    });
  }
  const n = batches.length;
  const out = Object.fromEntries(Object.entries(sums).map(([k, t]) => [k, Array.from(tf.tidy(() => tf.div(t, n)).dataSync())]));
  tf.dispose(Object.values(sums));
  return out as Record<'m1' | 'v1' | 'm2' | 'v2', number[]>;
}

function stats(model: tf.LayersModel, layer: string): { mean: number[]; variance: number[] } {
  const w = model.getLayer(layer).getWeights();
  return { mean: Array.from(w[2]!.dataSync()), variance: Array.from(w[3]!.dataSync()) };
}

function expectClose(actual: number[], expected: number[], tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i]!))));
}

describe('cumulativeMomentum', () => {
  it('gives the new batch weight 1/(k+1): Keras momentum k/(k+1)', () => {
    // k = 0 → momentum 0 (the first batch replaces the statistic); k = 3 → 3/4, new batch weight 1/4.
    expect(cumulativeMomentum(0)).toBe(0);
    expect(cumulativeMomentum(1)).toBe(0.5);
    expect(cumulativeMomentum(3)).toBe(0.75);
  });
});

describe('recomputeBatchNormStats (update_bn)', () => {
  it('sets every BN moving mean/variance to the plain mean of the per-batch statistics', async () => {
    const model = tinyBnModel();
    // Batches with different means and spreads, so a momentum-0.9 EMA would give a visibly different answer.
    const batches = [hostBatch(5, 1, 0), hostBatch(5, 2, 2), hostBatch(5, 3, -1), hostBatch(3, 4, 0.5)];
    const direct = directStats(model, batches);
    const trainableBefore = Object.fromEntries(Object.entries(trainableVariables(model)).map(([k, v]) => [k, Array.from(v.dataSync())]));
    const tensorsBefore = tf.memory().numTensors;
    const used = await recomputeBatchNormStats(model, iterate(batches));
    expect(used).toBe(4);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expectClose(stats(model, 'bn1').mean, direct.m1);
    expectClose(stats(model, 'bn1').variance, direct.v1);
    expectClose(stats(model, 'bn2').mean, direct.m2);
    expectClose(stats(model, 'bn2').variance, direct.v2);
    // No trainable weight moved, and the layers' own momentum is back.
    for (const [k, v] of Object.entries(trainableVariables(model))) expect(Array.from(v.dataSync())).toEqual(trainableBefore[k]);
    expect((model.getLayer('bn1') as unknown as { momentum: number }).momentum).toBe(0.9);
    model.dispose();
  });

  it('stops after maxBatches and leaves the statistics alone when there is no batch', async () => {
    const model = tinyBnModel();
    const batches = [hostBatch(5, 1, 0), hostBatch(5, 2, 2), hostBatch(5, 3, -1)];
    expect(await recomputeBatchNormStats(model, iterate(batches), 2)).toBe(2);
    expectClose(stats(model, 'bn1').mean, directStats(model, batches.slice(0, 2)).m1);
    const before = stats(model, 'bn2');
    expect(await recomputeBatchNormStats(model, iterate([]))).toBe(0);
    expect(stats(model, 'bn2')).toEqual(before);
    model.dispose();
  });

  it('names the first layer with a NaN or Inf statistic (NumericError) and restores momentum', async () => {
    const model = tinyBnModel();
    const bad = hostBatch(5, 1, 0);
    (bad.x as Float32Array)[7] = Number.NaN;
    await expect(recomputeBatchNormStats(model, iterate([hostBatch(5, 2, 0), bad]))).rejects.toThrow(NumericError);
    await expect(recomputeBatchNormStats(model, iterate([bad]))).rejects.toThrow(/layer "bn1"/);
    expect((model.getLayer('bn1') as unknown as { momentum: number }).momentum).toBe(0.9);
    // A finite input but a huge conv kernel: bn1 stays finite, bn2's input overflows to Inf.
    model.getLayer('conv').setWeights([tf.fill([1, 1, 2, 3], 3e38)]);
    await expect(recomputeBatchNormStats(model, iterate([hostBatch(5, 2, 0)]))).rejects.toThrow(/layer "bn2"/);
    model.dispose();
  });
});

describe('swapInWeights / restoreWeights', () => {
  it('puts other values in, then restores the originals and frees the backup', () => {
    const target = { a: tf.variable(tf.tensor1d([1, 2])), b: tf.variable(tf.scalar(3)) };
    const source = { a: tf.tensor1d([5, 6]), b: tf.scalar(7) };
    const tensorsBefore = tf.memory().numTensors;
    const backup = swapInWeights(target, source);
    expect(Array.from(target.a.dataSync())).toEqual([5, 6]);
    expect(target.b.dataSync()[0]).toBe(7);
    restoreWeights(target, backup);
    expect(Array.from(target.a.dataSync())).toEqual([1, 2]);
    expect(target.b.dataSync()[0]).toBe(3);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const copy = cloneVariables(target);
    target.a.assign(tf.tensor1d([0, 0]));
    expect(Array.from(copy.a.dataSync())).toEqual([1, 2]);
    disposeVariables(copy);
    expect(() => swapInWeights(target, { a: source.a })).toThrow(/"b"/);
  });
});
