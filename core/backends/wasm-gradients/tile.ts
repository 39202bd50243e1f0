import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { withKernelScope } from './kernel-scope.js';
import { reshape } from './layout.js';
import { stockWasmKernel } from './stock-kernels.js';

/** XNNPACK's N-D binary operators handle at most this many dimensions. */
const MAX_BROADCAST_RANK = 6;

/**
 * Shapes that express tile(x, reps) as the broadcast x + zeros: output axis i
 * splits into (reps[i], x.shape[i]); runs of repeated / copied axes are merged.
 * Returns null when the result needs more than MAX_BROADCAST_RANK axes.
 */
function tileAsBroadcast(xShape: readonly number[], reps: readonly number[]): { xShape: number[]; zerosShape: number[] } | null {
  const axes: Array<{ size: number; repeated: boolean }> = [];
  const push = (size: number, repeated: boolean): void => {
    if (size === 1) return;
    const last = axes[axes.length - 1];
    if (last !== undefined && last.repeated === repeated) last.size *= size;
    else axes.push({ size, repeated });
  };
  xShape.forEach((size, i) => {
    push(reps[i], true);
    push(size, false);
  });
  if (axes.length === 0 || axes.length > MAX_BROADCAST_RANK) return null;
  return {
    xShape: axes.map((axis) => (axis.repeated ? 1 : axis.size)),
    zerosShape: axes.map((axis) => (axis.repeated ? axis.size : 1)),
  };
}

/**
 * Tile for wasm. The stock kernel walks every output element with generic
 * index math (it dominated a batch-norm training step, whose gradient tiles
 * 1/sqrt(var) to the activation shape); float32 tiling is done here as one
 * XNNPACK broadcast Add of x with a small zeros tensor instead.
 */
export const tile: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs.x as TensorInfo;
  const reps = (attrs as { reps: number[] }).reps;
  const plan = x.dtype === 'float32' ? tileAsBroadcast(x.shape, reps) : null;
  if (plan === null) return stockWasmKernel('Tile')({ inputs, backend, attrs });
  const outShape = x.shape.map((size, i) => size * reps[i]);
  return withKernelScope(backend, (scope) => {
    const zeros = scope.run('Fill', {}, { shape: plan.zerosShape, value: 0, dtype: 'float32' });
    const sum = scope.run('Add', { a: reshape(scope, x, plan.xShape), b: zeros });
    return reshape(scope, sum, outShape);
  });
};
