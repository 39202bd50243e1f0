import type { TensorInfo } from '@tensorflow/tfjs';
import type { SidePads } from './geometry.js';
import type { KernelScope } from './kernel-scope.js';
import { cropNegative, positivePads } from './layout.js';

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
  const attrs = { strides: call.strides, dilations: call.dilations, pad: positivePads(call.pads), dataFormat: 'NHWC' };
  const input = cropNegative(scope, x, call.pads);
  return scope.run(call.depthwise ? 'DepthwiseConv2dNative' : 'Conv2D', { x: input, filter }, attrs);
}
