/** Real Fashion-MNIST images as tensors, for the measurements that feed a model directly. */
import * as tf from '@tensorflow/tfjs';
import { makeBatches } from '../core/data/batcher.js';
import { loadDataset, resolveDataDir } from '../core/data/locate.js';
import { channelStats } from '../core/data/normalize.js';
import { limitDataset } from '../core/data/split.js';

/** Fashion-MNIST shapes used throughout the bench. */
export const INPUT = { height: 28, width: 28, channels: 1 } as const;
export const NUM_CLASSES = 10;

/**
 * `count` training images (a seeded random subset, normalised with its own channel statistics)
 * as an NHWC float tensor `x` and one-hot targets `y`. The data folder is found as trickster finds it.
 */
export function fashionTensors(count: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const train = limitDataset(loadDataset(resolveDataDir()).train, count, 1);
  const [batch] = makeBatches(train, { batchSize: count, shuffle: false, ...channelStats(train) });
  const b = batch!;
  return tf.tidy(() => ({
    x: tf.tensor4d(b.x, [b.size, b.height, b.width, b.channels]),
    y: tf.oneHot(tf.tensor1d(b.labels, 'int32'), NUM_CLASSES).toFloat() as tf.Tensor2D,
  }));
}

/** Splits `x`/`y` into batches of `batch` examples (new tensors; caller disposes). */
export function splitBatches(x: tf.Tensor4D, y: tf.Tensor2D, batch: number): { x: tf.Tensor4D; y: tf.Tensor2D }[] {
  const out: { x: tf.Tensor4D; y: tf.Tensor2D }[] = [];
  for (let start = 0; start + batch <= x.shape[0]; start += batch) {
    out.push({ x: x.slice(start, batch), y: y.slice(start, batch) });
  }
  return out;
}
