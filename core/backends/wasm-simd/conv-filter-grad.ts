import type { TensorInfo } from '@tensorflow/tfjs';
import type { ConvGeometry } from '../wasm-gradients/geometry.js';
import type { WasmSimdKernels } from './instance.js';

let enabled = true;

/**
 * Turns the SIMD filter gradient off (Conv2DBackpropFilter then runs its XNNPACK composition while
 * the other SIMD kernels stay on) or back on; for A/B measurement (bench/simd-ab.ts --ab filter-grad).
 */
export function setSimdFilterGradEnabled(on: boolean): void {
  enabled = on;
}

/** Whether Conv2DBackpropFilter may run {@link simdConv2dBackpropFilter} (see {@link setSimdFilterGradEnabled}). */
export function simdFilterGradEnabled(): boolean {
  return enabled;
}

/** Floats of x and dy per pixel block of conv2d_backprop_filter (what stays in cache while the taps pass over it). */
export const FILTER_GRAD_BLOCK_FLOATS = 8192;

/**
 * Conv2DBackpropFilter of float32 NHWC `x` and `dy` in one pass of kernels.c's
 * conv2d_backprop_filter: reads x and dy in place (no transposes, no im2col), keeps a tile of
 * 4 input x 8 output channels of one tap in SIMD registers while it streams over the pixels, and
 * handles padding by skipping the pixels whose input cell is outside the image. Returns a new
 * backend tensor [kh, kw, Cin, Cout].
 */
export function simdConv2dBackpropFilter(k: WasmSimdKernels, x: TensorInfo, dy: TensorInfo, g: ConvGeometry, blockFloats = FILTER_GRAD_BLOCK_FLOATS): TensorInfo {
  const cout = dy.shape[3]!;
  const dw = k.output([g.filterHeight, g.filterWidth, g.inChannels, cout]);
  k.exports.conv2d_backprop_filter(
    k.offset(x), k.offset(dy), k.offset(dw),
    g.batch, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, cout,
    g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth, g.pads.top, g.pads.left, blockFloats,
  );
  return dw;
}
