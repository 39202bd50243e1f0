import * as tf from '@tensorflow/tfjs';
import { NumericError } from '../errors.js';
import type { HostBatch } from '../data/types.js';
import { batchNormLayers } from '../models/inspect.js';

/** The parts of a tfjs-layers BatchNormalization layer a recalibration pass touches. */
interface BnLayer {
  readonly name: string;
  /** Keras momentum: moving ← moving − (moving − batch)·(1 − momentum). Private in the typings. */
  momentum: number;
  readonly weights: { originalName: string; read(): tf.Variable }[];
}

function statVariable(layer: BnLayer, stat: 'moving_mean' | 'moving_variance'): tf.Variable {
  const w = layer.weights.find((x) => x.originalName.endsWith(`/${stat}`) || x.originalName === stat);
  if (!w) throw new Error(`batch-norm layer ${layer.name} has no ${stat} weight`);
  return w.read();
}

/** Sets moving mean and variance to 0, so the first batch's statistics replace them exactly. */
function resetStatistics(layers: BnLayer[]): void {
  tf.tidy(() => {
    for (const l of layers) {
      for (const v of [statVariable(l, 'moving_mean'), statVariable(l, 'moving_variance')]) v.assign(tf.zerosLike(v));
    }
  });
}

/**
 * Keras momentum that turns the layer's own update into a cumulative average at batch `k`
 * (0-based): moving + (batch − moving)/(k+1), i.e. 1 − momentum = 1/(k+1). Equals PyTorch's
 * momentum None (update_bn) and the seed's precise-BN running average r += (x − r)/(k+1).
 */
export function cumulativeMomentum(k: number): number {
  return k / (k + 1);
}

/** A host batch as an NHWC image tensor (the caller disposes it). */
export function hostImages(batch: HostBatch): tf.Tensor4D {
  return tf.tensor4d(batch.x, [batch.size, batch.height, batch.width, batch.channels]);
}

/**
 * Name of the first batch-norm layer (in topological order) whose moving mean or variance holds
 * a NaN or ±Inf, or undefined when all are finite. Reads one small tensor from the device.
 */
export function firstNonFiniteBatchNorm(model: tf.LayersModel): string | undefined {
  const layers = batchNormLayers(model) as unknown as BnLayer[];
  if (layers.length === 0) return undefined;
  const flags = tf.tidy(() =>
    tf.stack(layers.map((l) => tf.all(tf.isFinite(tf.concat([statVariable(l, 'moving_mean'), statVariable(l, 'moving_variance')]))))),
  );
  const ok = flags.dataSync();
  flags.dispose();
  const bad = layers.findIndex((_, i) => !ok[i]);
  return bad < 0 ? undefined : layers[bad]!.name;
}

/**
 * Recomputes every batch-norm layer's moving mean and variance as the plain average of the
 * per-batch statistics over the first `maxBatches` of `batches` (PyTorch's update_bn, seed 002's
 * precise BN). Statistics are reset to 0 at the first batch (left alone when there is none),
 * then each batch runs forward in training mode with the layer's momentum set to
 * `cumulativeMomentum(k)`, so the layer's own update accumulates the average; momenta are restored afterwards, also on error. The per-batch variance is the one
 * TF.js normalises with: tf.moments, biased (divides by N·H·W). No trainable weight changes.
 * Returns the number of batches used. Throws NumericError naming the first layer with a NaN/Inf statistic.
 */
export async function recomputeBatchNormStats(
  model: tf.LayersModel,
  batches: AsyncIterable<HostBatch>,
  maxBatches = Number.POSITIVE_INFINITY,
): Promise<number> {
  const layers = batchNormLayers(model) as unknown as BnLayer[];
  if (layers.length === 0 || maxBatches < 1) return 0;
  const momenta = layers.map((l) => l.momentum);
  let k = 0;
  try {
    for await (const batch of batches) {
      if (k === 0) resetStatistics(layers);
      for (const l of layers) l.momentum = cumulativeMomentum(k);
      tf.tidy(() => {
        model.apply(hostImages(batch), { training: true });
      });
      k += 1;
      if (k >= maxBatches) break;
    }
  } finally {
    layers.forEach((l, i) => (l.momentum = momenta[i]!));
  }
  const bad = firstNonFiniteBatchNorm(model);
  if (bad) {
    throw new NumericError(
      `batch-norm layer "${bad}" got a NaN or infinite moving statistic while recomputing over ${k} training batches; check the inputs and weights (a diverged run, or a learning rate too high)`,
    );
  }
  return k;
}
