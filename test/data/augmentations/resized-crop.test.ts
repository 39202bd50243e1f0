import { describe, expect, it } from 'vitest';
import { drawResizedCropBox, randomResizedCropInto, resizedCropInto, type CropBox } from '../../../core/data/augmentations/resized-crop.js';
import { Rng } from '../../../core/data/rng.js';
import { makeImage, noiseImage, shapeOf } from './helpers.js';

describe('drawResizedCropBox', () => {
  it('draws areas in scale and aspect ratios in ratio (torchvision defaults), inside the image', () => {
    const rng = new Rng(21);
    const H = 224;
    const W = 224;
    let minArea = 1;
    let maxArea = 0;
    let minRatio = Infinity;
    let maxRatio = 0;
    let inside = true;
    for (let i = 0; i < 3000; i++) {
      const b = drawResizedCropBox(rng, H, W);
      inside &&= b.top >= 0 && b.left >= 0 && b.top + b.height <= H && b.left + b.width <= W;
      const area = (b.height * b.width) / (H * W);
      const ratio = b.width / b.height;
      minArea = Math.min(minArea, area);
      maxArea = Math.max(maxArea, area);
      minRatio = Math.min(minRatio, ratio);
      maxRatio = Math.max(maxRatio, ratio);
    }
    expect(inside).toBe(true);
    // Whole-pixel rounding moves area and ratio by a few percent at most at this size.
    expect(minArea).toBeGreaterThan(0.08 * 0.97);
    expect(minArea).toBeLessThan(0.12);
    expect(maxArea).toBeLessThanOrEqual(1);
    expect(maxArea).toBeGreaterThan(0.9);
    expect(minRatio).toBeGreaterThan((3 / 4) * 0.97);
    expect(maxRatio).toBeLessThan((4 / 3) * 1.03);
    expect(minRatio).toBeLessThan(0.8);
    expect(maxRatio).toBeGreaterThan(1.25);
  });

  it('honours a milder scale on 28x28', () => {
    const rng = new Rng(4);
    const box: CropBox = { top: 0, left: 0, height: 0, width: 0 };
    let minArea = 1;
    let inside = true;
    for (let i = 0; i < 2000; i++) {
      const b = drawResizedCropBox(rng, 28, 28, [0.5, 1], [3 / 4, 4 / 3], box);
      minArea = Math.min(minArea, (b.height * b.width) / 784);
      inside &&= b === box && b.top + b.height <= 28 && b.left + b.width <= 28;
    }
    expect(inside).toBe(true);
    expect(minArea).toBeGreaterThan(0.44);
    expect(minArea).toBeLessThan(0.55);
  });

  it('falls back to the central crop with the ratio clamped when nothing fits', () => {
    const b = drawResizedCropBox(new Rng(1), 10, 10, [1, 1], [2, 3]);
    expect(b).toEqual({ top: 2, left: 0, height: 5, width: 10 });
    const c = drawResizedCropBox(new Rng(1), 10, 10, [1, 1], [0.2, 0.3]);
    expect(c).toEqual({ top: 0, left: 3, height: 10, width: 3 });
  });
});

describe('resizedCropInto', () => {
  it('is the identity for the whole image', () => {
    const shape = shapeOf(5, 7, 3);
    const img = noiseImage(shape, 3);
    const dst = new Uint8Array(img.length);
    resizedCropInto(img, dst, shape, { top: 0, left: 0, height: 5, width: 7 });
    expect(dst).toEqual(img);
  });

  it('upsamples a window bilinearly with half-pixel centres', () => {
    const shape = shapeOf(4, 4, 1);
    const vals = [
      [0, 100],
      [200, 40],
    ];
    const src = makeImage(shape, (y, x) => (y >= 1 && y <= 2 && x >= 2 ? vals[y - 1]![x - 2]! : 7));
    const dst = new Uint8Array(16);
    resizedCropInto(src, dst, shape, { top: 1, left: 2, height: 2, width: 2 });
    const rows = Array.from({ length: 4 }, (_, y) => [...dst.subarray(4 * y, 4 * y + 4)]);
    expect(rows[0]).toEqual([0, 25, 75, 100]);
    expect(rows[3]).toEqual([200, 160, 80, 40]);
    expect(rows[1]![0]).toBe(50); // 0.75 * 0 + 0.25 * 200
    expect(rows[1]![3]).toBe(85); // 0.75 * 100 + 0.25 * 40
  });

  it('is deterministic for a seed', () => {
    const shape = shapeOf(28, 28, 1);
    const img = noiseImage(shape, 8);
    const a = new Uint8Array(img.length);
    const b = new Uint8Array(img.length);
    randomResizedCropInto(img, a, shape, new Rng(5));
    randomResizedCropInto(img, b, shape, new Rng(5));
    expect(a).toEqual(b);
    randomResizedCropInto(img, b, shape, new Rng(6));
    expect(a).not.toEqual(b);
  });
});
