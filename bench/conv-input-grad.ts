/**
 * Micro-benchmark of the wasm conv input gradient against the forward conv of the same layer, on the
 * layer shapes of bench/conv-layers.ts (small-cnn, resnet20, resnet8, resnet6-pool-stem at batch 128, a few others).
 *
 *   npx tsx bench/conv-input-grad.ts [--rounds N] [--only TEXT] [--out FILE]
 *
 * Per shape and round, interleaved (the machine is shared, so only side-by-side ratios mean much):
 * forward Conv2D (the stock XNNPACK kernel, not trickster's SIMD one), the stride-phase composition (one XNNPACK conv of dy with a
 * gathered filter, then a phase interleave) and kernels.c's conv2d_backprop_input (SIMD, in place).
 * Prints median ms per call and each candidate / forward ratio (and the ratio of the minima);
 * writes them to bench/results/2026-12-01-conv-input-grad.json. --only keeps the shapes whose
 * description contains TEXT.
 */
import * as tf from '@tensorflow/tfjs';
import { stockWasmKernel } from '../core/backends/wasm-gradients/stock-kernels.js';
import { setSimdInputGradEnabled, simdConv2dBackpropInput } from '../core/backends/wasm-simd/conv-input-grad.js';
import { runGradientBench } from './conv-bench.js';

await runGradientBench('conv-input-grad.ts', ['forward', 'phases', 'simd'], ({ backend, simd }, layer, { x, w, dy, g, attrs }) => ({
  forward: () => stockWasmKernel('Conv2D')({ inputs: { x, filter: w }, backend, attrs }) as tf.TensorInfo,
  phases: () => {
    setSimdInputGradEnabled(false);
    try {
      return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: layer.x }) as tf.TensorInfo;
    } finally {
      setSimdInputGradEnabled(true);
    }
  },
  simd: () => simdConv2dBackpropInput(simd, dy, w, g),
}));
