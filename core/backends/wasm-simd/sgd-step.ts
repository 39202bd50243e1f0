import * as tf from '@tensorflow/tfjs';
import { wasmSimdKernels } from './instance.js';

/** One SGD-with-momentum step's settings (torch.optim.SGD's, as core/optim/sgd.ts applies them). */
export interface SgdStepSettings {
  readonly lr: number;
  readonly weightDecay: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  /** The momentum buffer's first step: it becomes the gradient (plus decay) itself. */
  readonly first: boolean;
}

/**
 * The new weights and momentum buffer of one SGD step, `w`, `g` and `b` float32 on wasm, in one
 * pass of kernels.c's sgd_step (the composition in core/optim/sgd.ts makes about nine tf ops of
 * it per variable, bit for bit the same results); null elsewhere or with the SIMD kernels off,
 * and the caller composes the step from tf ops. The caller owns the returned tensors.
 */
export function simdSgdStep(w: tf.Tensor, g: tf.Tensor, b: tf.Tensor, o: SgdStepSettings): [tf.Tensor, tf.Tensor] | null {
  if (tf.getBackend() !== 'wasm' || [w, g, b].some((t) => t.dtype !== 'float32')) return null;
  const k = wasmSimdKernels(tf.backend());
  if (k === null) return null;
  const wOut = k.output(w.shape.slice());
  const bOut = k.output(w.shape.slice());
  k.exports.sgd_step(
    k.offset(w), k.offset(g), k.offset(b), k.offset(wOut), k.offset(bOut), w.size,
    o.lr, o.weightDecay, o.momentum, 1 - o.dampening,
    o.weightDecay !== 0 ? 1 : 0, o.dampening !== 0 ? 1 : 0, o.nesterov ? 1 : 0, o.first ? 1 : 0,
  );
  return [tf.engine().makeTensorFromTensorInfo(wOut), tf.engine().makeTensorFromTensorInfo(bOut)];
}
