import { util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import { withKernelScope } from './kernel-scope.js';
import { reshape } from './layout.js';
import { stockWasmKernel } from './stock-kernels.js';

/**
 * Splits `shape` into [outer, reduced, inner] when `axes` is one contiguous
 * block of axes followed by at least one kept axis with more than one element
 * (the case the stock kernels handle by first transposing the whole input).
 */
function outerReduction(shape: readonly number[], axes: readonly number[]): [number, number, number] | null {
  const sorted = [...axes].sort((a, b) => a - b);
  const [first, last] = [sorted[0], sorted[sorted.length - 1]];
  if (sorted.length === 0 || last - first + 1 !== sorted.length) return null;
  const size = (from: number, to: number): number => shape.slice(from, to).reduce((n, v) => n * v, 1);
  const inner = size(last + 1, shape.length);
  return inner > 1 ? [size(0, first), size(first, last + 1), inner] : null;
}

/**
 * Sum / Mean / Max for wasm. Reducing over leading or middle axes
 * (batch-norm moments and gradients, bias gradients, global average pooling)
 * makes the stock kernels transpose the whole input first, which is 10-30x
 * slower than the reduction itself; here such a reduction is one XNNPACK
 * pooling op with an R x 1 window over the input viewed as [outer, R, 1,
 * inner] (average pool, times R for Sum; max pool for Max). Other cases and
 * non-float32 inputs go to the stock kernel.
 */
function reduceKernel(kernelName: 'Sum' | 'Mean' | 'Max'): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const x = inputs.x as TensorInfo;
    const { keepDims } = attrs as { keepDims: boolean };
    // Max names its axes attr differently from Sum and Mean.
    const axis = (attrs as { axis?: number | number[]; reductionIndices?: number | number[] });
    const axes = util.parseAxisParam(axis.axis ?? axis.reductionIndices ?? [], x.shape);
    const split = x.dtype === 'float32' ? outerReduction(x.shape, axes) : null;
    if (split === null) return stockWasmKernel(kernelName)({ inputs, backend, attrs });
    const [outer, reduced, inner] = split;
    const outShape = x.shape.flatMap((size, i) => (!axes.includes(i) ? [size] : keepDims ? [1] : []));
    return withKernelScope(backend, (scope) => {
      const window = [reduced, 1];
      const pool = kernelName === 'Max' ? 'MaxPool' : 'AvgPool';
      const pooled = scope.run(pool, { x: reshape(scope, x, [outer, reduced, 1, inner]) }, { filterSize: window, strides: window, pad: 'valid' });
      const result = kernelName === 'Sum' ? scope.run('Multiply', { a: pooled, b: scope.constant([reduced], [1], 'float32') }) : pooled;
      return reshape(scope, result, outShape);
    });
  };
}

/** Sum over leading/middle axes as an XNNPACK average pool (see reduceKernel). */
export const sum = reduceKernel('Sum');
/** Mean over leading/middle axes as an XNNPACK average pool (see reduceKernel). */
export const mean = reduceKernel('Mean');
/** Max over leading/middle axes as an XNNPACK max pool (see reduceKernel). */
export const max = reduceKernel('Max');
