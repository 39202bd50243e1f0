import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { wasmSimdKernels, type WasmSimdKernels } from './instance.js';

/** The kernel name of the fused per-channel moments (registered for `wasm` by registerWasmGradientKernels). */
export const MOMENTS = 'TricksterMoments';

/** A batch-norm input's channel count `ch` (last axis) and values per channel `m`. */
export const channelsOf = (x: TensorInfo): { m: number; ch: number } => {
  const ch = x.shape[x.shape.length - 1]!;
  return { m: tf.util.sizeFromShape(x.shape) / ch, ch };
};

/** Per-channel (last axis) mean and biased variance of input x in two passes of kernels.c's moments. */
export const momentsKernel: KernelFunc = ({ inputs, backend }) => {
  const k = wasmSimdKernels(backend);
  if (k === null) throw new Error(`${MOMENTS}: the wasm SIMD kernels are not available on this backend (check fusedMoments' result before running it)`);
  const x = inputs.x as TensorInfo;
  const { m, ch } = channelsOf(x);
  const [mean, variance, scratch] = [k.output([ch]), k.output([ch]), k.output([ch])];
  k.exports.moments(k.offset(x), k.offset(mean), k.offset(variance), k.offset(scratch), m, ch);
  k.free(scratch);
  return [mean, variance];
};

/**
 * tf.moments of `x` over every axis but the last from the fused SIMD kernel (no gradient: batch
 * norm's closed form handles μ and σ²), or null where it cannot run (another backend, the
 * kernels unreachable, not float32, a rank below 2).
 */
export function fusedMoments(x: tf.Tensor): { mean: tf.Tensor1D; variance: tf.Tensor1D } | null {
  if (tf.getBackend() !== 'wasm' || x.dtype !== 'float32' || x.rank < 2 || tf.getKernel(MOMENTS, 'wasm') === undefined) return null;
  if (wasmSimdKernels(tf.backend()) === null) return null;
  const [mean, variance] = tf.engine().runKernel(MOMENTS, { x }, {}) as tf.Tensor1D[];
  return { mean: mean!, variance: variance! };
}

/** y = x·s + t per channel in one pass (kernels.c's batch_norm); every statistic is a [C] float32 tensor. */
export function simdBatchNorm(k: WasmSimdKernels, x: TensorInfo, mean: TensorInfo, variance: TensorInfo, scale: TensorInfo, offset: TensorInfo, epsilon: number): TensorInfo {
  const { m, ch } = channelsOf(x);
  const y = k.output(x.shape.slice());
  const scratch = k.output([2 * ch]);
  k.exports.batch_norm(k.offset(x), k.offset(mean), k.offset(variance), k.offset(scale), k.offset(offset), epsilon, k.offset(y), k.offset(scratch), m, ch);
  k.free(scratch);
  return y;
}
