import * as tf from '@tensorflow/tfjs';
import type { HostBatch } from '../data/types.js';
import type { ReplicaPool } from './replica-pool.js';
import { shardOffsets, shardSizes } from './shards.js';

/** The values of `variables` as host arrays, in order (what replicas load: every weight, in `model.weights` order). */
export async function weightArrays(variables: readonly tf.Variable[]): Promise<Float32Array[]> {
  return (await Promise.all(variables.map((v) => v.data()))) as Float32Array[];
}

/**
 * Logits of an evaluation batch in inference mode, split over the training thread (`local`, on the
 * first shard) and the pool's replica threads (the others), concatenated in batch order. Send
 * `weights` with the first batch of an evaluation; null reuses the ones the replicas hold. The
 * caller disposes the result.
 */
export async function dataParallelLogits(
  host: HostBatch,
  pool: ReplicaPool,
  weights: Float32Array[] | null,
  local: (x: tf.Tensor4D) => tf.Tensor2D,
): Promise<tf.Tensor2D> {
  const sizes = shardSizes(host.size, pool.size + 1);
  const offsets = shardOffsets(sizes);
  const perImage = host.height * host.width * host.channels;
  const remote = sizes.slice(1).map((n, i) => {
    if (n === 0) return Promise.resolve(null);
    const at = offsets[i + 1]!;
    return pool.forward(i, {
      type: 'forward',
      weights: weights && weights.map((a) => a.slice()),
      x: host.x.slice(at * perImage, (at + n) * perImage),
      xShape: [n, host.height, host.width, host.channels],
    });
  });
  let own: tf.Tensor2D;
  try {
    own = tf.tidy(() => local(tf.tensor4d(host.x.subarray(0, sizes[0]! * perImage), [sizes[0]!, host.height, host.width, host.channels])));
  } catch (err) {
    await Promise.allSettled(remote);
    throw err;
  }
  let results;
  try {
    results = await Promise.all(remote);
  } catch (err) {
    own.dispose();
    throw err;
  }
  return tf.tidy(() => {
    const parts = results.flatMap((r) => (r ? [tf.tensor2d(r.logits, [r.logits.length / r.classes, r.classes])] : []));
    const all = parts.length === 0 ? own.clone() : (tf.concat([own, ...parts], 0) as tf.Tensor2D);
    own.dispose();
    return all;
  });
}
