/**
 * tfjs-layers' BatchNormalization with a closed-form training gradient.
 *
 * In training mode the stock layer normalises with `tf.moments` + `tf.batchNorm` and lets autodiff
 * differentiate both, which costs about twenty full-size elementwise ops per layer in the backward
 * pass (the FusedBatchNorm gradient tiles its per-channel factors to the input's shape, then the
 * moments' own gradients add theirs). With x̂ = (x − μ)·r, r = (σ² + ε)^(−1/2) over the N values of a
 * channel, the whole gradient is
 *
 *   dβ = Σ dy,   dγ = Σ dy·x̂,   dx = γ·r · (dy − dβ/N − x̂·dγ/N)
 *
 * (Ioffe & Szegedy 2015, section 3), which needs seven. Inference, the moving-statistics update
 * (the same momentum rule as the stock layer) and serialisation are unchanged: the class reports
 * the stock class name, so exported models load with plain `tf.loadLayersModel`.
 */
import * as tf from '@tensorflow/tfjs';

type LayerArgs = Parameters<typeof tf.layers.batchNormalization>[0];
type Kwargs = Record<string, unknown>;

/** The stock layer's fields this class reads (public in tfjs-layers' JS, untyped in its .d.ts). */
interface StockFields {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

/** tfjs-layers' own class, from the serialization registry (the package does not export it). */
const StockBatchNormalization = tf.serialization.SerializationMap.getMap().classNameMap['BatchNormalization']![0] as unknown as {
  new (args?: LayerArgs): tf.layers.Layer;
};

/**
 * Batch-normalises `x` over every axis but the last with the batch's `mean` and `variance`;
 * its gradient with respect to x, γ and β is the closed form above (μ and σ² depend on x).
 */
export function batchNormTraining(
  x: tf.Tensor,
  mean: tf.Tensor1D,
  variance: tf.Tensor1D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const count = x.size / x.shape[x.rank - 1]!;
  const normalise = tf.customGrad((xIn, gammaIn, betaIn, save) => {
    const [input, g, b] = [xIn, gammaIn, betaIn] as tf.Tensor[];
    (save as tf.GradSaveFunc)([input!, mean, variance, g!]);
    return {
      value: tf.batchNorm(input!, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, epsilon),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, mu, sigma2, gs] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        const rstd = tf.rsqrt(tf.add(sigma2, epsilon));
        const xHat = tf.mul(tf.sub(xs, mu), rstd);
        const dBeta = tf.sum(dy, axes);
        const dGamma = tf.sum(tf.mul(dy, xHat), axes);
        const centred = tf.sub(tf.sub(dy, tf.div(dBeta, count)), tf.mul(xHat, tf.div(dGamma, count)));
        return [tf.mul(centred, tf.mul(gs, rstd)), dGamma, dBeta];
      },
    };
  });
  return normalise(x, gamma, beta);
}

/** BatchNormalization whose training pass uses {@link batchNormTraining}; see the file comment. */
export class ClosedFormBatchNormalization extends StockBatchNormalization {
  /** The stock name, so the serialised model is a plain tfjs-layers model. */
  static className = 'BatchNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const self = this as unknown as StockFields;
    const lastAxis = self.axis === -1 || self.axis === x.rank - 1;
    if (kwargs['training'] !== true || !lastAxis || self.gamma === null || self.beta === null) {
      return super.call(inputs, kwargs);
    }
    return tf.tidy(() => {
      const axes = x.shape.slice(0, -1).map((_, i) => i);
      const { mean, variance } = tf.moments(x, axes);
      const y = batchNormTraining(
        x,
        mean as tf.Tensor1D,
        variance as tf.Tensor1D,
        self.gamma!.read() as tf.Tensor1D,
        self.beta!.read() as tf.Tensor1D,
        self.epsilon,
      );
      const decay = 1 - self.momentum;
      for (const [stat, batch] of [
        [self.movingMean, mean],
        [self.movingVariance, variance],
      ] as const) {
        const old = stat.read();
        stat.write(tf.sub(old, tf.mul(tf.sub(old, batch), decay)));
      }
      return y;
    });
  }
}

/** A batch-norm layer with the stock arguments and the closed-form training gradient. */
export function closedFormBatchNormalization(args: LayerArgs): tf.layers.Layer {
  return new ClosedFormBatchNormalization(args);
}
