import type * as tf from '@tensorflow/tfjs';
import type { FixResPlan } from './plan.js';

type Layer = tf.layers.Layer;

/**
 * Makes `layers` run in inference mode whatever `training` flag `model.apply` passes down, by
 * shadowing each layer's `call` with one that forces `training: false` (tfjs-layers batch norm
 * otherwise uses batch statistics and updates its moving averages whenever `training` is true).
 * Returns the function that removes the shadowing.
 */
export function forceInferenceMode(layers: readonly Layer[]): () => void {
  const restores = layers.map((layer) => {
    const own = Object.getOwnPropertyDescriptor(layer, 'call');
    const original = layer.call.bind(layer);
    layer.call = (inputs, kwargs) => original(inputs, { ...kwargs, training: false });
    return () => {
      if (own) Object.defineProperty(layer, 'call', own);
      else Reflect.deleteProperty(layer, 'call');
    };
  });
  return () => restores.forEach((restore) => restore());
}

/**
 * Puts `model` in FixRes mode as `plan` says: layers outside `plan.trainable` are frozen
 * (`trainable = false`, so `model.trainableWeights` holds only the tuned weights) and the frozen
 * batch norms run in inference mode. Returns the function that restores every layer's and
 * weight's trainable flag and the batch norms' normal behaviour; call it in a `finally`.
 */
export function enterFixResMode(model: tf.LayersModel, plan: FixResPlan): () => void {
  const layerFlags = model.layers.map((l) => [l, l.trainable] as const);
  const weightFlags = model.weights.map((w) => [w, w.trainable] as const);
  const keep = new Set(plan.trainable);
  for (const layer of model.layers) if (!keep.has(layer.name)) layer.trainable = false;
  const frozen = new Set(plan.frozenBatchNorms);
  const unpatch = forceInferenceMode(model.layers.filter((l) => frozen.has(l.name)));
  return () => {
    unpatch();
    for (const [layer, flag] of layerFlags) layer.trainable = flag;
    for (const [weight, flag] of weightFlags) weight.trainable = flag;
  };
}
