import { describe, expect, it } from 'vitest';
import { batchCount, makeBatches } from '../../core/data/batcher.js';
import { Rng } from '../../core/data/rng.js';
import { tinyDataset } from './helpers.js';

const ds = tinyDataset(10, 4, 4, 1, 3);
const plain = { mean: [0], std: [1] };

describe('makeBatches', () => {
  it('walks the dataset in order, normalised, with a smaller last batch', () => {
    const batches = [...makeBatches(ds, { batchSize: 4, shuffle: false, ...plain })];
    expect(batches.map((b) => b.size)).toEqual([4, 4, 2]);
    expect(batches.length).toBe(batchCount(10, 4));
    expect(batches[1]!).toMatchObject({ height: 4, width: 4, channels: 1 });
    expect([...batches[1]!.labels]).toEqual([1, 2, 0, 1]);
    expect(batches[0]!.x[16 + 3]).toBeCloseTo((16 + 3) / 255, 6);
    expect(batches[2]!.x.length).toBe(2 * 16);
  });

  it('drops the last partial batch when asked', () => {
    const batches = [...makeBatches(ds, { batchSize: 4, shuffle: false, dropLast: true, ...plain })];
    expect(batches.map((b) => b.size)).toEqual([4, 4]);
    expect(batchCount(10, 4, true)).toBe(2);
  });

  it('shuffles every image exactly once, deterministically for an rng state', () => {
    const run = (seed: number) => [...makeBatches(ds, { batchSize: 3, shuffle: true, rng: new Rng(seed), augment: {}, mean: [0.5], std: [0.25] })];
    const a = run(11);
    const b = run(11);
    expect(a.map((x) => [...x.x])).toEqual(b.map((x) => [...x.x]));
    expect(a.map((x) => [...x.labels])).toEqual(b.map((x) => [...x.labels]));
    expect(a.map((x) => [...x.x])).not.toEqual(run(12).map((x) => [...x.x]));
    const seen = [...makeBatches(ds, { batchSize: 3, shuffle: true, rng: new Rng(11), ...plain })]
      .flatMap((batch) => Array.from({ length: batch.size }, (_, k) => Math.round(batch.x[k * 16]! * 255) / 16));
    expect([...seen].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('resumes identically from a saved rng state', () => {
    const rng = new Rng(4);
    const saved = rng.getState();
    const first = [...makeBatches(ds, { batchSize: 5, shuffle: true, rng, augment: { padding: 1 }, ...plain })];
    const again = new Rng(0);
    again.setState(saved);
    const second = [...makeBatches(ds, { batchSize: 5, shuffle: true, rng: again, augment: { padding: 1 }, ...plain })];
    expect(second.map((b) => [...b.x])).toEqual(first.map((b) => [...b.x]));
  });

  it('checks its options', () => {
    expect(() => makeBatches(ds, { batchSize: 0, shuffle: false, ...plain }).next()).toThrow(RangeError);
    expect(() => makeBatches(ds, { batchSize: 2, shuffle: true, ...plain }).next()).toThrow(/needs an rng/);
    expect(() => makeBatches(ds, { batchSize: 2, shuffle: false, mean: [0, 0], std: [1, 1] }).next()).toThrow(/one per channel/);
  });
});
