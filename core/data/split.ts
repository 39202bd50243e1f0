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
 * Splits `train` into a training part and a validation part of round(count * fraction) images,
 * stratified by class: each class gives its quota n_c * fraction rounded down, and the images
 * left over go to the classes with the largest remainders (ties: lower class first), so both parts
 * keep the class proportions. The images of each class are drawn by one seeded shuffle per class,
 * in class order. Both parts keep the original order. `fraction` must lie in [0, 1).
 */
export function validationSplit(
  train: ImageDataset,
  fraction: number,
  seed: number,
): { train: ImageDataset; validation: ImageDataset } {
  if (!(fraction >= 0 && fraction < 1)) {
    throw new RangeError(`validation fraction must be in [0, 1), got ${fraction}`);
  }
  if (fraction === 0) return { train, validation: subsetDataset(train, []) };
  const byClass: number[][] = Array.from({ length: train.numClasses }, () => []);
  for (let i = 0; i < train.count; i++) byClass[train.labels[i]!]!.push(i);
  const quotas = byClass.map((members) => members.length * fraction);
  const takes = quotas.map(Math.floor);
  const byRemainder = quotas.map((q, c) => ({ c, r: q - Math.floor(q) })).sort((a, b) => b.r - a.r || a.c - b.c);
  let left = Math.round(train.count * fraction) - takes.reduce((a, b) => a + b, 0);
  for (const { c } of byRemainder) if (left-- > 0) takes[c]! += 1;
  const rng = new Rng(seed);
  const held: number[] = [];
  byClass.forEach((members, c) => {
    const order = shuffledIndices(members.length, rng);
    for (let k = 0; k < takes[c]!; k++) held.push(members[order[k]!]!);
  });
  const isHeld = new Uint8Array(train.count);
  for (const i of held) isHeld[i] = 1;
  const kept: number[] = [];
  for (let i = 0; i < train.count; i++) if (!isHeld[i]) kept.push(i);
  return { train: subsetDataset(train, kept), validation: subsetDataset(train, held.sort((a, b) => a - b)) };
}
