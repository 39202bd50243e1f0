import * as tf from '@tensorflow/tfjs';

/**
 * The EMA decay used at optimizer step `step` (1 at the first step): `decay`, or with warmup
 * min(decay, (1 + step)/(10 + step)) as TensorFlow's ExponentialMovingAverage(num_updates) does,
 * so early shadows follow the fast-moving weights instead of staying near the initialisation.
 */
export function emaDecay(decay: number, step: number, warmup: boolean): number {
  return warmup ? Math.min(decay, (1 + step) / (10 + step)) : decay;
}

/**
 * The first optimizer step at which the warmup decay (1 + t)/(10 + t) reaches `decay`:
 * (10·decay − 1)/(1 − decay), rounded up (0.99 → 890, 0.995 → 1790). Before it, every decay at or
 * above the warmup's value averages the same.
 */
export function warmupReachesDecayAt(decay: number): number {
  return Math.ceil((10 * decay - 1) / (1 - decay) - 1e-9);
}

/** One EMA update (seed 002): d·shadow + (1 − d)·current, as a new tensor. */
export function emaBlend(shadow: tf.Tensor, current: tf.Tensor, d: number): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(shadow, d), tf.mul(current, 1 - d)));
}
