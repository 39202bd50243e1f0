import * as tf from '@tensorflow/tfjs';
import type { GradientMap } from '../../core/contexts.js';

/**
 * Adds `weight · g` to the running sum of every variable's gradient and returns the new sums
 * (new tensors; the caller disposes `sum` and `grads`). `sum` undefined starts a new window.
 */
export function addWeighted(sum: GradientMap | undefined, grads: GradientMap, weight: number): GradientMap {
  return tf.tidy(() => {
    const out: GradientMap = {};
    for (const [name, g] of Object.entries(grads)) {
      const scaled = tf.mul(g, weight);
      const prev = sum?.[name];
      out[name] = prev ? tf.add(prev, scaled) : scaled;
    }
    return out;
  });
}

/**
 * The weighted mean Σ bᵢ·gᵢ / Σ bᵢ from sums made by `addWeighted` with weights bᵢ (micro-batch
 * sizes): the gradient of the mean loss over all examples of the window, i.e. what one batch of
 * Σ bᵢ examples gives (without batch norm). New tensors; the caller disposes `sum`.
 */
export function weightedMean(sum: GradientMap, totalWeight: number): GradientMap {
  return tf.tidy(() => {
    const out: GradientMap = {};
    for (const [name, s] of Object.entries(sum)) out[name] = tf.div(s, totalWeight);
    return out;
  });
}
