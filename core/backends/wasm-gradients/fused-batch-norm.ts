import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { withKernelScope } from './kernel-scope.js';
import { reshape } from './layout.js';
import { stockWasmKernel } from './stock-kernels.js';
import { simdBatchNorm } from '../wasm-simd/batch-norm-forward.js';
import { wasmSimdKernels } from '../wasm-simd/instance.js';

/**
 * FusedBatchNorm for wasm. The stock kernel indexes every element's channel with generic
 * arithmetic (about 7x the time of an XNNPACK elementwise op per element, measured on a
 * small-cnn step); with per-channel statistics it is y = x·s + t, s = γ/√(σ² + ε),
 * t = β − μ·s, so the full-size work is one broadcast Multiply and one broadcast Add.
 * Other layouts (statistics not one value per last-axis channel) use the stock kernel. Where
 * trickster's SIMD kernels reach the memory (../wasm-simd), with γ and β given, it is one pass.
 */
export const fusedBatchNorm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, mean, variance, offset, scale } = inputs as Record<string, TensorInfo | undefined>;
  const channels = x!.shape[x!.shape.length - 1];
  const perChannel = [mean, variance, offset, scale].every((t) => t === undefined || t.shape.reduce((a, b) => a * b, 1) === channels);
  if (x!.dtype !== 'float32' || x!.shape.length === 0 || !perChannel) return stockWasmKernel('FusedBatchNorm')({ inputs, backend, attrs });
  const epsilon = (attrs as { varianceEpsilon: number }).varianceEpsilon;
  const simd = wasmSimdKernels(backend);
  const stats = [mean, variance, scale, offset];
  if (simd !== null && stats.every((t) => t !== undefined && t.dtype === 'float32')) return simdBatchNorm(simd, x!, mean!, variance!, scale!, offset!, epsilon);
  return withKernelScope(backend, (scope) => {
    const vector = (t: TensorInfo): TensorInfo => reshape(scope, t, [channels]);
    const eps = scope.constant([epsilon], [], 'float32');
    let factor = scope.run('Rsqrt', { x: scope.run('Add', { a: vector(variance!), b: eps }) });
    if (scale !== undefined) factor = scope.run('Multiply', { a: factor, b: vector(scale) });
    let shift = scope.run('Neg', { x: scope.run('Multiply', { a: vector(mean!), b: factor }) });
    if (offset !== undefined) shift = scope.run('Add', { a: shift, b: vector(offset) });
    return scope.run('Add', { a: scope.run('Multiply', { a: x!, b: factor }), b: shift });
  });
};
