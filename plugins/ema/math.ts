import * as tf from '@tensorflow/tfjs';

/**
 * The EMA decay used at optimizer step `step` (1 at the first step): `decay`, or with warmup
 * min(decay, (1 + step)/(10 + step)) as TensorFlow's ExponentialMovingAverage(num_updates) does,
 * so early shadows follow the fast-moving weights instead of staying near the initialisation.
 */
export function emaDecay(decay: number, step: number, warmup: boolean): number {
  return warmup ? Math.min(decay, (1 + step) / (10 + step)) : decay;
}

/** One EMA update (seed 002): d·shadow + (1 − d)·current, as a new tensor. */
export function emaBlend(shadow: tf.Tensor, current: tf.Tensor, d: number): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(shadow, d), tf.mul(current, 1 - d)));
}
