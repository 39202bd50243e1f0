import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { withKernelScope } from './kernel-scope.js';
import { transpose } from './layout.js';
import { stockWasmKernel } from './stock-kernels.js';

const batchSize = (shape: readonly number[]): number => shape.slice(0, -2).reduce((n, v) => n * v, 1);

/**
 * BatchMatMul for wasm. The stock kernel uses XNNPACK only for a single,
 * untransposed product and otherwise falls back to a scalar blocked loop
 * (~20x slower). Dense-layer gradients are exactly such transposed products
 * (dx = dy·Wᵀ, dW = xᵀ·dy), so for batch 1 the operands are transposed
 * explicitly and the XNNPACK path is used; everything else goes to stock.
 */
export const batchMatMul: KernelFunc = ({ inputs, backend, attrs }) => {
  const a = inputs.a as TensorInfo;
  const b = inputs.b as TensorInfo;
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  const useStock = (!transposeA && !transposeB) || batchSize(a.shape) !== 1 || batchSize(b.shape) !== 1;
  if (useStock) return stockWasmKernel('BatchMatMul')({ inputs, backend, attrs });
  return withKernelScope(backend, (scope) => {
    const lastTwoSwapped = (t: TensorInfo): TensorInfo => {
      const rank = t.shape.length;
      return transpose(scope, t, [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2]);
    };
    const a2 = transposeA ? lastTwoSwapped(a) : a;
    const b2 = transposeB ? lastTwoSwapped(b) : b;
    return scope.run('BatchMatMul', { a: a2, b: b2 }, { transposeA: false, transposeB: false });
  });
};
