import type { TensorInfo } from '@tensorflow/tfjs';
import type { SidePads } from './geometry.js';
import type { KernelScope } from './kernel-scope.js';
import { slice } from './layout.js';

/** How to run one forward convolution through a stock wasm kernel. */
export interface ConvCall {
  strides: [number, number];
  dilations: [number, number];
  /** Zero padding per side; a negative value crops that many rows/columns first. */
  pads: SidePads;
  /** true: DepthwiseConv2dNative (filter [kh,kw,C,mult]); false: Conv2D. */
  depthwise: boolean;
}

/**
 * Runs a forward NHWC convolution of `x` with `filter` through the XNNPACK
 * backed wasm Conv2D / DepthwiseConv2dNative kernel. Negative pads, which
 * XNNPACK cannot express, are turned into a Slice of `x` beforehand.
 */
export function convForward(scope: KernelScope, x: TensorInfo, filter: TensorInfo, call: ConvCall): TensorInfo {
  const { top, bottom, left, right } = call.pads;
  const [n, h, w, c] = x.shape;
  const cropTop = Math.max(0, -top);
  const cropLeft = Math.max(0, -left);
  const keptH = h - cropTop - Math.max(0, -bottom);
  const keptW = w - cropLeft - Math.max(0, -right);
  const input = keptH === h && keptW === w ? x : slice(scope, x, [0, cropTop, cropLeft, 0], [n, keptH, keptW, c]);
  const pad = [
    [0, 0],
    [Math.max(0, top), Math.max(0, bottom)],
    [Math.max(0, left), Math.max(0, right)],
    [0, 0],
  ];
  const attrs = { strides: call.strides, dilations: call.dilations, pad, dataFormat: 'NHWC' };
  return scope.run(call.depthwise ? 'DepthwiseConv2dNative' : 'Conv2D', { x: input, filter }, attrs);
}
