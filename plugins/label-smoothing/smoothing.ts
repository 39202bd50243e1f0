import * as tf from '@tensorflow/tfjs';

/**
 * Label smoothing of soft targets over K classes: t ← (1 − ε)·t + ε/K.
 * With one-hot targets the kernel's soft-target cross-entropy then equals PyTorch's
 * `CrossEntropyLoss(label_smoothing=ε)` and the seed's LabelSmoothingCrossEntropy (seed 000):
 * (1 − ε)·(−log p_y) + ε·mean_k(−log p_k). Rows that sum to 1 still sum to 1.
 * Returns a new tensor; the caller disposes it.
 */
export function smoothTargets(targets: tf.Tensor2D, epsilon: number): tf.Tensor2D {
  const classes = targets.shape[1];
  return tf.tidy(() => tf.add(tf.mul(targets, 1 - epsilon), epsilon / classes) as tf.Tensor2D);
}
