import type { ImageDataset } from './types.js';
import { Rng } from './rng.js';

/** A permutation of 0..n-1 drawn with `rng` (Fisher-Yates); consumes n-1 draws. */
export function shuffledIndices(n: number, rng: Rng): Uint32Array {
  const indices = new Uint32Array(n);
  for (let i = 0; i < n; i++) indices[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const tmp = indices[i]!;
    indices[i] = indices[j]!;
    indices[j] = tmp;
  }
  return indices;
}

/** A new dataset holding the images of `ds` at `indices`, in that order (pixels are copied). */
export function subsetDataset(ds: ImageDataset, indices: ArrayLike<number>): ImageDataset {
  const imageSize = ds.height * ds.width * ds.channels;
  const images = new Uint8Array(indices.length * imageSize);
  const labels = ds.labels instanceof Uint8Array ? new Uint8Array(indices.length) : new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    images.set(ds.images.subarray(i * imageSize, (i + 1) * imageSize), k * imageSize);
    labels[k] = ds.labels[i]!;
  }
  return { ...ds, images, labels, count: indices.length };
}

/**
 * At most `n` images of `ds`: a uniformly random subset (seeded shuffle, first `n` taken), kept in
 * the original order. Not stratified, so with small `n` class counts vary. Returns `ds` itself
 * when it has `n` images or fewer.
 */
export function limitDataset(ds: ImageDataset, n: number, seed = 0): ImageDataset {
  if (n >= ds.count) return ds;
  const chosen = shuffledIndices(ds.count, new Rng(seed)).slice(0, Math.max(0, Math.floor(n)));
  return subsetDataset(ds, chosen.sort());
}

/**
 * Splits `train` into a training part and a validation part holding `round(count * fraction)`
 * random images (seeded shuffle, not stratified). `fraction` must lie in [0, 1).
 */
export function validationSplit(
  train: ImageDataset,
  fraction: number,
  seed: number,
): { train: ImageDataset; validation: ImageDataset } {
  if (!(fraction >= 0 && fraction < 1)) {
    throw new RangeError(`validation fraction must be in [0, 1), got ${fraction}`);
  }
  const order = shuffledIndices(train.count, new Rng(seed));
  const nVal = Math.round(train.count * fraction);
  return {
    train: subsetDataset(train, order.slice(nVal).sort()),
    validation: subsetDataset(train, order.slice(0, nVal).sort()),
  };
}
