import type { TensorInfo } from '@tensorflow/tfjs';
import type { ConvGeometry } from '../wasm-gradients/geometry.js';
import type { WasmSimdKernels } from './instance.js';

let enabled = true;

/**
 * Turns the SIMD input gradient off (Conv2DBackpropInput then runs its XNNPACK composition while
 * the other SIMD kernels stay on) or back on; for A/B measurement (bench/simd-ab.ts --ab input-grad).
 */
export function setSimdInputGradEnabled(on: boolean): void {
  enabled = on;
}

/** Whether Conv2DBackpropInput may run {@link simdConv2dBackpropInput} (see {@link setSimdInputGradEnabled}). */
export function simdInputGradEnabled(): boolean {
  return enabled;
}

/** Floats of dy and dx per block of conv2d_backprop_input (what stays in cache while the taps pass over it). */
export const INPUT_GRAD_BLOCK_FLOATS = 8192;

/**
 * Conv2DBackpropInput of float32 NHWC `dy` and filter [kh, kw, Cin, Cout] in one pass of kernels.c's
 * conv2d_backprop_input: every dy pixel adds W[a,b]·dy to the dx cell each tap reaches (no phase
 * split, no zero-inserted dy, no transposes of dy), in tiles of 4 pixels x 8 input channels summed
 * over Cout in SIMD registers. Returns a new backend tensor shaped like the conv's input.
 */
export function simdConv2dBackpropInput(k: WasmSimdKernels, dy: TensorInfo, filter: TensorInfo, g: ConvGeometry, blockFloats = INPUT_GRAD_BLOCK_FLOATS): TensorInfo {
  const cout = dy.shape[3]!;
  const dx = k.output([g.batch, g.inHeight, g.inWidth, g.inChannels]);
  const wt = k.output([g.filterHeight * g.filterWidth * g.inChannels * cout]);
  k.exports.conv2d_backprop_input(
    k.offset(dy), k.offset(filter), k.offset(wt), k.offset(dx),
    g.batch, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, cout,
    g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth, g.pads.top, g.pads.left, blockFloats,
  );
  k.free(wt);
  return dx;
}
