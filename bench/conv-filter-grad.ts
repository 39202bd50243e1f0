/**
 * Micro-benchmark of the wasm conv filter gradient against the forward conv of the same layer, per
 * layer shape of small-cnn, resnet20 and resnet8 (width 1.25) on 28x28x1 inputs at batch 128, and a
 * few shapes of other models (RGB input, 7x7 stride-2 stem, wide 1x1 and 3x3).
 *
 *   npx tsx bench/conv-filter-grad.ts [--rounds N] [--only TEXT] [--out FILE]
 *
 * --only keeps the shapes whose description contains TEXT.
 *
 * Per shape and round, interleaved (the machine is shared, so only side-by-side ratios mean much):
 * forward Conv2D (the stock XNNPACK kernel, not trickster's SIMD one), the one-conv filter gradient (x as [Cin,H,W,N] convolved with dy),
 * im2col + one BatchMatMul (tap-rows-filter.ts, every shape), and kernels.c's conv2d_backprop_filter
 * (SIMD, NHWC in place). Prints median ms per call and each candidate / forward ratio (and the ratio
 * of the minima: load from other jobs only adds time); writes medians, minima and ratios to
 * bench/results/2026-12-01-conv-filter-grad.json.
 */
import type * as tf from '@tensorflow/tfjs';
import { oneConvFilterGrad } from '../core/backends/wasm-gradients/conv2d-backprop-filter.js';
import { stockWasmKernel } from '../core/backends/wasm-gradients/stock-kernels.js';
import { withKernelScope } from '../core/backends/wasm-gradients/kernel-scope.js';
import { tapRowsFilterGrad } from '../core/backends/wasm-gradients/tap-rows-filter.js';
import { simdConv2dBackpropFilter } from '../core/backends/wasm-simd/conv-filter-grad.js';
import { runGradientBench } from './conv-bench.js';

await runGradientBench('conv-filter-grad.ts', ['forward', 'oneConv', 'im2colGemm', 'simd'], ({ backend, simd }, _layer, { x, w, dy, g, attrs }) => ({
  forward: () => stockWasmKernel('Conv2D')({ inputs: { x, filter: w }, backend, attrs }) as tf.TensorInfo,
  oneConv: () => withKernelScope(backend, (scope) => oneConvFilterGrad(scope, x, dy, g)),
  im2colGemm: () => withKernelScope(backend, (scope) => tapRowsFilterGrad(scope, x, dy, g)),
  simd: () => simdConv2dBackpropFilter(simd, x, dy, g),
}));
