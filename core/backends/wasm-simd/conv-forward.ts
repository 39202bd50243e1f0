import type { TensorInfo } from '@tensorflow/tfjs';
import type { ConvGeometry } from '../wasm-gradients/geometry.js';
import type { WasmSimdKernels } from './instance.js';

let enabled = true;

/**
 * Turns the SIMD forward conv off (Conv2D then runs the stock XNNPACK kernel while the other SIMD
 * kernels stay on) or back on; for A/B measurement (bench/simd-ab.ts --ab forward).
 */
export function setSimdConvForwardEnabled(on: boolean): void {
  enabled = on;
}

/** Whether Conv2D may run {@link simdConv2d} (see {@link setSimdConvForwardEnabled}). */
export function simdConvForwardEnabled(): boolean {
  return enabled;
}

/**
 * Conv2D of float32 NHWC `x` with filter [kh, kw, Cin, Cout] in one pass of kernels.c's
 * conv2d_forward: per output row and tap, tiles of 4 pixels x 8 output channels summed over Cin in
 * SIMD registers, taps added in XNNPACK's order. Returns a new backend tensor [N, Ho, Wo, Cout].
 */
export function simdConv2d(k: WasmSimdKernels, x: TensorInfo, filter: TensorInfo, g: ConvGeometry): TensorInfo {
  const cout = filter.shape[3]!;
  const y = k.output([g.batch, g.outHeight, g.outWidth, cout]);
  k.exports.conv2d_forward(
    k.offset(x), k.offset(filter), k.offset(y),
    g.batch, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, cout,
    g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth, g.pads.top, g.pads.left,
  );
  return y;
}
