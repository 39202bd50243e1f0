import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/data/rng.js';
import { limitDataset, shuffledIndices, subsetDataset, validationSplit } from '../../core/data/split.js';
import type { ImageDataset } from '../../core/data/types.js';
import { tinyDataset } from './helpers.js';

describe('Rng', () => {
  it('repeats a stream for a seed and resumes from a saved state', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const first = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(first);
    expect(first.every((v) => v >= 0 && v < 1)).toBe(true);
    const saved = JSON.parse(JSON.stringify(a.getState())) as number;
    const next = [a.next(), a.nextInt(10)];
    const c = new Rng(0);
    c.setState(saved);
    expect([c.next(), c.nextInt(10)]).toEqual(next);
    expect(new Rng(43).next()).not.toBe(first[0]);
  });
});

describe('shuffledIndices', () => {
  it('is a seeded permutation', () => {
    const p = shuffledIndices(100, new Rng(7));
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(shuffledIndices(100, new Rng(7))).toEqual(p);
    expect(shuffledIndices(100, new Rng(8))).not.toEqual(p);
    expect([...p]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('subsets', () => {
  const ds = tinyDataset(10);

  it('subsetDataset copies images and labels at the indices', () => {
    const sub = subsetDataset(ds, [3, 1]);
    expect(sub.count).toBe(2);
    expect([...sub.images]).toEqual([48, 49, 50, 51, 16, 17, 18, 19]);
    expect([...sub.labels]).toEqual([0, 1]);
  });

  it('limitDataset keeps n seeded random images in original order', () => {
    const small = limitDataset(ds, 4, 1);
    expect(small.count).toBe(4);
    const firstPixels = [...small.images].filter((_, i) => i % 4 === 0);
    expect(firstPixels).toEqual([...firstPixels].sort((x, y) => x - y));
    expect(limitDataset(ds, 4, 1).images).toEqual(small.images);
    expect(limitDataset(ds, 50)).toBe(ds);
  });

  it('validationSplit gives disjoint parts of the right sizes', () => {
    const { train, validation } = validationSplit(ds, 0.25, 3);
    expect(train.count).toBe(7);
    expect(validation.count).toBe(3);
    const ids = (d: typeof ds) => [...d.images].filter((_, i) => i % 4 === 0).map((v) => v / 16);
    expect([...ids(train), ...ids(validation)].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(validationSplit(ds, 0.25, 3).validation.images).toEqual(validation.images);
    expect(validationSplit(ds, 0, 3).validation.count).toBe(0);
    expect(() => validationSplit(ds, 1, 3)).toThrow(RangeError);
  });

  it('validationSplit is stratified: round(n * fraction) images, each class its share (largest remainders), seeded', () => {
    const imbalanced = tinyDataset(40);
    const labels = new Uint8Array(40);
    for (let i = 0; i < 40; i++) labels[i] = i < 30 ? 0 : i < 38 ? 1 : 2;
    const skewed = { ...imbalanced, labels, numClasses: 3 };
    const { train, validation } = validationSplit(skewed, 0.25, 11);
    const count = (d: ImageDataset, c: number) => [...d.labels].filter((l) => l === c).length;
    // Class sizes 30, 8, 2, quotas 7.5, 2, 0.5: floors 7 + 2 + 0 = 9 of round(40 * 0.25) = 10; the
    // one left goes to the largest remainder (0.5, a tie of classes 0 and 2: the lower class).
    expect([0, 1, 2].map((c) => count(validation, c))).toEqual([8, 2, 0]);
    expect([0, 1, 2].map((c) => count(train, c))).toEqual([22, 6, 2]);
    expect(validationSplit(skewed, 0.25, 12).validation.images).not.toEqual(validation.images);
  });
});
