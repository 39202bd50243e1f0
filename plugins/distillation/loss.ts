import * as tf from '@tensorflow/tfjs';
import type { ChannelStats } from '../../core/data/normalize.js';

/**
 * Hinton et al.'s distillation term as seed 002's KLSoftLoss computes it:
 *   T² · KL(softmax(t/T) ‖ softmax(s/T)), averaged over the batch
 * = T² · (1/N) Σ_n Σ_c p_nc (log p_nc − log q_nc),  p = softmax(t/T), q = softmax(s/T).
 * Same as PyTorch's F.kl_div(log_softmax(s/T), softmax(t/T), reduction='batchmean') · T².
 */
export function distillationTerm(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const logP = tf.logSoftmax(tf.div(teacherLogits, temperature));
    const logQ = tf.logSoftmax(tf.div(studentLogits, temperature));
    const perExample = tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ)), -1);
    return tf.mul(tf.mean(perExample), temperature * temperature) as tf.Scalar;
  });
}

/** The distillation loss from the cross-entropy already computed and the term: (1 − α)·CE + α·KD. */
export function blendLoss(crossEntropy: tf.Scalar, term: tf.Scalar, alpha: number): tf.Scalar {
  return tf.tidy(() => tf.add(tf.mul(crossEntropy, 1 - alpha), tf.mul(term, alpha)) as tf.Scalar);
}

/** Per-channel affine map `x ↦ x·scale + shift` between two input normalisations. */
export interface ChannelAffine {
  readonly scale: number[];
  readonly shift: number[];
}

/**
 * The map from inputs normalised with `from` to inputs normalised with `to`: the pixel is
 * p = x·σ_from + μ_from, so x_to = (p − μ_to)/σ_to = x·(σ_from/σ_to) + (μ_from − μ_to)/σ_to.
 * Undefined when both normalisations agree (to 1e-7), i.e. no re-normalisation is needed.
 */
export function renormalization(from: ChannelStats, to: ChannelStats): ChannelAffine | undefined {
  const scale = from.std.map((s, c) => s / to.std[c]!);
  const shift = from.mean.map((m, c) => (m - to.mean[c]!) / to.std[c]!);
  const identity = scale.every((s) => Math.abs(s - 1) < 1e-7) && shift.every((b) => Math.abs(b) < 1e-7);
  return identity ? undefined : { scale, shift };
}

/** Applies `affine` to NHWC images (per channel, the last axis); returns `x` itself when undefined. */
export function renormalize(x: tf.Tensor4D, affine: ChannelAffine | undefined): tf.Tensor4D {
  if (!affine) return x;
  return tf.tidy(() => tf.add(tf.mul(x, tf.tensor1d(affine.scale)), tf.tensor1d(affine.shift)) as tf.Tensor4D);
}
