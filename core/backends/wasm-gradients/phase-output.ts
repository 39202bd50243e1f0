import type { TensorInfo } from '@tensorflow/tfjs';
import type { KernelScope } from './kernel-scope.js';
import { reshape, slice, transpose } from './layout.js';
import type { PhasePlan } from './phase-filter.js';

/**
 * Turns the phase-major output of a combined phase conv, [N, Hq, Wq, sh*sw*C]
 * with channel index (p_h*sw + p_w)*C + c, into the input gradient
 * [N, H, W, C]: interleaves the phases spatially and crops the rows/columns
 * beyond the input size.
 */
export function assemblePhases(scope: KernelScope, phased: TensorInfo, plan: PhasePlan, inShape: readonly number[]): TensorInfo {
  const [n, h, w, c] = inShape;
  const sh = plan.rows.taps.length;
  const sw = plan.cols.taps.length;
  const hq = plan.rows.phaseLength;
  const wq = plan.cols.phaseLength;
  let full = phased;
  if (sh * sw > 1) {
    const split = reshape(scope, phased, [n * hq, wq, sh, sw * c]);
    full = reshape(scope, transpose(scope, split, [0, 2, 1, 3]), [n, hq * sh, wq * sw, c]);
  }
  return hq * sh === h && wq * sw === w ? full : slice(scope, full, [0, 0, 0, 0], [n, h, w, c]);
}
