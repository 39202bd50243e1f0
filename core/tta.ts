import * as tf from '@tensorflow/tfjs';
import { namedDataset } from './data/datasets/catalog.js';
import { UsageError } from './errors.js';

/** Test-time augmentation modes. */
export const TTA_MODES = ['none', 'flip', 'flip+crops'] as const;
export type TtaMode = (typeof TTA_MODES)[number];

/** The zero-padding crop shift of `flip+crops`, in pixels (the baseline preset's training crop padding). */
export const TTA_CROP_SHIFT = 2;

/** Parses a --tta value; anything else is a coded USAGE error listing the modes. */
export function parseTtaMode(value: string): TtaMode {
  if ((TTA_MODES as readonly string[]).includes(value)) return value as TtaMode;
  throw new UsageError(`--tta ${value}: unknown mode; use one of ${TTA_MODES.join(', ')}`);
}

/** The (dy, dx) crop shifts of a mode: none besides the original, or the four 2-pixel shifts. */
function shiftsOf(mode: TtaMode): Array<[number, number]> {
  const d = TTA_CROP_SHIFT;
  return mode === 'flip+crops' ? [[0, 0], [-d, 0], [d, 0], [0, -d], [0, d]] : [[0, 0]];
}

/** Number of views a mode averages over: 1, 2 (flip) or 10 (flip+crops). */
export function ttaViewCount(mode: TtaMode): number {
  return mode === 'none' ? 1 : 2 * shiftsOf(mode).length;
}

/**
 * `x` (NHWC) shifted by (dy, dx): out(y, x) = in(y + dy, x + dx), pixels from outside the image
 * set to `fill` (per channel). With `fill` the normalised value of a black pixel, this is the
 * training crop's zero padding (core/data/augmentations/flip-crop.ts) applied after normalisation.
 */
export function shiftImages(x: tf.Tensor4D, dy: number, dx: number, fill: readonly number[]): tf.Tensor4D {
  if (dy === 0 && dx === 0) return x.clone();
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const f = tf.tensor1d([...fill]).reshape([1, 1, 1, fill.length]);
    const pad = Math.max(Math.abs(dy), Math.abs(dx));
    const padded = tf.pad(tf.sub(x, f), [[0, 0], [pad, pad], [pad, pad], [0, 0]]);
    return tf.add(tf.slice(padded, [0, pad + dy, pad + dx, 0], [-1, h, w, -1]), f) as tf.Tensor4D;
  });
}

/**
 * The views of a batch that a mode averages over: `none` the batch; `flip` the batch and its
 * horizontal mirror; `flip+crops` those two, each at the original position and shifted by
 * TTA_CROP_SHIFT pixels up, down, left and right (zero padding, see shiftImages): 10 views.
 */
export function ttaViews(x: tf.Tensor4D, mode: TtaMode, fill: readonly number[]): tf.Tensor4D[] {
  if (mode === 'none') return [x.clone()];
  const flipped = tf.reverse(x, 2) as tf.Tensor4D;
  const views = [x, flipped].flatMap((base) => shiftsOf(mode).map(([dy, dx]) => shiftImages(base, dy, dx, fill)));
  flipped.dispose();
  return views;
}

/**
 * Log of the mean softmax probabilities of `forward` over the views of `x`:
 * log((1/V)·Σ_v softmax(z_v)) = logsumexp_v(log softmax(z_v)) − log V, computed stably. Taken as
 * logits it gives the averaged probabilities back through softmax, so metrics and top-k read it as
 * they read logits. With mode `none` it is log softmax of the one forward pass (same ranking,
 * same cross-entropy as the logits).
 */
export function ttaLogProbabilities(forward: (x: tf.Tensor4D) => tf.Tensor2D, x: tf.Tensor4D, mode: TtaMode, fill: readonly number[]): tf.Tensor2D {
  return tf.tidy(() => {
    const views = ttaViews(x, mode, fill);
    const logProbs = tf.stack(views.map((v) => tf.logSoftmax(forward(v))));
    return tf.sub(tf.logSumExp(logProbs, 0), Math.log(views.length)) as tf.Tensor2D;
  });
}

/** The normalised value of a black pixel per channel: (0 − mean) / std. */
export function normalizedBlack(normalization: { mean: readonly number[]; std: readonly number[] }): number[] {
  return normalization.mean.map((m, c) => -m / normalization.std[c]!);
}

/** A warning when `mode` mirrors images of a dataset whose meaning mirroring changes (digits: MNIST), else null. */
export function ttaFlipWarning(mode: TtaMode, dataset: string): string | null {
  if (mode === 'none' || namedDataset(dataset)?.orientationSensitive !== true) return null;
  return `--tta ${mode} mirrors the images, but the model was trained on ${dataset}, whose images mirroring changes (digits) and which trains without the flip; use --tta none`;
}
