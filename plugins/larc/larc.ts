import * as tf from '@tensorflow/tfjs';

/** The LARC knobs the trust ratio depends on (seed 001's `LARC(optimizer, trust_coefficient, clip, eps)`). */
export interface LarcSettings {
  /** η: how far one step may move a layer, relative to its weight norm. */
  readonly trustCoefficient: number;
  /** Clip the local rate at the global one (LARC) instead of replacing it (LARS). */
  readonly clip: boolean;
  readonly eps: number;
}

/**
 * The factor LARC multiplies `(g + wd·w)` by, from the norms of a variable and its gradient:
 *   local = η‖w‖ / (‖g‖ + wd‖w‖ + eps);  factor = min(local / lr, 1) with clip, else local.
 * Undefined when ‖w‖ = 0 or ‖g‖ = 0: the variable is left untouched (and not decayed), as in the seed.
 * lr = 0 with clip gives 1 (min(∞, 1)).
 */
export function larcFactor(weightNorm: number, gradNorm: number, lr: number, weightDecay: number, s: LarcSettings): number | undefined {
  if (weightNorm === 0 || gradNorm === 0) return undefined;
  const local = (s.trustCoefficient * weightNorm) / (gradNorm + weightNorm * weightDecay + s.eps);
  return s.clip ? Math.min(local / lr, 1) : local;
}

/**
 * LARC's gradient for one variable, on the device (no read-back): `(g + wd·w) · larcFactor(‖w‖, ‖g‖)`,
 * or `g` unchanged where ‖w‖ = 0 or ‖g‖ = 0. Returns a new tensor; the caller disposes it.
 */
export function larcGradient(w: tf.Tensor, g: tf.Tensor, lr: number, weightDecay: number, s: LarcSettings): tf.Tensor {
  return tf.tidy(() => {
    const wNorm = tf.norm(w);
    const gNorm = tf.norm(g);
    const local = tf.div(tf.mul(wNorm, s.trustCoefficient), tf.add(tf.add(gNorm, tf.mul(wNorm, weightDecay)), s.eps));
    const factor = s.clip ? tf.minimum(tf.div(local, lr), 1) : local;
    const active = tf.logicalAnd(tf.greater(wNorm, 0), tf.greater(gNorm, 0));
    // Inactive: decay 0 and factor 1, so the result is g exactly.
    const decay = tf.where(active, tf.scalar(weightDecay), tf.scalar(0));
    const scale = tf.where(active, factor, tf.scalar(1));
    return tf.mul(tf.add(g, tf.mul(w, decay)), scale);
  });
}

/**
 * Whether a variable is a bias or a normalisation parameter: rank ≤ 1 (dense/conv biases,
 * batch-norm gamma and beta), the usual rule for excluding them from layer-wise adaptation.
 */
export function isBiasOrNorm(shape: readonly number[]): boolean {
  return shape.length <= 1;
}
