import type { KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { convGeometry, type ConvAttrs } from './geometry.js';
import type { KernelScope } from './kernel-scope.js';
import { withKernelScope } from './kernel-scope.js';
import { frame, reshape, transpose } from './layout.js';

/** Inserts stride-1 zeros after every row/column of NHWC `x`: [B,H,W,C] -> [B, H*sh, W*sw, C]. */
function spread(scope: KernelScope, x: TensorInfo, sh: number, sw: number): TensorInfo {
  const [b, h, w, c] = x.shape;
  let out = x;
  if (sh > 1) {
    const rows = scope.run('PadV2', { x: reshape(scope, out, [b * h, 1, w * c]) }, { paddings: [[0, 0], [0, sh - 1], [0, 0]], constantValue: 0 });
    out = reshape(scope, rows, [b, h * sh, w, c]);
  }
  if (sw > 1) {
    const cols = scope.run('PadV2', { x: reshape(scope, out, [b * h * sh * w, 1, c]) }, { paddings: [[0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
    out = reshape(scope, cols, [b, h * sh, w * sw, c]);
  }
  return out;
}

/**
 * DepthwiseConv2dNativeBackpropFilter for wasm:
 * dW[a,b,c,m] = sum over n,i,j of x[n, i*s + a*d - padTop, j*s + b*d - padLeft, c] * dy[n,i,j,c*mult+m].
 * XNNPACK has no fast kernel for this as a convolution (a depthwise conv with
 * a Ho x Wo "filter" takes its slow generic path), so each tap is done
 * directly: dy (zero-spread by the stride) is padded so that it lines up with
 * the tap's window of the padded x, multiplied with it (one vectorised Mul
 * over the whole batch, mult-blocks broadcasting over x), and reduced over
 * batch and space with the fast leading-axis Sum.
 */
export const depthwiseConv2dBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const a = attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  const g = convGeometry('DepthwiseConv2dNativeBackpropFilter', x.shape, a.filterShape, a, true);
  const [kh, kw, channels, mult] = a.filterShape;
  const { batch: n, outHeight: ho, outWidth: wo, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = g;
  // Frame = padded-x coordinates, large enough for every tap's copy of spread dy.
  const frameH = Math.max(g.inHeight + g.pads.top, (kh - 1) * dh + ho * sh);
  const frameW = Math.max(g.inWidth + g.pads.left, (kw - 1) * dw + wo * sw);
  const cells = n * frameH * frameW;
  return withKernelScope(backend, (scope) => {
    const xFrame = frame(scope, x, { top: g.pads.top, bottom: frameH - g.inHeight - g.pads.top, left: g.pads.left, right: frameW - g.inWidth - g.pads.left }, 0);
    const xRow = reshape(scope, xFrame, [1, cells * channels]);
    // [mult*N, Ho, Wo, C]: each channel-multiplier slice of dy as one block, so it broadcasts over x.
    const dyBlocks = mult === 1 ? dy : reshape(scope, transpose(scope, reshape(scope, dy, [n * ho * wo, channels, mult]), [2, 0, 1]), [mult * n, ho, wo, channels]);
    const dySpread = spread(scope, dyBlocks, sh, sw);
    const perTap: TensorInfo[] = [];
    for (let ta = 0; ta < kh; ta++) {
      for (let tb = 0; tb < kw; tb++) {
        const pads = { top: ta * dh, bottom: frameH - ta * dh - ho * sh, left: tb * dw, right: frameW - tb * dw - wo * sw };
        const aligned = reshape(scope, frame(scope, dySpread, pads, 0), [mult, cells * channels]);
        const products = reshape(scope, scope.run('Multiply', { a: aligned, b: xRow }), [mult, cells, channels]);
        perTap.push(reshape(scope, scope.run('Sum', { x: products }, { axis: [1], keepDims: false }), [1, mult * channels]));
      }
    }
    // Concat takes its inputs as an array, unlike the named maps of other kernels.
    const stacked = perTap.length === 1 ? perTap[0] : scope.run('Concat', perTap as unknown as NamedTensorInfoMap, { axis: 0 });
    const byChannel = mult === 1 ? stacked : transpose(scope, reshape(scope, stacked, [kh * kw, mult, channels]), [0, 2, 1]);
    return reshape(scope, byChannel, [kh, kw, channels, mult]);
  });
};
