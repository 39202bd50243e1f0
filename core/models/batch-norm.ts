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
 * (Ioffe & Szegedy 2015, section 3), which needs seven; on wasm, trickster's SIMD kernel
 * (core/backends/wasm-simd) computes it in two passes over dy and x. Inference, the moving-statistics update
 * (the same momentum rule as the stock layer) and serialisation are unchanged: the class reports
 * the stock class name, so exported models load with plain `tf.loadLayersModel`.
 *
 * Inside {@link withBatchNormSync} (SyncBN, `training.syncBatchNorm` with replicas) the batch
 * statistics and the two gradient sums are those of the whole batch across replicas, exchanged
 * per layer (./batch-norm-sync.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { fusedMoments } from '../backends/wasm-simd/batch-norm-forward.js';
import { fusedBatchNormGrad } from '../backends/wasm-simd/batch-norm-grad.js';
import { activeBatchNormSync, packMoments, poolMoments, sumParts, type Gather } from './batch-norm-sync.js';

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

/** How a SyncBN layer's backward reaches the other replicas: the exchange, this shard's count and the whole batch's. */
export interface GradientSync {
  readonly gather: Gather;
  readonly count: number;
  readonly total: number;
}

/**
 * Batch-normalises `x` over every axis but the last with the batch's `mean` and `variance`;
 * its gradient with respect to x, γ and β is the closed form above (μ and σ² depend on x). With
 * `sync`, `mean` and `variance` are the whole batch's across replicas and so are the gradient
 * sums in dx (see ./batch-norm-sync.ts); dγ and dβ stay this shard's, combined like every gradient.
 */
export function batchNormTraining(
  x: tf.Tensor,
  mean: tf.Tensor1D,
  variance: tf.Tensor1D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  sync?: GradientSync,
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
        const fused = sync ? null : fusedBatchNormGrad(dy, xs, mu, sigma2, gs, epsilon);
        if (fused !== null) return fused;
        const rstd = tf.rsqrt(tf.add(sigma2, epsilon));
        const xHat = tf.mul(tf.sub(xs, mu), rstd);
        const dBeta = tf.sum(dy, axes);
        const dGamma = tf.sum(tf.mul(dy, xHat), axes);
        const [meanDBeta, meanDGamma] = sync ? pooledGradientMeans(dBeta, dGamma, sync) : [tf.div(dBeta, count), tf.div(dGamma, count)];
        const centred = tf.sub(tf.sub(dy, meanDBeta), tf.mul(xHat, meanDGamma));
        return [tf.mul(centred, tf.mul(gs, rstd)), dGamma, dBeta];
      },
    };
  });
  return normalise(x, gamma, beta);
}

/** G_β/n and G_γ/n of this shard: the whole batch's share-weighted Σdy and Σdy·x̂ (read to the host and exchanged). */
function pooledGradientMeans(dBeta: tf.Tensor, dGamma: tf.Tensor, sync: GradientSync): [tf.Tensor, tf.Tensor] {
  const channels = dBeta.size;
  const share = sync.count / sync.total;
  const local = new Float64Array(2 * channels);
  const [b, g] = [dBeta.dataSync(), dGamma.dataSync()];
  for (let c = 0; c < channels; c++) {
    local[c] = b[c]! * share;
    local[channels + c] = g[c]! * share;
  }
  const pooled = sumParts(sync.gather(local));
  const perExample = Float32Array.from(pooled, (v) => v / sync.count);
  return [tf.tensor1d(perExample.subarray(0, channels)), tf.tensor1d(perExample.subarray(channels))];
}

/** This shard's batch mean and variance, or, with `gather`, the whole batch's across replicas and what the backward needs. */
function batchMoments(x: tf.Tensor, axes: number[], gather: Gather | null): { mean: tf.Tensor1D; variance: tf.Tensor1D; sync?: GradientSync } {
  const { mean, variance } = fusedMoments(x) ?? (tf.moments(x, axes) as { mean: tf.Tensor1D; variance: tf.Tensor1D });
  if (!gather) return { mean, variance };
  const count = x.size / x.shape[x.rank - 1]!;
  const pooled = poolMoments(gather(packMoments(count, mean.dataSync(), variance.dataSync())));
  tf.dispose([mean, variance]);
  return {
    mean: tf.tensor1d(Float32Array.from(pooled.mean)),
    variance: tf.tensor1d(Float32Array.from(pooled.variance)),
    sync: { gather, count, total: pooled.count },
  };
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
      const { mean, variance, sync } = batchMoments(x, axes, activeBatchNormSync());
      const y = batchNormTraining(x, mean, variance, self.gamma!.read() as tf.Tensor1D, self.beta!.read() as tf.Tensor1D, self.epsilon, sync);
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
