/** The models every bench row trains: the zoo model as the baseline preset configures it. */
import type * as tf from '@tensorflow/tfjs';
import { buildModel } from '../core/models/index.js';
import type { ModelSpec } from '../core/models/types.js';
import { INPUT, NUM_CLASSES } from './fashion-tensors.js';

/** The spec of {@link benchModel} (what replica threads build). */
export function benchModelSpec(model: string): ModelSpec {
  return { name: model, seed: 42, ...(model === 'small-cnn' ? { head: 'flatten' as const } : {}) };
}

/**
 * `model` built for Fashion-MNIST shapes with seed 42; small-cnn with the baseline preset's
 * flatten head, so that rows (a)-(f) all time one architecture.
 */
export function benchModel(model: string): tf.LayersModel {
  return buildModel(benchModelSpec(model), INPUT, NUM_CLASSES);
}
