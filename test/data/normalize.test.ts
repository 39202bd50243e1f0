import { describe, expect, it } from 'vitest';
import { channelStats, normalizeInto } from '../../core/data/normalize.js';
import type { ImageDataset } from '../../core/data/types.js';

describe('channelStats', () => {
  it('computes per-channel mean and population std in [0, 1] units', () => {
    const ds: ImageDataset = {
      images: Uint8Array.of(0, 255, 51, 255, 255, 51),
      labels: Uint8Array.of(0, 0),
      count: 2, height: 1, width: 1, channels: 3, numClasses: 1, classNames: ['x'],
    };
    const { mean, std } = channelStats(ds);
    expect(mean[0]).toBeCloseTo(0.5, 10);
    expect(mean[1]).toBeCloseTo(1, 10);
    expect(mean[2]).toBeCloseTo(0.2, 10);
    expect(std[0]).toBeCloseTo(0.5, 10);
    expect(std[1]).toBeCloseTo(0, 10);
    expect(std[2]).toBeCloseTo(0, 10);
  });
});

describe('normalizeInto', () => {
  it('writes (x/255 - mean) / std per channel at an offset', () => {
    const out = new Float32Array(6).fill(-9);
    normalizeInto(Uint8Array.of(0, 255, 51, 102), out, [0.5, 0.2], [0.5, 0.1], 2, 2);
    expect(out[0]).toBe(-9);
    expect(out[1]).toBe(-9);
    [-1, 8, -0.6, 2].forEach((v, i) => expect(out[2 + i]).toBeCloseTo(v, 5));
    expect(() => normalizeInto(new Uint8Array(8), out, [0], [1], 1)).toThrow(RangeError);
  });
});
