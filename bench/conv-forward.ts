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
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { useBackend } from '../core/backends/resolve.js';
import { convGeometry } from '../core/backends/wasm-gradients/geometry.js';
import { stockWasmKernel } from '../core/backends/wasm-gradients/stock-kernels.js';
import { simdConv2d } from '../core/backends/wasm-simd/conv-forward.js';
import { wasmSimdKernels } from '../core/backends/wasm-simd/instance.js';
import { CONV_LAYERS, N } from './conv-layers.js';
import { machineInfo } from './machine.js';
import { median } from './stats.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

async function main(): Promise<void> {
  const rounds = Number(flag('--rounds', '7'));
  const only = flag('--only', '');
  const out = flag('--out', path.join('bench', 'results', '2026-12-01-conv-forward.json'));
  await useBackend('wasm');
  const backend = tf.backend();
  const simd = wasmSimdKernels(backend);
  if (simd === null) throw new Error('the wasm SIMD kernels are not available');
  const machine = machineInfo();
  const rows = [];
  for (const layer of CONV_LAYERS.filter((l) => only === '' || l.usedBy.includes(only))) {
    const x = tf.randomUniform(layer.x, -1, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomUniform(layer.filter, -1, 1, 'float32', 2) as tf.Tensor4D;
    const g = convGeometry('bench', layer.x, layer.filter, { strides: layer.stride, pad: 'same' }, false);
    const attrs = { strides: layer.stride, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
    const calls = {
      xnnpack: () => stockWasmKernel('Conv2D')({ inputs: { x, filter: w }, backend, attrs }) as tf.TensorInfo,
      simd: () => simdConv2d(simd, x, w, g),
    };
    const [a, b] = [calls.xnnpack(), calls.simd()];
    const [ta, tb] = [tf.engine().makeTensorFromTensorInfo(a), tf.engine().makeTensorFromTensorInfo(b)];
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(ta, tb))).dataSync()[0]! / tf.max(tf.abs(ta)).dataSync()[0]!);
    tf.dispose([ta, tb]);
    const samples: Record<'xnnpack' | 'simd', number[]> = { xnnpack: [], simd: [] };
    for (let r = 0; r < rounds; r++) {
      for (const c of r % 2 === 0 ? (['xnnpack', 'simd'] as const) : (['simd', 'xnnpack'] as const)) {
        const start = performance.now();
        const o = calls[c]();
        samples[c].push(performance.now() - start);
        backend.disposeData(o.dataId);
      }
    }
    tf.dispose([x, w]);
    const ms = { xnnpack: median(samples.xnnpack), simd: median(samples.simd) };
    const min = { xnnpack: Math.min(...samples.xnnpack), simd: Math.min(...samples.simd) };
    rows.push({ ...layer, msMedian: ms, msMin: min, simdVsXnnpack: ms.simd / ms.xnnpack, simdVsXnnpackMin: min.simd / min.xnnpack, maxRelDiff: diff });
    console.log(`${layer.usedBy.padEnd(30)} x=[${layer.x}] k=${layer.filter[0]} s=${layer.stride} ${layer.filter[2]}->${layer.filter[3]}: xnnpack ${ms.xnnpack.toFixed(1)}, simd ${ms.simd.toFixed(1)} ms | ${(ms.simd / ms.xnnpack).toFixed(2)} (of minima ${(min.simd / min.xnnpack).toFixed(2)}), max rel diff ${diff.toExponential(1)}`);
  }
  if (tf.memory().numTensors !== 0) throw new Error(`bench leaked ${tf.memory().numTensors} tensors`);
  const result = { date: new Date().toISOString(), machine, command: `npx tsx bench/conv-forward.ts --rounds ${rounds}${only ? ` --only '${only}'` : ''}`, batch: N, rounds, layers: rows };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(`${out}.tmp`, JSON.stringify(result, null, 2) + '\n');
  renameSync(`${out}.tmp`, out);
  console.log(`wrote ${out}`);
}

await main();
