import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { FILTER_GRAD_BLOCK_FLOATS, simdFilterGradEnabled } from '../wasm-simd/conv-filter-grad.js';
import { wasmSimdKernels, type WasmSimdKernels } from '../wasm-simd/instance.js';
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
 * dW = xᵀ·dy (float32, batch 1) skips the transpose where trickster's SIMD kernels run: it is the
 * filter gradient of a 1x1 convolution over a 1 x M image of K channels, which kernels.c's
 * conv2d_backprop_filter computes reading x and dy in place (small-cnn's flatten head, x 128 x 3136,
 * 10 classes: 0.64 against 1.47 ms, on an Intel Xeon).
 */
export const batchMatMul: KernelFunc = ({ inputs, backend, attrs }) => {
  const a = inputs.a as TensorInfo;
  const b = inputs.b as TensorInfo;
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  const useStock = (!transposeA && !transposeB) || batchSize(a.shape) !== 1 || batchSize(b.shape) !== 1;
  if (useStock) return stockWasmKernel('BatchMatMul')({ inputs, backend, attrs });
  const simd = transposeA && !transposeB && a.dtype === 'float32' && b.dtype === 'float32' && simdFilterGradEnabled() ? wasmSimdKernels(backend) : null;
  if (simd !== null) return transposedAProduct(simd, a, b);
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

/** aᵀ·b for float32 a [..., M, K] and b [..., M, N] (batch 1) as the filter gradient of a 1x1 conv (see {@link batchMatMul}). */
function transposedAProduct(k: WasmSimdKernels, a: TensorInfo, b: TensorInfo): TensorInfo {
  const [m, kk] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.shape.length - 1]!;
  const outShape = [...Array.from({ length: Math.max(a.shape.length, b.shape.length) - 2 }, () => 1), kk, n];
  const out = k.output(outShape);
  k.exports.conv2d_backprop_filter(k.offset(a), k.offset(b), k.offset(out), 1, 1, m, kk, 1, m, n, 1, 1, 1, 1, 1, 1, 0, 0, FILTER_GRAD_BLOCK_FLOATS);
  return out;
}
