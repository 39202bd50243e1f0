import { describe, expect, it } from 'vitest';
import { gaussianBlurInto, gaussianKernel1d, randomGaussianBlurInto } from '../../../core/data/augmentations/blur.js';
import { grayscaleInto, randomGrayscaleInto } from '../../../core/data/augmentations/grayscale.js';
import { Rng } from '../../../core/data/rng.js';
import { makeImage, noiseImage, pixel, shapeOf } from './helpers.js';

describe('grayscaleInto', () => {
  it('uses the ITU-R 601-2 luma weights on all three channels', () => {
    const shape = shapeOf(1, 4, 3);
    const src = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 100, 50, 200]);
    const dst = new Uint8Array(12);
    grayscaleInto(src, dst, shape);
    expect(pixel(dst, shape, 0, 0)).toEqual([76, 76, 76]); // 0.299 * 255 = 76.2
    expect(pixel(dst, shape, 0, 1)).toEqual([150, 150, 150]); // 0.587 * 255 = 149.7
    expect(pixel(dst, shape, 0, 2)).toEqual([29, 29, 29]); // 0.114 * 255 = 29.1
    expect(pixel(dst, shape, 0, 3)).toEqual([82, 82, 82]); // 29.9 + 29.35 + 22.8 = 82.05
  });

  it('is a no-op on 1-channel images and random with probability p', () => {
    const g = shapeOf(2, 2, 1);
    const src = Uint8Array.from([1, 2, 3, 4]);
    const dst = new Uint8Array(4);
    grayscaleInto(src, dst, g);
    expect(dst).toEqual(src);
    const rgb = shapeOf(1, 1, 3);
    const rng = new Rng(5);
    const out = new Uint8Array(3);
    let n = 0;
    for (let i = 0; i < 2000; i++) if (randomGrayscaleInto(Uint8Array.from([200, 10, 10]), out, rgb, rng, { p: 0.2 })) n++;
    expect(n).toBeGreaterThan(320);
    expect(n).toBeLessThan(480);
  });
});

describe('gaussian blur', () => {
  it('builds the normalised torchvision kernel', () => {
    const k = gaussianKernel1d(5, 1);
    const raw = [-2, -1, 0, 1, 2].map((x) => Math.exp(-0.5 * x * x));
    const sum = raw.reduce((a, b) => a + b, 0);
    expect([...k].map((v) => +v.toFixed(12))).toEqual(raw.map((v) => +(v / sum).toFixed(12)));
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('blurs an impulse into the (outer product of the) normalised kernel', () => {
    const shape = shapeOf(9, 9, 1);
    const src = makeImage(shape, (y, x) => (y === 4 && x === 4 ? 255 : 0));
    const dst = new Uint8Array(81);
    const k = gaussianKernel1d(5, 1.2);
    gaussianBlurInto(src, dst, shape, k);
    for (let y = 0; y < 9; y++) {
      for (let x = 0; x < 9; x++) {
        const dy = y - 2;
        const dx = x - 2;
        const w = dy >= 0 && dy < 5 && dx >= 0 && dx < 5 ? k[dy]! * k[dx]! : 0;
        expect(Math.abs(dst[y * 9 + x]! - 255 * w)).toBeLessThanOrEqual(0.5 + 1e-4);
      }
    }
    expect(dst[40]).toBe(Math.round(255 * k[2]! * k[2]!));
  });

  it('keeps a constant image, reflects at the edges, blurs channels independently', () => {
    const shape = shapeOf(4, 5, 3);
    const flat = makeImage(shape, (_y, _x, c) => 40 + 50 * c);
    const dst = new Uint8Array(flat.length);
    gaussianBlurInto(flat, dst, shape, gaussianKernel1d(3, 2));
    expect(dst).toEqual(flat);
    // A vertical edge at column 0 (value 90): reflect padding mirrors column 1, not the edge itself.
    const g = shapeOf(1, 3, 1);
    const edge = Uint8Array.from([90, 0, 0]);
    const out = new Uint8Array(3);
    const k = gaussianKernel1d(3, 1);
    gaussianBlurInto(edge, out, g, k);
    expect(out[0]).toBe(Math.round(90 * k[1]!));
    expect(out[1]).toBe(Math.round(90 * k[0]!));
  });

  it('blurs with probability p and a sigma in range, in place', () => {
    const shape = shapeOf(6, 6, 1);
    const img = noiseImage(shape, 2);
    const copy = Uint8Array.from(img);
    const rng = new Rng(8);
    let blurred = 0;
    for (let i = 0; i < 400; i++) if (randomGaussianBlurInto(img, new Uint8Array(36), shape, rng, { p: 0.5 })) blurred++;
    expect(blurred).toBeGreaterThan(160);
    expect(blurred).toBeLessThan(240);
    expect(img).toEqual(copy);
    const inPlace = Uint8Array.from(img);
    const other = new Uint8Array(36);
    randomGaussianBlurInto(inPlace, inPlace, shape, new Rng(1), { p: 1, kernelSize: 3, sigma: [1, 1] });
    gaussianBlurInto(img, other, shape, gaussianKernel1d(3, 1));
    expect(inPlace).toEqual(other);
  });
});
