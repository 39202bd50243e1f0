import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { convGeometry, type ConvAttrs, type ConvGeometry } from './geometry.js';
import { withKernelScope, type KernelScope } from './kernel-scope.js';
import { transpose } from './layout.js';
import { convForward, type ConvCall } from './padded-conv.js';
import { tapRowsApplies, tapRowsFilterGrad } from './tap-rows-filter.js';
import { simdConv2dBackpropFilter, simdFilterGradEnabled } from '../wasm-simd/conv-filter-grad.js';
import { wasmSimdKernels } from '../wasm-simd/instance.js';

/**
 * The forward conv that yields a filter gradient when run over `x` with `dy`
 * as its "filter": the roles of stride and dilation swap, and the far-side
 * padding is chosen so that exactly kh x kw outputs come out (negative = crop).
 */
export function filterGradConvCall(g: ConvGeometry, depthwise: boolean): ConvCall {
  const far = (k: number, d: number, outSize: number, s: number, inSize: number, before: number): number =>
    (k - 1) * d + (outSize - 1) * s + 1 - inSize - before;
  return {
    strides: [g.dilationHeight, g.dilationWidth],
    dilations: [g.strideHeight, g.strideWidth],
    pads: {
      top: g.pads.top,
      bottom: far(g.filterHeight, g.dilationHeight, g.outHeight, g.strideHeight, g.inHeight, g.pads.top),
      left: g.pads.left,
      right: far(g.filterWidth, g.dilationWidth, g.outWidth, g.strideWidth, g.inWidth, g.pads.left),
    },
    depthwise,
  };
}

/**
 * Conv2DBackpropFilter for wasm: dW[a,b,ci,co] = sum over n,i,j of
 * x[n, i*s + a*d - padTop, j*s + b*d - padLeft, ci] * dy[n,i,j,co].
 * With trickster's SIMD kernels on (float32), kernels.c's conv2d_backprop_filter computes it in
 * place (../wasm-simd/conv-filter-grad.ts). It beat both older paths on every shape measured, so it
 * runs for all: 0.55-0.93x the forward conv's time on the layers of small-cnn, resnet20 and resnet8
 * at batch 128 (the one-conv path 1.2-12.5x, tap rows 1.7-7.8x), about 1.3x on 3-channel inputs
 * (still under both compositions); bench/conv-filter-grad.ts, bench/results/2026-12-01-conv-filter-grad.json.
 * Without them: ONE XNNPACK conv ({@link oneConvFilterGrad}), or for inputs with few channels and
 * stride 1 one matrix product over shifted windows (tap-rows-filter.ts).
 * Accepts an optional `dilations` attr (tfjs itself never passes one).
 */
export const conv2dBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const a = attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  const g = convGeometry('Conv2DBackpropFilter', x.shape, a.filterShape, a, false);
  const simd = simdFilterGradEnabled() ? wasmSimdKernels(backend) : null;
  if (simd !== null && x.dtype === 'float32' && dy.dtype === 'float32') return simdConv2dBackpropFilter(simd, x, dy, g);
  return withKernelScope(backend, (scope) => {
    if (tapRowsApplies(g)) return tapRowsFilterGrad(scope, x, dy, g);
    return oneConvFilterGrad(scope, x, dy, g);
  });
};

/**
 * The filter gradient as ONE XNNPACK Conv2D of x as [Cin,H,W,N] (batch = Cin, channels = N) with
 * dy as a [Ho,Wo,N,Cout] filter, giving [Cin,kh,kw,Cout], then transposed to [kh,kw,Cin,Cout].
 */
export function oneConvFilterGrad(scope: KernelScope, x: TensorInfo, dy: TensorInfo, g: ConvGeometry): TensorInfo {
  const xT = transpose(scope, x, [3, 1, 2, 0]);
  const dyT = transpose(scope, dy, [1, 2, 0, 3]);
  const dwT = convForward(scope, xT, dyT, filterGradConvCall(g, false));
  return transpose(scope, dwT, [1, 2, 0, 3]);
}
