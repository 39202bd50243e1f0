import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { localLossAndGradients, movingStatistics, randomBatch as randomBatchOf } from '../helpers/replica-step.js';
import type { Batch } from '../../core/contexts.js';
import { packMoments, poolMoments, sumParts } from '../../core/models/batch-norm-sync.js';
import { buildModel } from '../../core/models/index.js';
import { BarrierExchange, createExchangeBuffer, ExchangeAbortedError } from '../../core/parallel/barrier-exchange.js';
import { dataParallelStep, weightLayout, type LossAndGradients } from '../../core/parallel/data-parallel-step.js';
import type { ReplicaSetup } from '../../core/parallel/protocol.js';
import { ReplicaPool } from '../../core/parallel/replica-pool.js';
import { trainableVariables } from '../../core/variables.js';

const INPUT = { height: 12, width: 12, channels: 1 };
const SETUP: ReplicaSetup = { backend: 'wasm', model: { name: 'small-cnn', width: 1, seed: 7 }, input: INPUT, numClasses: 10 };
/** small-cnn width 1: its widest batch norm has 64 channels. */
const SLOT = 1 + 2 * 64;
const syncSetup = (replicas: number): ReplicaSetup => ({ ...SETUP, syncBuffer: createExchangeBuffer(replicas, SLOT) });

const build = (width = 1) => buildModel({ ...SETUP.model, width }, INPUT, 10);
const shapes = (m: tf.LayersModel) => m.weights.map((w) => w.shape as number[]);

const randomBatch = (n: number, seed: number) => randomBatchOf(n, seed, INPUT, 0.5, 2);

interface StepValues {
  loss: number;
  grads: Record<string, Float32Array>;
  stats: Float32Array[];
}

/** Loss, gradients and moving statistics after one step of a fresh model on `batch`: on this thread alone, or over `pool`. */
async function step(batch: Batch, pool?: ReplicaPool): Promise<StepValues> {
  const model = build();
  const before = tf.memory().numTensors;
  let got: LossAndGradients;
  if (pool) {
    const layout = weightLayout(model, trainableVariables(model));
    got = await dataParallelStep(layout, batch, pool, (shard) => localLossAndGradients(model, shard));
  } else {
    got = localLossAndGradients(model, batch);
  }
  const out = {
    loss: got.loss.dataSync()[0]!,
    grads: Object.fromEntries(Object.entries(got.grads).map(([n, g]) => [n, g.dataSync().slice() as Float32Array])),
    stats: movingStatistics(model),
  };
  tf.dispose([got.loss, ...Object.values(got.grads)]);
  expect(tf.memory().numTensors, 'tensors left by the step').toBe(before);
  model.dispose();
  return out;
}

/** Largest |a − b| over the largest |b| (at least 1e-3): a relative difference of whole arrays. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  let scale = 1e-3;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return worst / scale;
}

/** Worst relative difference of loss, each gradient and each moving statistic between two steps. */
function worstDifference(a: StepValues, b: StepValues): { what: string; diff: number } {
  const parts = [
    { what: 'loss', diff: Math.abs(a.loss - b.loss) / Math.abs(b.loss) },
    ...Object.keys(b.grads).map((n) => ({ what: `gradient of ${n}`, diff: relDiff(a.grads[n]!, b.grads[n]!) })),
    ...b.stats.map((s, k) => ({ what: `moving statistic ${k}`, diff: relDiff(a.stats[k]!, s) })),
  ];
  expect(Object.keys(a.grads).sort()).toEqual(Object.keys(b.grads).sort());
  return parts.reduce((w, p) => (p.diff > w.diff ? p : w));
}

const TOLERANCE = 2e-5;

describe('SyncBN arithmetic (host side)', () => {
  it('pooled shard moments of unequal shards are the whole batch\'s mean and biased variance', () => {
    const shards = [[1, 2, 3, 4, 5], [100, 101], [-7.5, 0.25, 3, 9]];
    const parts = shards.map((s) => {
      const mean = s.reduce((a, b) => a + b, 0) / s.length;
      const variance = s.reduce((a, b) => a + (b - mean) ** 2, 0) / s.length;
      return packMoments(s.length, [mean, 2 * mean], [variance, 4 * variance]);
    });
    const all = shards.flat();
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    const variance = all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length;
    const pooled = poolMoments(parts);
    expect(pooled.count).toBe(11);
    expect(pooled.mean[0]).toBeCloseTo(mean, 12);
    expect(pooled.mean[1]).toBeCloseTo(2 * mean, 12);
    expect(pooled.variance[0]).toBeCloseTo(variance, 10);
    expect(pooled.variance[1]).toBeCloseTo(4 * variance, 10);
  });

  it('gradient sums add element-wise in rank order', () => {
    expect(Array.from(sumParts([Float64Array.of(1, 2), Float64Array.of(0.5, -4), Float64Array.of(0, 1)]))).toEqual([1.5, -1]);
  });
});

describe('BarrierExchange', () => {
  it('gathers every participant\'s vector each round, across threads, for many rounds of varying length', async () => {
    const buffer = createExchangeBuffer(3, 8);
    const rounds = 200;
    const main = new BarrierExchange(buffer, 0, 10_000);
    main.begin(3);
    const workers = [1, 2].map((rank) => new Worker(new URL('../fixtures/exchange-worker.mjs', import.meta.url), { workerData: { buffer, rank, rounds } }));
    const answers = workers.map((w) => new Promise<{ seen?: number[][][]; error?: string }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    }));
    // The workers load tsx first; the training thread waits at the barrier meanwhile, as it does for replicas.
    const mine: number[][][] = [];
    for (let round = 0; round < rounds; round++) {
      const values = Float64Array.from({ length: 1 + (round % 5) }, (_, i) => round + i / 10);
      mine.push(main.gather(values).map((v) => Array.from(v)));
    }
    const results = await Promise.all(answers);
    await Promise.all(workers.map((w) => w.terminate()));
    for (const r of results) expect(r.error).toBeUndefined();
    for (let round = 0; round < rounds; round++) {
      const want = [0, 1, 2].map((rank) => Array.from({ length: 1 + (round % 5) }, (_, i) => rank * 1000 + round + i / 10));
      expect(mine[round]).toEqual(want);
      for (const r of results) expect(r.seen![round]).toEqual(want);
    }
  }, 60_000);

  it('one participant alone passes straight through', () => {
    const solo = new BarrierExchange(createExchangeBuffer(2, 4), 0, 100);
    solo.begin(1);
    expect(solo.gather(Float64Array.of(1, 2)).map((v) => Array.from(v))).toEqual([[1, 2]]);
  });

  it('a wait for a participant that never comes ends after the timeout with REPLICA_SYNC_FAILED, and aborts the step for the others', () => {
    const buffer = createExchangeBuffer(2, 4);
    const waiting = new BarrierExchange(buffer, 0, 150);
    const other = new BarrierExchange(buffer, 1, 150);
    waiting.begin(2);
    const started = Date.now();
    let caught: unknown;
    try {
      waiting.gather(Float64Array.of(1));
    } catch (err) {
      caught = err;
    }
    const waited = Date.now() - started;
    expect(caught).toBeInstanceOf(ExchangeAbortedError);
    expect((caught as ExchangeAbortedError).code).toBe('REPLICA_SYNC_FAILED');
    expect((caught as Error).message).toMatch(/^training\.syncBatchNorm: replica 0 waited 150 ms at a batch-norm exchange where only 1 of 2 replicas arrived;/);
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(5_000);
    expect(() => other.gather(Float64Array.of(2))).toThrow(/replica 0 failed during this step, so replica 1 stopped waiting/);
    other.begin(2); // the next step starts clean
    expect(() => other.abort()).not.toThrow();
    expect(() => waiting.gather(Float64Array.of(1))).toThrow(ExchangeAbortedError);
  });

  it('refuses a vector longer than its slot and a rank outside the buffer', () => {
    const buffer = createExchangeBuffer(2, 4);
    expect(() => new BarrierExchange(buffer, 2)).toThrow(/rank 2 is outside 0\.\.1/);
    const e = new BarrierExchange(buffer, 0);
    e.begin(1);
    expect(() => e.gather(new Float64Array(5))).toThrow(/exceeds the slot of 4/);
  });
});

describe('dataParallelStep with SyncBN (training thread + wasm replica threads)', () => {
  let reference: tf.LayersModel;
  let sync2: ReplicaPool;
  let sync3: ReplicaPool;
  let plain: ReplicaPool;
  beforeAll(async () => {
    await useBackend('wasm');
    reference = build();
    [sync2, sync3, plain] = await Promise.all([
      ReplicaPool.start(1, syncSetup(2), shapes(reference)),
      ReplicaPool.start(2, syncSetup(3), shapes(reference)),
      ReplicaPool.start(1, SETUP, shapes(reference)),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([sync2, sync3, plain].map((p) => p?.close()));
    reference?.dispose();
  });

  for (const [size, replicas] of [[8, 2], [7, 2], [7, 3], [1, 2]] as const) {
    it(`batch ${size} over ${replicas} replicas: the loss, gradients and moving statistics of one replica on the whole batch`, async () => {
      const batch = randomBatch(size, 10 + size);
      const alone = await step(batch);
      const synced = await step(batch, replicas === 2 ? sync2 : sync3);
      const worst = worstDifference(synced, alone);
      expect(worst.diff, worst.what).toBeLessThanOrEqual(TOLERANCE);
      tf.dispose([batch.x, batch.targets]);
    }, 60_000);
  }

  it('negative control: without SyncBN the same step differs from one replica on the whole batch', async () => {
    const batch = randomBatch(7, 17);
    const alone = await step(batch);
    const local = await step(batch, plain);
    expect(worstDifference(local, alone).diff).toBeGreaterThan(100 * TOLERANCE);
    tf.dispose([batch.x, batch.targets]);
  }, 60_000);

  it('a replica that fails before its first exchange does not leave the training thread waiting: the replica\'s error, at once', async () => {
    const pool = await ReplicaPool.start(1, syncSetup(2), shapes(reference));
    const model = build();
    const wider = build(2); // its weights do not fit the replica's model: loading them throws there
    const batch = randomBatch(6, 3);
    const layout = weightLayout(wider, trainableVariables(wider));
    const before = tf.memory().numTensors;
    const started = Date.now();
    try {
      await expect(dataParallelStep(layout, batch, pool, (shard) => localLossAndGradients(model, shard))).rejects.toThrow(/^training replica 1 failed: /);
      expect(Date.now() - started).toBeLessThan(20_000); // the barrier's timeout is 60 s: this ended by the abort flag
      // The training thread met the abort inside tf.variableGrads; it finished the pass on its own
      // shard's statistics (a pass that throws there leaves tfjs holding the tensors it saved for the backward) and disposed it.
      expect(tf.memory().numTensors, 'tensors left by the failed step').toBe(before);
    } finally {
      tf.dispose([batch.x, batch.targets]);
      model.dispose();
      wider.dispose();
      await pool.close();
    }
  }, 60_000);

  it('a training thread that fails mid-step releases the replica waiting at the exchange, which reports REPLICA_SYNC_FAILED', async () => {
    const pool = await ReplicaPool.start(1, syncSetup(2), shapes(reference));
    const model = build();
    const layout = weightLayout(model, trainableVariables(model));
    const batch = randomBatch(6, 4);
    const before = tf.memory().numTensors;
    const started = Date.now();
    try {
      const failing = (): LossAndGradients => {
        throw new Error('loss hook failed');
      };
      await expect(dataParallelStep(layout, batch, pool, failing)).rejects.toThrow('loss hook failed');
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(tf.memory().numTensors).toBe(before);
      // The replica stopped at its first batch-norm exchange with the coded error (its failure sticks).
      const next = dataParallelStep(layout, batch, pool, (shard) => localLossAndGradients(model, shard));
      await expect(next).rejects.toThrow(/^training replica 1 failed: training\.syncBatchNorm: replica 0 failed during this step, so replica 1 stopped waiting/);
    } finally {
      tf.dispose([batch.x, batch.targets]);
      model.dispose();
      await pool.close();
    }
  }, 60_000);
});
