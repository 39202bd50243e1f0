import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { filterGradConvCall } from './conv2d-backprop-filter.js';
import { convGeometry, type ConvAttrs } from './geometry.js';
import { withKernelScope } from './kernel-scope.js';
import { reshape, transpose } from './layout.js';
import { convForward } from './padded-conv.js';

/**
 * DepthwiseConv2dNativeBackpropFilter for wasm: one XNNPACK depthwise conv of
 * x as [1,H,W,C*N] (every (channel, image) pair is its own depthwise channel)
 * with dy as a [Ho,Wo,C*N,mult] filter, stride/dilation swapped as in the
 * dense filter gradient; the batch axis is then summed away.
 */
export const depthwiseConv2dBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const a = attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  const g = convGeometry('DepthwiseConv2dNativeBackpropFilter', x.shape, a.filterShape, a, true);
  const [kh, kw, channels, multiplier] = a.filterShape;
  const [n, h, w] = x.shape;
  const [, ho, wo] = dy.shape;
  return withKernelScope(backend, (scope) => {
    const xT = reshape(scope, transpose(scope, x, [1, 2, 3, 0]), [1, h, w, channels * n]);
    const dy5 = reshape(scope, dy, [n, ho, wo, channels, multiplier]);
    const dyT = reshape(scope, transpose(scope, dy5, [1, 2, 3, 0, 4]), [ho, wo, channels * n, multiplier]);
    const perImage = convForward(scope, xT, dyT, filterGradConvCall(g, true));
    const split = reshape(scope, perImage, [kh * kw, channels, n, multiplier]);
    const summed = n > 1 ? scope.run('Sum', { x: split }, { axis: [2], keepDims: false }) : split;
    return reshape(scope, summed, [kh, kw, channels, multiplier]);
  });
};
