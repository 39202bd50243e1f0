import { describe, expect, it } from 'vitest';
import { autoAugmentInto, IMAGENET_POLICY } from '../../../core/data/augmentations/auto-augment.js';
import { applyPolicyOp, isSigned, opMagnitude } from '../../../core/data/augmentations/policy-ops.js';
import { RAND_AUGMENT_OPS, randAugmentInto } from '../../../core/data/augmentations/rand-augment.js';
import { Rng } from '../../../core/data/rng.js';
import { noiseImage, sameBytes, shapeOf } from './helpers.js';

const gray = shapeOf(28, 28, 1);
const rgb = shapeOf(32, 32, 3);

function runMany(fn: (src: Uint8Array, dst: Uint8Array, rng: Rng) => void, shape: typeof gray, seed: number, count = 20): Uint8Array {
  const rng = new Rng(seed);
  const size = shape.height * shape.width * shape.channels;
  const out = new Uint8Array(size * count);
  for (let i = 0; i < count; i++) fn(noiseImage(shape, i + 1), out.subarray(i * size, (i + 1) * size), rng);
  return out;
}

describe('policy op magnitudes (torchvision tables)', () => {
  it('match RandAugment at level 9 of 31', () => {
    expect(opMagnitude('ShearX', 9, 31, gray)).toBeCloseTo(0.09, 12);
    expect(opMagnitude('TranslateX', 9, 31, gray)).toBeCloseTo((150 / 331) * 28 * 0.3, 12);
    expect(opMagnitude('Rotate', 9, 31, gray)).toBeCloseTo(9, 12);
    expect(opMagnitude('Brightness', 9, 31, gray)).toBeCloseTo(0.27, 12);
    expect(opMagnitude('Posterize', 9, 31, gray)).toBe(7);
    expect(opMagnitude('Posterize', 30, 31, gray)).toBe(4);
    expect(opMagnitude('Solarize', 9, 31, gray)).toBeCloseTo(178.5, 12);
    expect(opMagnitude('Equalize', 9, 31, gray)).toBe(0);
  });

  it('match AutoAugment levels of 10', () => {
    expect(opMagnitude('Posterize', 8, 10, gray)).toBe(4);
    expect(opMagnitude('Posterize', 5, 10, gray)).toBe(6);
    expect(opMagnitude('Rotate', 9, 10, gray)).toBeCloseTo(30, 12);
    expect(opMagnitude('Solarize', 5, 10, gray)).toBeCloseTo(255 * (4 / 9), 12);
  });
});

describe('randAugmentInto', () => {
  it('lists torchvision ops and is deterministic under a seed', () => {
    expect(RAND_AUGMENT_OPS).toHaveLength(14);
    for (const shape of [gray, rgb]) {
      const fn = (s: Uint8Array, d: Uint8Array, r: Rng) => randAugmentInto(s, d, shape, r, { n: 2, m: 9 });
      const a = runMany(fn, shape, 3);
      expect(sameBytes(runMany(fn, shape, 3), a)).toBe(true);
      expect(sameBytes(runMany(fn, shape, 4), a)).toBe(false);
    }
  });

  it('draws an op, then a sign for signed ops, n times, and applies them in order', () => {
    const tmp = new Uint8Array(28 * 28);
    for (let seed = 0; seed < 40; seed++) {
      const src = noiseImage(gray, seed + 100);
      const replay = new Rng(seed);
      let expected = Uint8Array.from(src);
      for (let k = 0; k < 3; k++) {
        const op = RAND_AUGMENT_OPS[replay.nextInt(RAND_AUGMENT_OPS.length)]!;
        let mag = opMagnitude(op, 12, 31, gray);
        if (isSigned(op) && replay.next() < 0.5) mag = -mag;
        const next = new Uint8Array(expected.length);
        applyPolicyOp(op, expected, next, gray, mag);
        expected = next;
      }
      const dst = new Uint8Array(src.length);
      const rng = new Rng(seed);
      randAugmentInto(src, dst, gray, rng, { n: 3, m: 12 }, tmp);
      expect(sameBytes(dst, expected)).toBe(true);
      expect(rng.getState()).toBe(replay.getState());
      expect(sameBytes(src, noiseImage(gray, seed + 100))).toBe(true);
    }
  });

  it('with n = 0 copies the image', () => {
    const src = noiseImage(gray, 1);
    const dst = new Uint8Array(src.length);
    randAugmentInto(src, dst, gray, new Rng(1), { n: 0 });
    expect(dst).toEqual(src);
  });
});

describe('autoAugmentInto', () => {
  it("holds torchvision's 25 ImageNet sub-policies", () => {
    expect(IMAGENET_POLICY).toHaveLength(25);
    for (const sub of IMAGENET_POLICY) {
      expect(sub).toHaveLength(2);
      for (const [, p, level] of sub) {
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1);
        if (level !== null) expect(level).toBeLessThan(10);
      }
    }
    expect(IMAGENET_POLICY[0]).toEqual([['Posterize', 0.4, 8], ['Rotate', 0.6, 9]]);
  });

  it('is deterministic under a seed and draws 5 numbers per image', () => {
    for (const shape of [gray, rgb]) {
      const fn = (s: Uint8Array, d: Uint8Array, r: Rng) => autoAugmentInto(s, d, shape, r, 'imagenet');
      const a = runMany(fn, shape, 9);
      expect(sameBytes(runMany(fn, shape, 9), a)).toBe(true);
      expect(sameBytes(runMany(fn, shape, 10), a)).toBe(false);
    }
    const rng = new Rng(3);
    const ref = new Rng(3);
    for (let i = 0; i < 5; i++) ref.next();
    autoAugmentInto(noiseImage(rgb), new Uint8Array(32 * 32 * 3), rgb, rng);
    expect(rng.getState()).toBe(ref.getState());
  });

  it('applies each step of the drawn sub-policy when its uniform <= p', () => {
    for (let seed = 0; seed < 60; seed++) {
      const src = noiseImage(rgb, seed + 7);
      const r = new Rng(seed);
      const sub = IMAGENET_POLICY[r.nextInt(25)]!;
      const u = [r.next(), r.next()];
      const signs = [r.nextInt(2), r.nextInt(2)];
      let expected = Uint8Array.from(src);
      sub.forEach(([op, p, level], i) => {
        if (u[i]! > p) return;
        let mag = level === null ? 0 : opMagnitude(op, level, 10, rgb);
        if (isSigned(op) && signs[i] === 0) mag = -mag;
        const next = new Uint8Array(expected.length);
        applyPolicyOp(op, expected, next, rgb, mag);
        expected = next;
      });
      const dst = new Uint8Array(src.length);
      autoAugmentInto(src, dst, rgb, new Rng(seed));
      expect(sameBytes(dst, expected)).toBe(true);
    }
  });
});
