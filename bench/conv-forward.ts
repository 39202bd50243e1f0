/**
 * Micro-benchmark of kernels.c's conv2d_forward against the stock wasm Conv2D (XNNPACK) on the layer
 * shapes of bench/conv-layers.ts, interleaved per round.
 *
 *   npx tsx bench/conv-forward.ts [--rounds N] [--only TEXT] [--out FILE]
 *
 * Prints median ms per call, the SIMD / XNNPACK ratio (and of the minima) and the largest relative
 * difference of the outputs; writes bench/results/2026-12-01-conv-forward.json.
 */
import * as tf from '@tensorflow/tfjs';
import { stockWasmKernel } from '../core/backends/wasm-gradients/stock-kernels.js';
import { simdConv2d } from '../core/backends/wasm-simd/conv-forward.js';
import { convBench, layerInputs, layerLabel, timeInterleaved, writeConvBench } from './conv-bench.js';

const bench = await convBench('conv-forward.ts');
const rows = [];
for (const layer of bench.layers) {
  const inputs = layerInputs(layer);
  const { x, w, g, attrs } = inputs;
  const calls = {
    xnnpack: () => stockWasmKernel('Conv2D')({ inputs: { x, filter: w }, backend: bench.backend, attrs }) as tf.TensorInfo,
    simd: () => simdConv2d(bench.simd, x, w, g),
  };
  const [a, b] = [calls.xnnpack(), calls.simd()];
  const [ta, tb] = [tf.engine().makeTensorFromTensorInfo(a), tf.engine().makeTensorFromTensorInfo(b)];
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(ta, tb))).dataSync()[0]! / tf.max(tf.abs(ta)).dataSync()[0]!);
  tf.dispose([ta, tb]);
  const { ms, min } = timeInterleaved(['xnnpack', 'simd'] as const, calls, bench.rounds);
  inputs.dispose();
  rows.push({ ...layer, msMedian: ms, msMin: min, simdVsXnnpack: ms.simd / ms.xnnpack, simdVsXnnpackMin: min.simd / min.xnnpack, maxRelDiff: diff });
  console.log(`${layerLabel(layer)}: xnnpack ${ms.xnnpack.toFixed(1)}, simd ${ms.simd.toFixed(1)} ms | ${(ms.simd / ms.xnnpack).toFixed(2)} (of minima ${(min.simd / min.xnnpack).toFixed(2)}), max rel diff ${diff.toExponential(1)}`);
}
writeConvBench(bench, rows);
