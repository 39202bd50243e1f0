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
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { useBackend } from '../core/backends/resolve.js';
import { oneConvFilterGrad } from '../core/backends/wasm-gradients/conv2d-backprop-filter.js';
import { convGeometry } from '../core/backends/wasm-gradients/geometry.js';
import { stockWasmKernel } from '../core/backends/wasm-gradients/stock-kernels.js';
import { withKernelScope } from '../core/backends/wasm-gradients/kernel-scope.js';
import { tapRowsFilterGrad } from '../core/backends/wasm-gradients/tap-rows-filter.js';
import { simdConv2dBackpropFilter } from '../core/backends/wasm-simd/conv-filter-grad.js';
import { wasmSimdKernels } from '../core/backends/wasm-simd/instance.js';
import { CONV_LAYERS as LAYERS, N } from './conv-layers.js';
import { machineInfo } from './machine.js';
import { median } from './stats.js';

const CANDIDATES = ['forward', 'oneConv', 'im2colGemm', 'simd'] as const;
type Candidate = (typeof CANDIDATES)[number];

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** ms of one call of `f` (its output disposed). */
function timeOnce(f: () => tf.TensorInfo): number {
  const start = performance.now();
  const out = f();
  const ms = performance.now() - start;
  if (out instanceof tf.Tensor) out.dispose();
  else tf.backend().disposeData(out.dataId);
  return ms;
}

async function main(): Promise<void> {
  const rounds = Number(flag('--rounds', '7'));
  const only = flag('--only', '');
  const out = flag('--out', path.join('bench', 'results', '2026-12-01-conv-filter-grad.json'));
  await useBackend('wasm');
  const backend = tf.backend();
  const simd = wasmSimdKernels(backend);
  if (simd === null) throw new Error('the wasm SIMD kernels are not available');
  const machine = machineInfo();
  const rows = [];
  for (const layer of LAYERS.filter((l) => only === '' || l.usedBy.includes(only))) {
    const x = tf.randomUniform(layer.x, -1, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomUniform(layer.filter, -1, 1, 'float32', 2) as tf.Tensor4D;
    const y = tf.conv2d(x, w, layer.stride, 'same');
    const dy = tf.randomUniform(y.shape, -1, 1, 'float32', 3);
    const g = convGeometry('bench', layer.x, layer.filter, { strides: layer.stride, pad: 'same' }, false);
    const calls: Record<Candidate, () => tf.TensorInfo> = {
      forward: () => stockWasmKernel('Conv2D')({ inputs: { x, filter: w }, backend, attrs: { strides: layer.stride, pad: 'same', dataFormat: 'NHWC', dilations: 1 } }) as tf.TensorInfo,
      oneConv: () => withKernelScope(backend, (scope) => oneConvFilterGrad(scope, x, dy, g)),
      im2colGemm: () => withKernelScope(backend, (scope) => tapRowsFilterGrad(scope, x, dy, g)),
      simd: () => simdConv2dBackpropFilter(simd, x, dy, g),
    };
    const samples: Record<Candidate, number[]> = { forward: [], oneConv: [], im2colGemm: [], simd: [] };
    for (const c of CANDIDATES) timeOnce(calls[c]); // warm-up: XNNPACK operator caches, JIT
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? CANDIDATES : [...CANDIDATES].reverse();
      for (const c of order) samples[c].push(timeOnce(calls[c]));
    }
    tf.dispose([x, w, y, dy]);
    const ms = Object.fromEntries(CANDIDATES.map((c) => [c, median(samples[c])])) as Record<Candidate, number>;
    const min = Object.fromEntries(CANDIDATES.map((c) => [c, Math.min(...samples[c])])) as Record<Candidate, number>;
    const vsForward = Object.fromEntries(CANDIDATES.slice(1).map((c) => [c, ms[c] / ms.forward]));
    const vsForwardMin = Object.fromEntries(CANDIDATES.slice(1).map((c) => [c, min[c] / min.forward]));
    rows.push({ ...layer, msMedian: ms, msMin: min, vsForward, vsForwardMin });
    console.log(`${layer.usedBy.padEnd(30)} x=[${layer.x}] k=${layer.filter[0]} s=${layer.stride} ${layer.filter[2]}->${layer.filter[3]}: ` +
      CANDIDATES.map((c) => `${c} ${ms[c].toFixed(1)}`).join(', ') + ` ms | simd/forward ${vsForward.simd!.toFixed(2)} (of minima ${vsForwardMin.simd!.toFixed(2)}), oneConv/forward ${vsForward.oneConv!.toFixed(2)}`);
  }
  if (tf.memory().numTensors !== 0) throw new Error(`bench leaked ${tf.memory().numTensors} tensors`);
  const result = { date: new Date().toISOString(), machine, command: `npx tsx bench/conv-filter-grad.ts --rounds ${rounds}${only ? ` --only '${only}'` : ''}`, batch: N, rounds, layers: rows };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(`${out}.tmp`, JSON.stringify(result, null, 2) + '\n');
  renameSync(`${out}.tmp`, out);
  console.log(`wrote ${out}`);
}

await main();
