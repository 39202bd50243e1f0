import type { NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { ConvGeometry } from './geometry.js';
import type { KernelScope } from './kernel-scope.js';
import { reshape, slice, transpose } from './layout.js';

/**
 * Input channels up to which {@link tapRowsFilterGrad} beats the one-conv filter gradient. Measured
 * on wasm, batch 128, 3x3 'same', ms (one conv vs tap rows): 28x28 Cin 1 → 16: 12.6 vs 3.1;
 * Cin 2: 15.4 vs 6.0; Cin 4: 15.4 vs 11.3; Cin 3 → 64: 93.5 vs 21.5; 14x14 Cin 4 → 32: 6.8 vs 5.1;
 * but 28x28 Cin 8 → 16: 19.9 vs 27.7, 14x14 Cin 8 → 32: 8.8 vs 9.9, Cin 16: 13.2 vs 20.8.
 */
export const TAP_ROWS_MAX_IN_CHANNELS = 4;

/** Whether {@link tapRowsFilterGrad} handles this geometry: few input channels, stride 1. */
export function tapRowsApplies(g: ConvGeometry): boolean {
  return g.inChannels <= TAP_ROWS_MAX_IN_CHANNELS && g.strideHeight === 1 && g.strideWidth === 1 && g.pads.top >= 0 && g.pads.left >= 0;
}

/**
 * Conv2D filter gradient for inputs with few channels, as one XNNPACK matrix product:
 * dW[a,b,ci,co] = Σ_{n,i,j} xpad[n, i + a·dh, j + b·dw, ci] · dy[n,i,j,co]. Each tap (a,b) of each
 * input channel is one row of A = [Cin·kh·kw, N·Ho·Wo] (a shifted window of the padded input), so
 * dW = A · dy as [N·Ho·Wo, Cout], reordered to [kh, kw, Cin, Cout]. A has kh·kw copies of the input,
 * which is why this pays only for few channels (TAP_ROWS_MAX_IN_CHANNELS).
 */
export function tapRowsFilterGrad(scope: KernelScope, x: TensorInfo, dy: TensorInfo, g: ConvGeometry): TensorInfo {
  const { batch: n, inChannels: ci, outHeight: ho, outWidth: wo, filterHeight: kh, filterWidth: kw } = g;
  const cout = dy.shape[3]!;
  // [Cin, N, H, W]: rows stay contiguous, so padding and slicing copy runs of W values, not single floats.
  const planes = transpose(scope, x, [3, 0, 1, 2]);
  const bottom = Math.max(0, ho + (kh - 1) * g.dilationHeight - g.inHeight - g.pads.top);
  const right = Math.max(0, wo + (kw - 1) * g.dilationWidth - g.inWidth - g.pads.left);
  const paddings = [[0, 0], [0, 0], [g.pads.top, bottom], [g.pads.left, right]];
  const padded = paddings.every(([p, q]) => p === 0 && q === 0) ? planes : scope.run('PadV2', { x: planes }, { paddings, constantValue: 0 });
  const rows: TensorInfo[] = [];
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const window = slice(scope, padded, [0, 0, a * g.dilationHeight, b * g.dilationWidth], [ci, n, ho, wo]);
      rows.push(reshape(scope, window, [ci, 1, n * ho * wo]));
    }
  }
  // Concat takes its inputs as an array, unlike the named maps of other kernels.
  const stacked = rows.length === 1 ? rows[0]! : scope.run('Concat', rows as unknown as NamedTensorInfoMap, { axis: 1 });
  const a = reshape(scope, stacked, [1, ci * kh * kw, n * ho * wo]);
  const product = scope.run('BatchMatMul', { a, b: reshape(scope, dy, [1, n * ho * wo, cout]) }, { transposeA: false, transposeB: false });
  return transpose(scope, reshape(scope, product, [ci, kh, kw, cout]), [1, 2, 0, 3]);
}
