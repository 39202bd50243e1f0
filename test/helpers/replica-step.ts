import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../../core/contexts.js';
import { softCrossEntropy } from '../../core/losses.js';
import type { LossAndGradients } from '../../core/parallel/data-parallel-step.js';
import { trainableVariables } from '../../core/variables.js';

/** A seeded batch of `n` gray images of `input`'s size (normal, `mean`/`std`) with one-hot targets over 10 classes. */
export function randomBatch(n: number, seed: number, input: { height: number; width: number }, mean = 0, std = 1): Batch {
  return tf.tidy(() => ({
    x: tf.randomNormal([n, input.height, input.width, 1], mean, std, 'float32', seed) as tf.Tensor4D,
    targets: tf.oneHot(tf.randomUniformInt([n], 0, 10, seed + 1), 10).toFloat() as tf.Tensor2D,
  }));
}

/** Loss and gradients of `batch` on `model` in this thread (plain cross-entropy), keyed by stable name. */
export function localLossAndGradients(model: tf.LayersModel, batch: Batch): LossAndGradients {
  const variables = trainableVariables(model);
  const byTfName = new Map(Object.entries(variables).map(([stable, v]) => [v.name, stable]));
  const { value, grads } = tf.variableGrads(
    () => softCrossEntropy(batch.targets, model.apply(batch.x, { training: true }) as tf.Tensor2D),
    Object.values(variables),
  );
  return { loss: value, grads: Object.fromEntries(Object.entries(grads).map(([n, g]) => [byTfName.get(n)!, g])) };
}

/** Copies of the model's non-trainable weights (the batch-norm moving statistics). */
export const movingStatistics = (m: tf.LayersModel) => m.nonTrainableWeights.map((w) => w.read().dataSync().slice() as Float32Array);
