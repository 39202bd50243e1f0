import * as tf from '@tensorflow/tfjs';
import type { GradConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { wasmSimdKernels } from './instance.js';

/** The kernel name of the one-pass ReLU gradient (registered for `wasm` by registerWasmGradientKernels). */
export const RELU_GRAD = 'TricksterReluGrad';

/** dx = dy · step(x) in one pass of kernels.c's relu_grad. */
export const reluGradKernel: KernelFunc = ({ inputs, backend }) => {
  const k = wasmSimdKernels(backend);
  if (k === null) throw new Error(`${RELU_GRAD}: the wasm SIMD kernels are not available on this backend`);
  const { dy, x } = inputs as Record<string, TensorInfo>;
  const dx = k.output(x!.shape.slice());
  k.exports.relu_grad(k.offset(dy!), k.offset(x!), k.offset(dx), tf.util.sizeFromShape(x!.shape));
  return dx;
};

/**
 * Relu's gradient: the one-pass SIMD kernel on wasm where it runs, elsewhere tfjs' own
 * composition (dy · cast(step(x))), which makes three passes.
 */
export const reluGradConfig: GradConfig = {
  kernelName: 'Relu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    const d = dy as tf.Tensor;
    const fused = tf.getBackend() === 'wasm' && d.dtype === 'float32' && x.dtype === 'float32' && tf.getKernel(RELU_GRAD, 'wasm') !== undefined && wasmSimdKernels(tf.backend()) !== null;
    return { x: () => (fused ? (tf.engine().runKernel(RELU_GRAD, { dy: d, x }, {}) as tf.Tensor) : tf.mul(d, tf.cast(tf.step(x), 'float32'))) };
  },
};
