import * as tf from '@tensorflow/tfjs';
import type { Batch, GradientMap } from '../contexts.js';
import { withBatchNormSync } from '../models/batch-norm-sync.js';
import { weightVariables } from '../variables.js';
import { ExchangeAbortedError } from './barrier-exchange.js';
import { weightArrays } from './data-parallel-logits.js';
import type { ReplicaPool, ShardResult } from './replica-pool.js';
import { shardOffsets, shardSizes } from './shards.js';

/** Loss and gradients of a batch (or shard), gradients keyed by stable variable name. */
export interface LossAndGradients {
  readonly loss: tf.Scalar;
  readonly grads: GradientMap;
}

/** Where the trainable variables and the moving statistics sit among `model.weights`; build it once, use it every step. */
export interface WeightLayout {
  /** Every model weight, in `model.weights` order (what the replicas are sent). */
  readonly weights: tf.Variable[];
  /** Stable names of the trainable variables, in the order their gradients travel. */
  readonly names: string[];
  /** Index in `weights` of each trainable variable (same order as `names`). */
  readonly trainable: number[];
  /** Index in `weights` of each non-trainable weight (batch-norm moving statistics). */
  readonly statistics: number[];
}

/** The layout of `model` for the trainable `variables` (by stable name). */
export function weightLayout(model: tf.LayersModel, variables: Readonly<Record<string, tf.Variable>>): WeightLayout {
  const weights = weightVariables(model.weights);
  const indexOf = new Map(weights.map((w, i) => [w, i]));
  const names = Object.keys(variables);
  return {
    weights,
    names,
    trainable: names.map((n) => indexOf.get(variables[n]!)!),
    statistics: weightVariables(model.nonTrainableWeights).map((w) => indexOf.get(w)!),
  };
}

/**
 * One data-parallel forward/backward: splits `batch` over the training thread and the pool's
 * replica threads, sends each replica the current weights and its shard, computes shard 0 here
 * with `local` meanwhile, and combines: loss and gradients are the shard-size-weighted means (the
 * full batch's mean loss and its gradient, except that batch norm normalises each shard with its own
 * statistics, as PyTorch DDP without SyncBatchNorm does), and every batch-norm moving statistic
 * becomes the weighted mean of the replicas' updated ones. With a pool started for SyncBN
 * (`pool.exchange`), batch norm uses the whole batch's statistics instead, exchanged mid-pass, and
 * the result is the full batch's loss and gradient. The caller owns (disposes) the returned tensors.
 * A failed shard aborts the exchange (no replica is left waiting); the error thrown is the failed
 * replica's own, not the other replicas' REPLICA_SYNC_FAILED.
 */
export async function dataParallelStep(
  layout: WeightLayout,
  batch: Batch,
  pool: ReplicaPool,
  local: (shard: Batch) => LossAndGradients,
): Promise<LossAndGradients> {
  // A failed replica would never reach the exchange (and fails every request): refuse the step before it starts.
  if (pool.failure) throw pool.failure;
  const size = batch.x.shape[0];
  const sizes = shardSizes(size, pool.size + 1);
  const offsets = shardOffsets(sizes);
  const { trainable, statistics } = layout;
  const [x, targets, weightData] = await Promise.all([batch.x.data(), batch.targets.data(), weightArrays(layout.weights)]);
  const perImage = x.length / size;
  const numClasses = targets.length / size;
  const [, h, w, c] = batch.x.shape;
  const parties = sizes.filter((n) => n > 0).length;
  const exchange = pool.exchange && parties > 1 ? pool.exchange : null;
  exchange?.begin(parties);
  const remote: Promise<ShardResult | null>[] = sizes.slice(1).map((n, i) => {
    if (n === 0) return Promise.resolve(null);
    const at = offsets[i + 1]!;
    return pool.compute(i, {
      type: 'shard',
      weights: weightData.map((a) => a.slice()),
      trainable,
      statistics,
      x: (x as Float32Array).slice(at * perImage, (at + n) * perImage),
      xShape: [n, h, w, c],
      targets: (targets as Float32Array).slice(at * numClasses, (at + n) * numClasses),
      ...(exchange ? { syncRank: i + 1 } : {}),
    });
  });
  const mine = tf.tidy(() => ({ x: batch.x.slice(0, sizes[0]), targets: batch.targets.slice(0, sizes[0]) }));
  let own: LossAndGradients;
  try {
    own = exchange ? withBatchNormSync((v) => exchange.gather(v), () => local(mine), disposeLossAndGradients) : local(mine);
  } catch (err) {
    exchange?.abort();
    // The replicas' answers (or failures) are consumed, not left unhandled, and none is still running.
    const settled = await Promise.allSettled(remote);
    throw rootCause(err, settled);
  } finally {
    tf.dispose([mine.x, mine.targets]);
  }
  let results: (ShardResult | null)[];
  try {
    results = await Promise.all(remote);
  } catch (err) {
    exchange?.abort();
    await Promise.allSettled(remote);
    disposeLossAndGradients(own);
    throw err;
  }
  return combine(layout, own, results, sizes);
}

function disposeLossAndGradients(r: LossAndGradients): void {
  tf.dispose([r.loss, ...Object.values(r.grads)]);
}

/** The error to report: a replica's own failure rather than this thread's having stopped waiting for it. */
function rootCause(err: unknown, settled: PromiseSettledResult<unknown>[]): unknown {
  if (!(err instanceof ExchangeAbortedError)) return err;
  const culprit = settled[err.culprit - 1]; // replica thread i answers shard i + 1
  const failed = culprit?.status === 'rejected' ? culprit : settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  return failed ? failed.reason : err;
}

function combine(layout: WeightLayout, own: LossAndGradients, results: (ShardResult | null)[], sizes: number[]): LossAndGradients {
  const total = sizes.reduce((a, b) => a + b, 0);
  const share = sizes.map((n) => n / total);
  const parts = results.flatMap((r, i) => (r ? [{ r, share: share[i + 1]! }] : []));
  return tf.tidy(() => {
    const grads: GradientMap = {};
    layout.names.forEach((name, k) => {
      const shape = layout.weights[layout.trainable[k]!]!.shape;
      let sum = tf.mul(own.grads[name]!, share[0]!);
      for (const p of parts) sum = tf.add(sum, tf.mul(tf.tensor(p.r.grads[k]!, shape), p.share));
      grads[name] = sum;
    });
    layout.statistics.forEach((index, k) => {
      const v = layout.weights[index]!;
      let sum = tf.mul(v, share[0]!);
      for (const p of parts) sum = tf.add(sum, tf.mul(tf.tensor(p.r.statistics[k]!, v.shape), p.share));
      v.assign(sum);
    });
    let loss = tf.mul(own.loss, share[0]!);
    for (const p of parts) loss = tf.add(loss, p.r.loss * p.share);
    tf.dispose([own.loss, ...Object.values(own.grads)]);
    return { loss: loss as tf.Scalar, grads };
  });
}
