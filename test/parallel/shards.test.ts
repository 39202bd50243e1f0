import { describe, expect, it } from 'vitest';
import { shardOffsets, shardSizes } from '../../core/parallel/shards.js';

describe('shardSizes', () => {
  it('splits evenly when it can, else the first shards take one more', () => {
    expect(shardSizes(128, 2)).toEqual([64, 64]);
    expect(shardSizes(7, 2)).toEqual([4, 3]);
    expect(shardSizes(10, 4)).toEqual([3, 3, 2, 2]);
    expect(shardSizes(1, 2)).toEqual([1, 0]);
  });

  it('refuses sizes that are not counts', () => {
    expect(() => shardSizes(-1, 2)).toThrow(/batch size must be a non-negative integer, got -1/);
    expect(() => shardSizes(8, 0)).toThrow(/replicas must be an integer >= 1, got 0/);
  });
});

describe('shardOffsets', () => {
  it('starts every shard where the previous one ends', () => {
    expect(shardOffsets([4, 3])).toEqual([0, 4]);
    expect(shardOffsets([3, 3, 2, 2])).toEqual([0, 3, 6, 8]);
  });
});
