import { backend_util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { KernelScope } from './kernel-scope.js';
import { withKernelScope } from './kernel-scope.js';
import { frame, reshape, transpose } from './layout.js';
import { wasmSimdKernels } from '../wasm-simd/instance.js';
import { simdMaxPoolGrad } from '../wasm-simd/max-pool-grad.js';

type PoolAttrs = {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/**
 * Phase-grid layout of a pooling window sweep: padded input row r = q*sh + p
 * is stored at phase p, grid row q, so window tap a of output row i sits at
 * phase a % sh, grid row i + floor(a / sh) — reachable without strided access.
 * Phases are the outermost axis: [sh*sw*N, rows, cols, C], so per-cell
 * tensors broadcast over whole contiguous phase blocks.
 */
interface PhaseGrid {
  sh: number;
  sw: number;
  rows: number;
  cols: number;
}

/** [N, rows*sh, cols*sw, C] -> [sh*sw*N, rows, cols, C] (phase-major). */
function splitPhases(scope: KernelScope, x: TensorInfo, g: PhaseGrid): TensorInfo {
  const [n, , , c] = x.shape;
  if (g.sh * g.sw === 1) return x;
  const rowsFirst = transpose(scope, reshape(scope, x, [n * g.rows, g.sh, g.cols * g.sw * c]), [1, 0, 2]);
  const both = transpose(scope, reshape(scope, rowsFirst, [g.sh, n * g.rows * g.cols, g.sw, c]), [0, 2, 1, 3]);
  return reshape(scope, both, [g.sh * g.sw * n, g.rows, g.cols, c]);
}

/** Inverse of splitPhases: [sh*sw*N, rows, cols, C] -> [N, rows*sh, cols*sw, C]. */
function mergePhases(scope: KernelScope, grid: TensorInfo, g: PhaseGrid): TensorInfo {
  const [pn, , , c] = grid.shape;
  const n = pn / (g.sh * g.sw);
  if (g.sh * g.sw === 1) return grid;
  const colsBack = transpose(scope, reshape(scope, grid, [g.sh, g.sw, n * g.rows * g.cols, c]), [0, 2, 1, 3]);
  const rowsBack = transpose(scope, reshape(scope, colsBack, [g.sh, n * g.rows, g.cols * g.sw * c]), [1, 0, 2]);
  return reshape(scope, rowsBack, [n, g.rows * g.sh, g.cols * g.sw, c]);
}

/**
 * Hands dy to the first window tap (row-major) equal to the window max.
 * Tap (a,b) sits at phase (a % sh, b % sw) and grid offset (a / sh, b / sw);
 * the taps sharing an offset are handled together on the whole grid, with y,
 * dy and the running best shifted onto the grid instead of slicing the grid.
 * Tap t = a*kw + b gets weight T - t (0 for phase/offset pairs outside the
 * window); its score is weight * (tap == max), and the winner is the tap that
 * reaches the best score over all offsets. Step(max - tap) is 0 exactly on
 * equality, so the comparisons are exact. Returns the shares of dy on the
 * grid, [P*N, rows, cols, C].
 */
function firstMaxShares(scope: KernelScope, grid: TensorInfo, y: TensorInfo, dy: TensorInfo, kh: number, kw: number, g: PhaseGrid): TensorInfo {
  const [n, ho, wo, c] = dy.shape;
  const phases = g.sh * g.sw;
  const cells = n * g.rows * g.cols * c;
  const taps = reshape(scope, grid, [phases, cells]);
  const onGrid = (t: TensorInfo, qa: number, qb: number, fill: number): TensorInfo =>
    reshape(scope, frame(scope, t, { top: qa, bottom: g.rows - ho - qa, left: qb, right: g.cols - wo - qb }, fill), [1, cells]);
  const offGrid = (t: TensorInfo, qa: number, qb: number): TensorInfo =>
    frame(scope, reshape(scope, t, [n, g.rows, g.cols, c]), { top: -qa, bottom: ho + qa - g.rows, left: -qb, right: wo + qb - g.cols }, 0);
  const groups: Array<{ qa: number; qb: number; score: TensorInfo }> = [];
  let best: TensorInfo | null = null;
  for (let qa = 0; qa < Math.ceil(kh / g.sh); qa++) {
    for (let qb = 0; qb < Math.ceil(kw / g.sw); qb++) {
      const weights = Array.from({ length: phases }, (_, p) => {
        const [a, b] = [qa * g.sh + Math.floor(p / g.sw), qb * g.sw + (p % g.sw)];
        return a < kh && b < kw ? kh * kw - (a * kw + b) : 0;
      });
      const w = scope.constant(weights, [phases, 1], 'float32');
      // +inf where no window reads the cell: never "equal to the max".
      const notMax = scope.run('Step', { x: scope.run('Sub', { a: onGrid(y, qa, qb, Infinity), b: taps }) }, { alpha: 0 });
      const score = scope.run('Sub', { a: w, b: scope.run('Multiply', { a: notMax, b: w }) });
      const groupBest = offGrid(scope.run('Max', { x: score }, { reductionIndices: [0], keepDims: true }), qa, qb);
      best = best === null ? groupBest : scope.run('Maximum', { a: best, b: groupBest });
      groups.push({ qa, qb, score });
    }
  }
  const threshold = scope.run('Sub', { a: best!, b: scope.constant([0.5], [1, 1, 1, 1], 'float32') });
  let sum: TensorInfo | null = null;
  for (const { qa, qb, score } of groups) {
    const winner = scope.run('Step', { x: scope.run('Sub', { a: score, b: onGrid(threshold, qa, qb, Infinity) }) }, { alpha: 0 });
    const share = scope.run('Multiply', { a: winner, b: onGrid(dy, qa, qb, 0) });
    sum = sum === null ? share : scope.run('Add', { a: sum, b: share });
  }
  return reshape(scope, sum!, grid.shape);
}

/**
 * MaxPoolGrad for wasm. The stock kernel mis-routes the gradient of windows
 * whose max is <= 0 (its running max starts at FLT_MIN, not -inf) and breaks
 * ties towards the last position. This one matches the cpu backend (the first
 * max in row-major window order gets dy) using vectorised wasm kernels only:
 * the -inf padded input is split into stride phases, taps are compared with
 * the pooled output (Step(max - tap) is 0 exactly on equality), and the
 * per-tap shares of dy are re-interleaved. Where trickster's SIMD kernels reach the backend's
 * memory (../wasm-simd), the same routing runs as one pass of its own WebAssembly instead.
 */
export const maxPoolGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const dy = inputs.dy as TensorInfo;
  const x = inputs.input as TensorInfo;
  const y = inputs.output as TensorInfo;
  const a = attrs as unknown as PoolAttrs;
  const info = backend_util.computePool2DInfo(x.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const { inHeight: h, inWidth: w, outHeight: ho, outWidth: wo } = info;
  const kh = info.effectiveFilterHeight;
  const kw = info.effectiveFilterWidth;
  const g: PhaseGrid = {
    sh: info.strideHeight,
    sw: info.strideWidth,
    rows: ho - 1 + Math.ceil(kh / info.strideHeight),
    cols: wo - 1 + Math.ceil(kw / info.strideWidth),
  };
  const simd = wasmSimdKernels(backend);
  if (simd !== null && [x, dy].every((t) => t.dtype === 'float32')) return simdMaxPoolGrad(simd, x, dy, info);
  const { top, left } = info.padInfo;
  const gridPads = { top, bottom: g.rows * g.sh - h - top, left, right: g.cols * g.sw - w - left };
  return withKernelScope(backend, (scope) => {
    const grid = splitPhases(scope, frame(scope, x, gridPads, -Infinity), g);
    const padded = mergePhases(scope, firstMaxShares(scope, grid, y, dy, kh, kw, g), g);
    return frame(scope, padded, { top: -top, bottom: h - (g.rows * g.sh - top), left: -left, right: w - (g.cols * g.sw - left) }, 0);
  });
};
