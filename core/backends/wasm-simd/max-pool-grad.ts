import type { backend_util, TensorInfo } from '@tensorflow/tfjs';
import type { WasmSimdKernels } from './instance.js';

/**
 * MaxPoolGrad of float32 NHWC `x` (the pool's input) and `dy` in one pass of kernels.c's
 * max_pool_grad: each window's dy goes to its first maximum in row-major tap order, as on tfjs'
 * cpu backend. Returns a new backend tensor shaped like x.
 */
export function simdMaxPoolGrad(k: WasmSimdKernels, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const dx = k.output(x.shape.slice());
  const [n, h, w, ch] = x.shape as [number, number, number, number];
  k.exports.max_pool_grad(k.offset(x), k.offset(dy), k.offset(dx), n, h, w, ch, info.outHeight, info.outWidth, info.effectiveFilterHeight, info.effectiveFilterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left);
  return dx;
}
