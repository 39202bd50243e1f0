import { describe, expect, it } from 'vitest';
import { augmentInto, drawTransform, transformInto } from '../../core/data/augment.js';
import { Rng } from '../../core/data/rng.js';

/** A 3x4 RGB image whose pixel (y, x) channel c is 100y + 10x + c + 1. */
const shape = { height: 3, width: 4, channels: 3 };
const src = Uint8Array.from({ length: 36 }, (_, i) => {
  const p = Math.floor(i / 3);
  return 100 * Math.floor(p / 4) + 10 * (p % 4) + (i % 3) + 1;
});
const at = (img: Uint8Array, y: number, x: number) => [...img.subarray((y * 4 + x) * 3, (y * 4 + x) * 3 + 3)];

describe('transformInto', () => {
  it('flips horizontally', () => {
    const dst = new Uint8Array(36);
    transformInto(src, dst, shape, { flip: true, shiftY: 0, shiftX: 0 });
    expect(at(dst, 0, 0)).toEqual(at(src, 0, 3));
    expect(at(dst, 2, 1)).toEqual(at(src, 2, 2));
    transformInto(src, dst, shape, { flip: false, shiftY: 0, shiftX: 0 });
    expect(dst).toEqual(src);
  });

  it('crops a zero-padded image at a shift', () => {
    const dst = new Uint8Array(36).fill(77);
    transformInto(src, dst, shape, { flip: false, shiftY: 1, shiftX: -2 });
    expect(at(dst, 0, 2)).toEqual(at(src, 1, 0));
    expect(at(dst, 1, 3)).toEqual(at(src, 2, 1));
    expect(at(dst, 0, 1)).toEqual([0, 0, 0]);
    expect(at(dst, 2, 3)).toEqual([0, 0, 0]);
  });

  it('shifts a 28x28 grayscale image by up to the padding of 4', () => {
    const img = new Uint8Array(28 * 28);
    img[10 * 28 + 10] = 255;
    const dst = new Uint8Array(28 * 28);
    transformInto(img, dst, { height: 28, width: 28, channels: 1 }, { flip: true, shiftY: -4, shiftX: 4 });
    // dst(y, x) = src(y - 4, 27 - x + 4): the bright pixel lands at y = 14, x = 21.
    expect(dst.indexOf(255)).toBe(14 * 28 + 21);
    expect(dst.reduce((a, b) => a + b, 0)).toBe(255);
  });
});

describe('augmentInto', () => {
  it('is deterministic for a seed and stays within the padding', () => {
    const a = new Uint8Array(36);
    const b = new Uint8Array(36);
    augmentInto(src, a, shape, new Rng(3));
    augmentInto(src, b, shape, new Rng(3));
    expect(a).toEqual(b);
    const rng = new Rng(9);
    for (let i = 0; i < 200; i++) {
      const t = drawTransform(rng, { padding: 2 });
      expect(Math.abs(t.shiftY)).toBeLessThanOrEqual(2);
      expect(Math.abs(t.shiftX)).toBeLessThanOrEqual(2);
    }
  });

  it('flips with the given probability and not at all with 0', () => {
    const rng = new Rng(1);
    const flips = Array.from({ length: 2000 }, () => drawTransform(rng, { flipProbability: 0.5 }).flip).filter(Boolean).length;
    expect(flips).toBeGreaterThan(900);
    expect(flips).toBeLessThan(1100);
    const dst = new Uint8Array(36);
    augmentInto(src, dst, shape, new Rng(5), { flipProbability: 0, padding: 0 });
    expect(dst).toEqual(src);
  });
});
