import { Augmenter, type AugmentOptions } from './augment.js';
import { normalizeInto } from './normalize.js';
import type { Rng } from './rng.js';
import { shuffledIndices } from './split.js';
import type { HostBatch, ImageDataset } from './types.js';

/** How makeBatches walks a dataset. */
export interface BatchOptions {
  readonly batchSize: number;
  /** Visit images in a random order drawn from `rng` (else in dataset order). */
  readonly shuffle: boolean;
  /** Source of the shuffle and of augmentation; needed when either is on. */
  readonly rng?: Rng;
  /**
   * Augment each image before normalising (flip, pad + crop, and whatever else the options turn on:
   * see Augmenter); omit for evaluation.
   */
  readonly augment?: AugmentOptions;
  /** Per-channel mean and std in [0, 1] units (see channelStats). */
  readonly mean: ArrayLike<number>;
  readonly std: ArrayLike<number>;
  /** Skip the last batch when it is smaller than batchSize (default false). */
  readonly dropLast?: boolean;
}

/** Number of batches makeBatches yields for `count` images. */
export function batchCount(count: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
}

/**
 * Yields one epoch of `ds` as normalised float batches. The order is drawn from `rng` when the
 * generator starts, then each image's augmentation in order, so the same rng state gives the same
 * batches. Each batch gets fresh `x`/`labels` arrays (safe to keep); augmentation reuses one buffer.
 */
export function* makeBatches(ds: ImageDataset, opts: BatchOptions): Generator<HostBatch> {
  const { batchSize, rng, augment, mean, std } = opts;
  const { height, width, channels } = ds;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  if (mean.length !== channels || std.length !== channels) {
    throw new RangeError(`mean and std need ${channels} values (one per channel), got ${mean.length} and ${std.length}`);
  }
  if ((opts.shuffle || augment) && !rng) throw new RangeError('makeBatches needs an rng to shuffle or augment');
  const imageSize = height * width * channels;
  const order = opts.shuffle ? shuffledIndices(ds.count, rng!) : null;
  const scratch = new Uint8Array(augment ? imageSize : 0);
  const augmenter = augment ? new Augmenter({ height, width, channels }, augment) : null;
  const batches = batchCount(ds.count, batchSize, opts.dropLast);
  for (let b = 0; b < batches; b++) {
    const start = b * batchSize;
    const size = Math.min(batchSize, ds.count - start);
    const x = new Float32Array(size * imageSize);
    const labels = new Int32Array(size);
    for (let k = 0; k < size; k++) {
      const i = order ? order[start + k]! : start + k;
      let pixels = ds.images.subarray(i * imageSize, (i + 1) * imageSize);
      if (augmenter) {
        augmenter.apply(pixels, scratch, rng!);
        pixels = scratch;
      }
      normalizeInto(pixels, x, mean, std, channels, k * imageSize);
      labels[k] = ds.labels[i]!;
    }
    yield { x, labels, size, height, width, channels };
  }
}
