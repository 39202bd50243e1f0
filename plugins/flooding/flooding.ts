import * as tf from '@tensorflow/tfjs';
import type { GradientMap } from '../../core/contexts.js';

/**
 * The gradients of the flooded loss |L − b| + b (Ishida et al., 2020, eq. 1) from those of L:
 * sign(L − b)·∇L, gradient descent below the flood level b and ascent above it. sign(0) = 0, as
 * PyTorch's abs backward (`grad * self.sgn()`, tools/autograd/derivatives.yaml). The sign is
 * computed on the device (no read-back). Returns new tensors; the caller disposes both maps.
 */
export function floodGradients(grads: GradientMap, loss: tf.Scalar, level: number): GradientMap {
  return tf.tidy(() => {
    const sign = tf.sign(tf.sub(loss, level));
    return Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, tf.mul(g, sign)]));
  });
}
