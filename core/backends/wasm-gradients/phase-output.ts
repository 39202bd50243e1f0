import type { TensorInfo } from '@tensorflow/tfjs';
import type { KernelScope } from './kernel-scope.js';
import { reshape, slice, transpose } from './layout.js';

/**
 * Turns phase-major data [N, Hq, Wq, sh*sw*C] (channel index
 * (p_h*sw + p_w)*C + c holds position (q_h*sh + p_h, q_w*sw + p_w)) into
 * [N, H, W, C]: interleaves the phases spatially and crops the rows/columns
 * beyond the input size.
 */
export function assemblePhases(
  scope: KernelScope,
  phased: TensorInfo,
  strides: readonly [number, number],
  inShape: readonly number[],
): TensorInfo {
  const [n, h, w, c] = inShape;
  const [sh, sw] = strides;
  const [, hq, wq] = phased.shape;
  let full = phased;
  if (sh * sw > 1) {
    const split = reshape(scope, phased, [n * hq, wq, sh, sw * c]);
    full = reshape(scope, transpose(scope, split, [0, 2, 1, 3]), [n, hq * sh, wq * sw, c]);
  }
  return hq * sh === h && wq * sw === w ? full : slice(scope, full, [0, 0, 0, 0], [n, h, w, c]);
}
