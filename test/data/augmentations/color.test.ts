import { describe, expect, it } from 'vitest';
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation, colorJitterInto, meanGray } from '../../../core/data/augmentations/color.js';
import { Rng } from '../../../core/data/rng.js';
import { makeImage, noiseImage, pixel, shapeOf } from './helpers.js';

const gray1 = shapeOf(1, 4, 1);

describe('adjustBrightness', () => {
  it('multiplies by the factor, rounded and clipped at 255', () => {
    const src = Uint8Array.from([100, 200, 0, 3]);
    const dst = new Uint8Array(4);
    adjustBrightness(src, dst, gray1, 1.5);
    expect([...dst]).toEqual([150, 255, 0, 5]);
    adjustBrightness(src, dst, gray1, 0);
    expect([...dst]).toEqual([0, 0, 0, 0]);
  });

  it('runs in place', () => {
    const img = Uint8Array.from([100, 10, 20, 30]);
    adjustBrightness(img, img, gray1, 0.5);
    expect([...img]).toEqual([50, 5, 10, 15]);
  });
});

describe('adjustContrast', () => {
  it('blends with the mean grey level', () => {
    const src = Uint8Array.from([50, 150, 50, 150]);
    const dst = new Uint8Array(4);
    adjustContrast(src, dst, gray1, 2);
    expect([...dst]).toEqual([0, 200, 0, 200]);
    adjustContrast(src, dst, gray1, 0.5);
    expect([...dst]).toEqual([75, 125, 75, 125]);
    adjustContrast(src, dst, gray1, 0);
    expect([...dst]).toEqual([100, 100, 100, 100]);
  });

  it('uses the mean luma of an RGB image', () => {
    const shape = shapeOf(1, 2, 3);
    const src = Uint8Array.from([255, 0, 0, 0, 0, 255]);
    expect(meanGray(src, shape)).toBeCloseTo((0.299 * 255 + 0.114 * 255) / 2, 10);
    const dst = new Uint8Array(6);
    adjustContrast(src, dst, shape, 0);
    expect([...dst]).toEqual(Array(6).fill(Math.round((0.299 * 255 + 0.114 * 255) / 2)));
  });
});

describe('adjustSaturation', () => {
  const rgb = shapeOf(1, 1, 3);

  it('blends each pixel with its luma', () => {
    const src = Uint8Array.from([100, 50, 0]); // luma 0.299*100 + 0.587*50 = 59.25
    const dst = new Uint8Array(3);
    adjustSaturation(src, dst, rgb, 0);
    expect([...dst]).toEqual([59, 59, 59]);
    adjustSaturation(src, dst, rgb, 2);
    expect([...dst]).toEqual([141, 41, 0]);
    adjustSaturation(src, dst, rgb, 1);
    expect([...dst]).toEqual([100, 50, 0]);
  });

  it('is a no-op on 1-channel images', () => {
    const src = Uint8Array.from([10, 20, 30, 40]);
    const dst = new Uint8Array(4);
    adjustSaturation(src, dst, gray1, 0);
    expect(dst).toEqual(src);
    adjustHue(src, dst, gray1, 0.3);
    expect(dst).toEqual(src);
  });
});

describe('adjustHue', () => {
  const rgb = shapeOf(1, 3, 3);
  const src = Uint8Array.from([255, 0, 0, 0, 255, 0, 90, 90, 90]);

  it('rotates hue: red -> green -> blue by a third of a turn, greys unchanged', () => {
    const dst = new Uint8Array(9);
    adjustHue(src, dst, rgb, 1 / 3);
    expect(pixel(dst, rgb, 0, 0)).toEqual([0, 255, 0]);
    expect(pixel(dst, rgb, 0, 1)).toEqual([0, 0, 255]);
    expect(pixel(dst, rgb, 0, 2)).toEqual([90, 90, 90]);
    adjustHue(src, dst, rgb, -1 / 3);
    expect(pixel(dst, rgb, 0, 0)).toEqual([0, 0, 255]);
  });

  it('is the identity at 0 and keeps value and saturation', () => {
    const shape = shapeOf(4, 4, 3);
    const img = noiseImage(shape, 3);
    const dst = new Uint8Array(img.length);
    adjustHue(img, dst, shape, 0);
    expect(dst).toEqual(img);
    adjustHue(img, dst, shape, 0.17);
    for (let i = 0; i < img.length; i += 3) {
      const before = [img[i]!, img[i + 1]!, img[i + 2]!];
      const after = [dst[i]!, dst[i + 1]!, dst[i + 2]!];
      expect(Math.abs(Math.max(...after) - Math.max(...before))).toBeLessThanOrEqual(1);
      expect(Math.abs(Math.min(...after) - Math.min(...before))).toBeLessThanOrEqual(1);
    }
  });
});

describe('colorJitterInto', () => {
  it('draws brightness factors in [1 - s, 1 + s]', () => {
    const src = Uint8Array.from([100, 100, 100, 100]);
    const dst = new Uint8Array(4);
    const rng = new Rng(7);
    let lo = 255;
    let hi = 0;
    for (let i = 0; i < 500; i++) {
      colorJitterInto(src, dst, gray1, rng, { brightness: 0.5, contrast: 0, saturation: 0 });
      lo = Math.min(lo, dst[0]!);
      hi = Math.max(hi, dst[0]!);
    }
    expect(lo).toBeGreaterThanOrEqual(50);
    expect(hi).toBeLessThanOrEqual(150);
    expect(lo).toBeLessThan(55);
    expect(hi).toBeGreaterThan(145);
  });

  it('applies the adjustments in a random order drawn first (torchvision: randperm, then factors)', () => {
    const shape = shapeOf(2, 2, 3);
    const img = noiseImage(shape, 4);
    const s = 0.6;
    const ops = [adjustBrightness, adjustContrast, adjustSaturation];
    let brightnessFirst = 0;
    for (let seed = 0; seed < 60; seed++) {
      // Replays the documented draws: a Fisher-Yates permutation of 4, then one factor per enabled op.
      const r = new Rng(seed);
      const order = [0, 1, 2, 3];
      for (let i = 3; i > 0; i--) {
        const j = r.nextInt(i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const factors = [0, 1, 2].map(() => 1 - s + 2 * s * r.next());
      const expected = Uint8Array.from(img);
      for (const op of order) if (op < 3) ops[op]!(expected, expected, shape, factors[op]!);
      if (order.indexOf(0) < order.indexOf(1)) brightnessFirst++;
      const dst = new Uint8Array(img.length);
      colorJitterInto(img, dst, shape, new Rng(seed), { brightness: s, contrast: s, saturation: s });
      expect(dst).toEqual(expected);
    }
    expect(brightnessFirst).toBeGreaterThan(10);
    expect(brightnessFirst).toBeLessThan(50);
  });

  it('with p = 0 or all strengths 0 leaves the image as it is', () => {
    const shape = shapeOf(3, 3, 3);
    const img = noiseImage(shape, 9);
    const dst = new Uint8Array(img.length);
    colorJitterInto(img, dst, shape, new Rng(1), { p: 0 });
    expect(dst).toEqual(img);
    colorJitterInto(img, dst, shape, new Rng(1), { brightness: 0, contrast: 0, saturation: 0, hue: 0 });
    expect(dst).toEqual(img);
  });

  it('leaves 1-channel images untouched by saturation and hue', () => {
    const shape = shapeOf(3, 3, 1);
    const img = makeImage(shape, (y, x) => 20 * y + 7 * x);
    const dst = new Uint8Array(img.length);
    colorJitterInto(img, dst, shape, new Rng(2), { brightness: 0, contrast: 0, saturation: 0.9, hue: 0.5 });
    expect(dst).toEqual(img);
  });
});
