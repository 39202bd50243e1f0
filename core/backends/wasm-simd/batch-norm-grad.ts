import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { channelsOf } from './batch-norm-forward.js';
import { wasmSimdKernels } from './instance.js';

/** The kernel name of the fused batch-norm gradient (registered for `wasm` by registerWasmGradientKernels). */
export const BATCH_NORM_GRAD = 'TricksterBatchNormGrad';

/**
 * dx, dγ, dβ of batch norm over the last axis in two passes of kernels.c's batch_norm_grad.
 * Inputs dy, x (same shape, float32), mean, variance, gamma ([C]); attr epsilon.
 */
export const batchNormGradKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const k = wasmSimdKernels(backend);
  if (k === null) throw new Error(`${BATCH_NORM_GRAD}: the wasm SIMD kernels are not available on this backend (check fusedBatchNormGrad's result before running it)`);
  const { dy, x, mean, variance, gamma } = inputs as Record<string, TensorInfo>;
  const { m, ch } = channelsOf(x!);
  const dx = k.output(x!.shape.slice());
  const dGamma = k.output([ch]);
  const dBeta = k.output([ch]);
  const scratch = k.output([4 * ch]);
  k.exports.batch_norm_grad(k.offset(dy!), k.offset(x!), k.offset(mean!), k.offset(variance!), k.offset(gamma!), (attrs as { epsilon: number }).epsilon, k.offset(dx), k.offset(dGamma), k.offset(dBeta), k.offset(scratch), m, ch);
  k.free(scratch);
  return [dx, dGamma, dBeta];
};

/**
 * [dx, dγ, dβ] of batch norm over the last axis from the fused SIMD kernel, or null where it cannot
 * run (another backend, the kernels unreachable, a dtype other than float32): the caller then
 * composes the gradient from tf ops.
 */
export function fusedBatchNormGrad(dy: tf.Tensor, x: tf.Tensor, mean: tf.Tensor1D, variance: tf.Tensor1D, gamma: tf.Tensor1D, epsilon: number): tf.Tensor[] | null {
  if (tf.getBackend() !== 'wasm' || tf.getKernel(BATCH_NORM_GRAD, 'wasm') === undefined) return null;
  if ([dy, x, mean, variance, gamma].some((t) => t.dtype !== 'float32') || wasmSimdKernels(tf.backend()) === null) return null;
  return tf.engine().runKernel(BATCH_NORM_GRAD, { dy, x, mean, variance, gamma }, { epsilon }) as tf.Tensor[];
}
