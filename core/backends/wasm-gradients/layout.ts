import type { TensorInfo } from '@tensorflow/tfjs';
import type { SidePads } from './geometry.js';
import type { KernelScope } from './kernel-scope.js';

/** Reshapes `x` (no copy: the wasm Reshape kernel shares the buffer). */
export function reshape(scope: KernelScope, x: TensorInfo, shape: number[]): TensorInfo {
  return scope.run('Reshape', { x }, { shape });
}

/**
 * Transposes `x` by `perm` after merging runs of axes that stay adjacent and in
 * order, so the wasm Transpose kernel hits its fast 2-D/3-D/4-D paths instead
 * of its slow generic N-D loop.
 */
export function transpose(scope: KernelScope, x: TensorInfo, perm: number[]): TensorInfo {
  const outShape = perm.map((axis) => x.shape[axis]);
  // Group output axes into runs whose source axes are consecutive.
  const runs: number[][] = [];
  for (const axis of perm) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[last.length - 1] + 1 === axis) last.push(axis);
    else runs.push([axis]);
  }
  const bySource = [...runs].sort((a, b) => a[0] - b[0]);
  const mergedShape = bySource.map((run) => run.reduce((n, axis) => n * x.shape[axis], 1));
  const mergedPerm = runs.map((run) => bySource.indexOf(run));
  const merged = reshape(scope, x, mergedShape);
  const moved = scope.run('Transpose', { x: merged }, { perm: mergedPerm });
  return reshape(scope, moved, outShape);
}

/** Keeps `[begin, begin + size)` along every axis (wasm Slice, one copy). */
export function slice(scope: KernelScope, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  return scope.run('Slice', { x }, { begin, size });
}

/** Drops the rows/columns that negative `pads` entries ask to remove (positive entries are ignored). */
export function cropNegative(scope: KernelScope, x: TensorInfo, pads: SidePads): TensorInfo {
  const [n, h, w, c] = x.shape;
  const top = Math.max(0, -pads.top);
  const left = Math.max(0, -pads.left);
  const keptH = h - top - Math.max(0, -pads.bottom);
  const keptW = w - left - Math.max(0, -pads.right);
  return keptH === h && keptW === w ? x : slice(scope, x, [0, top, left, 0], [n, keptH, keptW, c]);
}

/** The zero-or-positive part of `pads` as an NHWC paddings/explicit-pad array. */
export function positivePads(pads: SidePads): Array<[number, number]> {
  const pos = (v: number): number => Math.max(0, v);
  return [[0, 0], [pos(pads.top), pos(pads.bottom)], [pos(pads.left), pos(pads.right)], [0, 0]];
}

/**
 * Grows/shrinks the spatial axes of NHWC `x` by the given per-side amounts:
 * positive values pad with `value`, negative values crop.
 */
export function frame(scope: KernelScope, x: TensorInfo, pads: SidePads, value: number): TensorInfo {
  const kept = cropNegative(scope, x, pads);
  const paddings = positivePads(pads);
  if (paddings.every(([before, after]) => before === 0 && after === 0)) return kept;
  return scope.run('PadV2', { x: kept }, { paddings, constantValue: value });
}
