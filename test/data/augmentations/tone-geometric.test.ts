import { describe, expect, it } from 'vitest';
import { rotateInto, shearXInto, shearYInto, translateInto } from '../../../core/data/augmentations/geometric.js';
import { autoContrastInto, equalizeInto, invertInto, posterizeInto, sharpnessInto, solarizeInto } from '../../../core/data/augmentations/tone.js';
import { makeImage, noiseImage, shapeOf } from './helpers.js';

const row = shapeOf(1, 6, 1);

describe('tone ops', () => {
  it('posterize keeps the top bits', () => {
    const src = Uint8Array.from([183, 255, 15, 16, 128, 0]);
    const dst = new Uint8Array(6);
    posterizeInto(src, dst, row, 4);
    expect([...dst]).toEqual([176, 240, 0, 16, 128, 0]);
    posterizeInto(src, dst, row, 1);
    expect([...dst]).toEqual([128, 128, 0, 0, 128, 0]);
    posterizeInto(src, dst, row, 8);
    expect(dst).toEqual(src);
  });

  it('solarize inverts values at or above the threshold; invert inverts all', () => {
    const src = Uint8Array.from([0, 100, 127, 128, 200, 255]);
    const dst = new Uint8Array(6);
    solarizeInto(src, dst, row, 128);
    expect([...dst]).toEqual([0, 100, 127, 127, 55, 0]);
    solarizeInto(src, dst, row, 256);
    expect(dst).toEqual(src);
    invertInto(src, dst, row);
    expect([...dst]).toEqual([255, 155, 128, 127, 55, 0]);
  });

  it('autocontrast stretches each channel to [0, 255]', () => {
    const shape = shapeOf(1, 3, 2);
    const src = Uint8Array.from([50, 9, 75, 9, 150, 9]); // channel 0 in [50, 150]; channel 1 constant
    const dst = new Uint8Array(6);
    autoContrastInto(src, dst, shape);
    expect([...dst]).toEqual([0, 9, 64, 9, 255, 9]); // (75 - 50) * 2.55 = 63.75
  });

  it('equalize follows the PIL / torchvision histogram lut', () => {
    // 32x32: 256 pixels of 0, 256 of 50, 512 of 100 -> step floor(512 / 255) = 2;
    // lut(50) = floor((256 + 1) / 2) = 128, lut(100) = min(255, floor((512 + 1) / 2)) = 255.
    const shape = shapeOf(32, 32, 1);
    const src = makeImage(shape, (y) => (y < 8 ? 0 : y < 16 ? 50 : 100));
    const dst = new Uint8Array(src.length);
    equalizeInto(src, dst, shape);
    expect(dst[0]).toBe(0);
    expect(dst[8 * 32]).toBe(128);
    expect(dst[16 * 32]).toBe(255);
    // Too few pixels below the top value (step 0): unchanged.
    const small = Uint8Array.from([3, 3, 9, 200, 200, 200]);
    const out = new Uint8Array(6);
    equalizeInto(small, out, row);
    expect(out).toEqual(small);
  });

  it('sharpness blends with the 3x3 smoothed image, keeping the border', () => {
    const shape = shapeOf(3, 3, 1);
    const src = makeImage(shape, (y, x) => (y === 1 && x === 1 ? 100 : 10));
    const dst = new Uint8Array(9);
    sharpnessInto(src, dst, shape, 2);
    // smooth(centre) = round((8 * 10 + 5 * 100) / 13) = 45; 2 * 100 - 45 = 155.
    expect([...dst]).toEqual([10, 10, 10, 10, 155, 10, 10, 10, 10]);
    sharpnessInto(src, dst, shape, 0);
    expect(dst[4]).toBe(45);
    sharpnessInto(src, dst, shape, 1);
    expect(dst).toEqual(src);
  });
});

describe('geometric ops', () => {
  const shape = shapeOf(4, 4, 1);
  const src = makeImage(shape, (y, x) => 1 + 4 * y + x);
  const grid = (img: Uint8Array) => Array.from({ length: 4 }, (_, y) => [...img.subarray(4 * y, 4 * y + 4)]);

  it('translates by whole pixels with zero fill', () => {
    const dst = new Uint8Array(16);
    translateInto(src, dst, shape, 1, 0);
    expect(grid(dst)).toEqual([[0, 1, 2, 3], [0, 5, 6, 7], [0, 9, 10, 11], [0, 13, 14, 15]]);
    translateInto(src, dst, shape, 0, -2);
    expect(grid(dst)).toEqual([[9, 10, 11, 12], [13, 14, 15, 16], [0, 0, 0, 0], [0, 0, 0, 0]]);
  });

  it('rotates counter-clockwise about the centre', () => {
    const dst = new Uint8Array(16);
    rotateInto(src, dst, shape, 90);
    expect(grid(dst)).toEqual([[4, 8, 12, 16], [3, 7, 11, 15], [2, 6, 10, 14], [1, 5, 9, 13]]);
    rotateInto(src, dst, shape, 0);
    expect(dst).toEqual(src);
  });

  it('shears about the top-left corner', () => {
    const dst = new Uint8Array(16);
    // dst(X, Y) = src(X + m Y, Y) at pixel centres X = x + 0.5, Y = y + 0.5 (nearest = floor):
    // m = 1 reads row y at x + y + 1, i.e. shifts it left by y + 1.
    shearXInto(src, dst, shape, 1);
    expect(grid(dst)).toEqual([[2, 3, 4, 0], [7, 8, 0, 0], [12, 0, 0, 0], [0, 0, 0, 0]]);
    shearYInto(src, dst, shape, -1);
    // dst(X, Y) = src(X, Y - X): column x reads row y - x (the half-pixel offsets cancel; < 0 is fill).
    expect(grid(dst)).toEqual([[1, 0, 0, 0], [5, 2, 0, 0], [9, 6, 3, 0], [13, 10, 7, 4]]);
    shearYInto(src, dst, shape, 0);
    expect(dst).toEqual(src);
    const big = shapeOf(8, 8, 3);
    const img = noiseImage(big, 6);
    const out = new Uint8Array(img.length);
    shearXInto(img, out, big, 0.3);
    expect(out.subarray(0, 24)).toEqual(img.subarray(0, 24)); // row 0 moves by 0.15 px: unchanged
  });
});
