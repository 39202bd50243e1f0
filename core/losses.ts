import * as tf from '@tensorflow/tfjs';

/**
 * Per-example cross-entropy with soft targets: −Σ_c t_c · log softmax(z)_c.
 * With one-hot targets this is the usual cross-entropy; mixed or smoothed targets pass through unchanged.
 */
export function softCrossEntropyPerExample(targets: tf.Tensor2D, logits: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1)) as tf.Tensor1D);
}

/** Mean soft-target cross-entropy over the batch (a scalar). */
export function softCrossEntropy(targets: tf.Tensor2D, logits: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(softCrossEntropyPerExample(targets, logits)) as tf.Scalar);
}
