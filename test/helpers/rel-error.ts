import { expect } from 'vitest';

/**
 * Relative error max|a-b| / max(max|b|, 1e-6). Normalising by the largest reference magnitude
 * (not element-wise) keeps entries that nearly cancel to ~0 from dominating: XNNPACK and the cpu
 * loops sum in different orders, so such entries differ by float32 rounding of the large
 * partial sums, not by a bug. Any real indexing/padding error shows up as O(1).
 */
export function relError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / Math.max(scale, 1e-6);
}
