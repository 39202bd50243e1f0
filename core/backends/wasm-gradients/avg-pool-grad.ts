import { backend_util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import { withKernelScope } from './kernel-scope.js';

/**
 * AvgPoolGrad for wasm (the stock kernel is ~20x slower than the forward
 * pool). Like the cpu backend, every window passes dy / (kh*kw) to each of
 * its taps, padding or not: that is the input gradient of a depthwise conv
 * with a constant 1/(kh*kw) filter, run as our phase-decomposed
 * DepthwiseConv2dNativeBackpropInput. The far-side pads are chosen so that
 * the conv geometry reproduces the pool's output size exactly.
 */
export const avgPoolGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const dy = inputs.dy as TensorInfo;
  const x = inputs.input as TensorInfo;
  const { filterSize, strides, pad } = attrs as { filterSize: [number, number] | number; strides: [number, number] | number; pad: 'valid' | 'same' | number | backend_util.ExplicitPadding };
  const info = backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inChannels: c } = info;
  const { top, left } = info.padInfo;
  const bottom = (info.outHeight - 1) * sh + kh - info.inHeight - top;
  const right = (info.outWidth - 1) * sw + kw - info.inWidth - left;
  return withKernelScope(backend, (scope) => {
    const filter = scope.constant(new Array<number>(kh * kw * c).fill(1 / (kh * kw)), [kh, kw, c, 1], 'float32');
    const convPad = [[0, 0], [top, bottom], [left, right], [0, 0]];
    return scope.run('DepthwiseConv2dNativeBackpropInput', { dy, filter }, { strides: [sh, sw], pad: convPad, dilations: 1, inputShape: x.shape });
  });
};
