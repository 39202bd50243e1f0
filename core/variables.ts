import type * as tf from '@tensorflow/tfjs';

interface LayerVariableLike {
  originalName: string;
  read(): tf.Variable;
  trainable: boolean;
}

/**
 * The model's trainable variables keyed by stable names (`layer/weight`, e.g. `stage1_block1_conv1/kernel`).
 * Unlike tf.Variable names these do not get uniqueness suffixes, so checkpoints and plugin
 * state keyed by them survive a restart.
 */
export function trainableVariables(model: tf.LayersModel): Record<string, tf.Variable> {
  const out: Record<string, tf.Variable> = {};
  for (const w of model.trainableWeights as unknown as LayerVariableLike[]) out[w.originalName] = w.read();
  return out;
}

/** Every model variable (trainable and not, e.g. batch-norm moving statistics) keyed by stable name. */
export function allVariables(model: tf.LayersModel): Record<string, tf.Variable> {
  const out: Record<string, tf.Variable> = {};
  for (const w of model.weights as unknown as LayerVariableLike[]) out[w.originalName] = w.read();
  return out;
}

/** The tf.Variables behind layer weights, in the given order (e.g. `model.weights`, `model.nonTrainableWeights`). */
export function weightVariables(weights: readonly tf.LayerVariable[]): tf.Variable[] {
  return (weights as unknown as LayerVariableLike[]).map((w) => w.read());
}
