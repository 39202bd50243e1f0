import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { localLossAndGradients, movingStatistics, randomBatch as randomBatchOf } from '../helpers/replica-step.js';
import type { Batch } from '../../core/contexts.js';
import { buildModel } from '../../core/models/index.js';
import { dataParallelLogits, weightArrays } from '../../core/parallel/data-parallel-logits.js';
import { dataParallelStep, weightLayout } from '../../core/parallel/data-parallel-step.js';
import type { ReplicaSetup } from '../../core/parallel/protocol.js';
import { ReplicaPool } from '../../core/parallel/replica-pool.js';
import { shardOffsets, shardSizes } from '../../core/parallel/shards.js';
import { trainableVariables, weightVariables } from '../../core/variables.js';

const INPUT = { height: 12, width: 12, channels: 1 };
const SETUP: ReplicaSetup = { backend: 'wasm', model: { name: 'small-cnn', width: 1, seed: 7 }, input: INPUT, numClasses: 10 };

let pool: ReplicaPool;
const build = () => buildModel(SETUP.model, INPUT, 10);
const shapes = (m: tf.LayersModel) => m.weights.map((w) => w.shape as number[]);

let reference: tf.LayersModel;
beforeAll(async () => {
  await useBackend('wasm');
  reference = build();
  pool = await ReplicaPool.start(1, SETUP, shapes(reference));
}, 60_000);

afterAll(async () => {
  await pool?.close();
  reference?.dispose();
});

const randomBatch = (n: number, seed: number) => randomBatchOf(n, seed, INPUT);

/**
 * What data parallelism over two replicas must give, computed here shard by shard from the same
 * starting weights: each shard's loss and gradients with batch norm on the shard's own statistics,
 * weighted by shard size, and each moving statistic as the weighted mean of the shards' updates.
 */
function expected(batch: Batch, sizes: number[]) {
  const model = build();
  const start = movingStatistics(model);
  const total = sizes.reduce((a, b) => a + b, 0);
  const offsets = shardOffsets(sizes);
  const parts = sizes.map((n, i) => {
    model.nonTrainableWeights.forEach((w, k) => w.write(tf.tensor(start[k]!, w.shape as number[])));
    const shard = tf.tidy(() => ({ x: batch.x.slice(offsets[i]!, n), targets: batch.targets.slice(offsets[i]!, n) }));
    const r = localLossAndGradients(model, shard);
    const out = {
      share: n / total,
      loss: r.loss.dataSync()[0]!,
      grads: Object.fromEntries(Object.entries(r.grads).map(([name, g]) => [name, g.dataSync().slice() as Float32Array])),
      stats: movingStatistics(model),
    };
    tf.dispose([shard.x, shard.targets, r.loss, ...Object.values(r.grads)]);
    return out;
  });
  model.dispose();
  const mix = (pick: (p: (typeof parts)[number]) => Float32Array) =>
    pick(parts[0]!).map((_, k) => parts.reduce((sum, p) => sum + p.share * pick(p)[k]!, 0));
  return {
    loss: parts.reduce((sum, p) => sum + p.share * p.loss, 0),
    grads: Object.fromEntries(Object.keys(parts[0]!.grads).map((name) => [name, mix((p) => p.grads[name]!)])),
    stats: parts[0]!.stats.map((_, k) => mix((p) => p.stats[k]!)),
  };
}

function expectClose(actual: ArrayLike<number>, wanted: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(wanted.length);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < wanted.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i]! - wanted[i]!));
    scale = Math.max(scale, Math.abs(wanted[i]!));
  }
  expect(worst, what).toBeLessThanOrEqual(1e-5 * Math.max(scale, 1e-3));
}

describe('dataParallelStep (training thread + wasm replica threads)', () => {
  for (const [size, threads] of [[8, 1], [7, 1], [7, 2]] as const) {
    it(`batch ${size} over ${threads + 1} replicas: loss, gradients and moving statistics are the shard-weighted means`, async () => {
      const sizes = shardSizes(size, threads + 1);
      const replicas = threads === 1 ? pool : await ReplicaPool.start(threads, SETUP, shapes(reference));
      const batch = randomBatch(size, size);
      const want = expected(batch, sizes);
      const model = build();
      const layout = weightLayout(model, trainableVariables(model));
      const before = tf.memory().numTensors;
      const got = await dataParallelStep(layout, batch, replicas, (shard) => localLossAndGradients(model, shard));
      expect(got.loss.dataSync()[0]).toBeCloseTo(want.loss, 5);
      expect(Object.keys(got.grads).sort()).toEqual(Object.keys(want.grads).sort());
      for (const [n, g] of Object.entries(got.grads)) expectClose(g.dataSync(), want.grads[n]!, `gradient of ${n}`);
      movingStatistics(model).forEach((s, k) => expectClose(s, want.stats[k]!, `moving statistic ${model.nonTrainableWeights[k]!.name}`));
      tf.dispose([got.loss, ...Object.values(got.grads)]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([batch.x, batch.targets]);
      model.dispose();
      if (replicas !== pool) await replicas.close();
    }, 60_000);
  }

  it('a batch of one leaves the replica out', async () => {
    const batch = randomBatch(1, 3);
    const model = build();
    const alone = localLossAndGradients(model, batch);
    const aloneLoss = alone.loss.dataSync()[0]!;
    const model2 = build();
    const layout = weightLayout(model2, trainableVariables(model2));
    const got = await dataParallelStep(layout, batch, pool, (shard) => localLossAndGradients(model2, shard));
    expect(got.loss.dataSync()[0]).toBeCloseTo(aloneLoss, 6);
    tf.dispose([alone.loss, ...Object.values(alone.grads), got.loss, ...Object.values(got.grads), batch.x, batch.targets]);
    model.dispose();
    model2.dispose();
  }, 30_000);
});

describe('dataParallelLogits (training thread + one wasm replica thread)', () => {
  it('gives the logits of the whole batch in batch order; weights sent stay until others are sent', async () => {
    const a = build();
    const b = buildModel({ ...SETUP.model, seed: 8 }, INPUT, 10);
    const forwardOf = (m: tf.LayersModel) => (x: tf.Tensor4D) => m.apply(x, { training: false }) as tf.Tensor2D;
    const steps: [tf.LayersModel, Float32Array[] | null, number][] = [
      [b, await weightArrays(weightVariables(b.weights)), 7],
      [b, null, 9],
      [a, await weightArrays(weightVariables(a.weights)), 9],
      [a, null, 1],
    ];
    for (const [model, weights, size] of steps) {
      const host = randomHost(size, size);
      const before = tf.memory().numTensors;
      const got = await dataParallelLogits(host, pool, weights, forwardOf(model));
      const want = tf.tidy(() => forwardOf(model)(tf.tensor4d(host.x, [size, INPUT.height, INPUT.width, 1])));
      expect(got.shape).toEqual([size, 10]);
      expectClose(got.dataSync(), want.dataSync(), `logits of ${size} images, weights ${weights ? 'sent' : 'kept'}`);
      tf.dispose([got, want]);
      expect(tf.memory().numTensors).toBe(before);
    }
    a.dispose();
    b.dispose();
  }, 30_000);
});

/** A seeded host batch of `n` images. */
function randomHost(n: number, seed: number) {
  const x = tf.tidy(() => tf.randomNormal([n, INPUT.height, INPUT.width, 1], 0, 1, 'float32', seed));
  const values = x.dataSync() as Float32Array;
  x.dispose();
  return { x: values, labels: new Int32Array(n), size: n, height: INPUT.height, width: INPUT.width, channels: 1 };
}

describe('ReplicaPool', () => {
  it('refuses replicas whose model has other weight shapes than the training thread', async () => {
    const other = buildModel({ name: 'small-cnn', width: 2, seed: 7 }, INPUT, 10);
    await expect(ReplicaPool.start(1, SETUP, shapes(other))).rejects.toThrow(/training replica 1 built model "small-cnn" with other weight shapes/);
    other.dispose();
  }, 60_000);

  it('a replica that cannot start says why', async () => {
    const bad: ReplicaSetup = { ...SETUP, model: { name: 'no-such-net' } };
    await expect(ReplicaPool.start(1, bad, [])).rejects.toThrow(/training replica 1 failed: Unknown model "no-such-net"/);
  }, 60_000);

  it('a shard that fails in the replica rejects with the replica\'s error, and the failure sticks', async () => {
    const failing = await ReplicaPool.start(1, SETUP, shapes(reference));
    try {
      const request = {
        type: 'shard' as const,
        weights: [],
        trainable: [0],
        statistics: [],
        x: new Float32Array(12 * 12),
        xShape: [1, 12, 12, 1] as [number, number, number, number],
        targets: new Float32Array(10),
      };
      await expect(failing.compute(0, request)).rejects.toThrow(/^training replica 1 failed: /);
      await expect(failing.compute(0, { ...request, weights: [] })).rejects.toThrow(/^training replica 1 failed: /);
    } finally {
      await failing.close();
    }
  }, 60_000);
});
