/**
 * The shared driver of the per-layer conv benches (conv-filter-grad.ts, conv-input-grad.ts,
 * conv-forward.ts): command-line flags, the wasm backend with trickster's SIMD kernels, each layer's
 * seeded inputs, interleaved timing and the result file.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { useBackend } from '../core/backends/resolve.js';
import { convGeometry, type ConvGeometry } from '../core/backends/wasm-gradients/geometry.js';
import { wasmSimdKernels, type WasmSimdKernels } from '../core/backends/wasm-simd/instance.js';
import { CONV_LAYERS, N, type ConvLayer } from './conv-layers.js';
import { machineInfo } from './machine.js';
import { median } from './stats.js';

/** The value after `--name` on the command line, or `fallback`. */
function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** What every conv bench runs with: `--rounds`, `--only`, `--out`, the wasm backend and its SIMD kernels. */
export interface ConvBench {
  readonly script: string;
  readonly rounds: number;
  readonly only: string;
  readonly out: string;
  readonly backend: tf.KernelBackend;
  readonly simd: WasmSimdKernels;
  /** The shapes of bench/conv-layers.ts whose description contains `--only`. */
  readonly layers: readonly ConvLayer[];
}

/** Parses the flags of bench/`script` and activates wasm; throws when the SIMD kernels cannot load. */
export async function convBench(script: string): Promise<ConvBench> {
  const rounds = Number(flag('--rounds', '7'));
  const only = flag('--only', '');
  const out = flag('--out', path.join('bench', 'results', `2026-12-01-${script.replace(/\.ts$/, '')}.json`));
  await useBackend('wasm');
  const backend = tf.backend();
  const simd = wasmSimdKernels(backend);
  if (simd === null) throw new Error('the wasm SIMD kernels are not available');
  return { script, rounds, only, out, backend, simd, layers: CONV_LAYERS.filter((l) => only === '' || l.usedBy.includes(only)) };
}

/** A layer's seeded random input, filter and output gradient, its geometry and conv attrs ('same' padding). */
export interface LayerInputs {
  readonly x: tf.Tensor4D;
  readonly w: tf.Tensor4D;
  readonly dy: tf.Tensor4D;
  readonly g: ConvGeometry;
  readonly attrs: { strides: number; pad: 'same'; dataFormat: 'NHWC'; dilations: number };
  /** Disposes the tensors. */
  dispose(): void;
}

/** The inputs of `layer`'s conv and of its gradients, from fixed seeds. */
export function layerInputs(layer: ConvLayer): LayerInputs {
  const x = tf.randomUniform(layer.x, -1, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomUniform(layer.filter, -1, 1, 'float32', 2) as tf.Tensor4D;
  const y = tf.conv2d(x, w, layer.stride, 'same');
  const dy = tf.randomUniform(y.shape, -1, 1, 'float32', 3) as tf.Tensor4D;
  y.dispose();
  const g = convGeometry('bench', layer.x, layer.filter, { strides: layer.stride, pad: 'same' }, false);
  return { x, w, dy, g, attrs: { strides: layer.stride, pad: 'same', dataFormat: 'NHWC', dilations: 1 }, dispose: () => tf.dispose([x, w, dy]) };
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

/** Per candidate: the median and the minimum ms of one call. */
export interface Timings<C extends string> {
  readonly ms: Record<C, number>;
  readonly min: Record<C, number>;
}

/** Times every candidate once to warm up (XNNPACK operator caches, JIT), then `rounds` times, the order reversed every other round. */
export function timeInterleaved<C extends string>(candidates: readonly C[], calls: Record<C, () => tf.TensorInfo>, rounds: number): Timings<C> {
  const samples = Object.fromEntries(candidates.map((c) => [c, [] as number[]])) as unknown as Record<C, number[]>;
  for (const c of candidates) timeOnce(calls[c]);
  for (let r = 0; r < rounds; r++) {
    for (const c of r % 2 === 0 ? candidates : [...candidates].reverse()) samples[c].push(timeOnce(calls[c]));
  }
  return {
    ms: Object.fromEntries(candidates.map((c) => [c, median(samples[c])])) as Record<C, number>,
    min: Object.fromEntries(candidates.map((c) => [c, Math.min(...samples[c])])) as Record<C, number>,
  };
}

/** A layer's line in the printed log: its description and shape. */
export function layerLabel(layer: ConvLayer): string {
  return `${layer.usedBy.padEnd(30)} x=[${layer.x}] k=${layer.filter[0]} s=${layer.stride} ${layer.filter[2]}->${layer.filter[3]}`;
}

/** Checks for leaked tensors, then writes the rows with the machine and command to `--out` (atomically). */
export function writeConvBench(bench: ConvBench, rows: readonly object[]): void {
  if (tf.memory().numTensors !== 0) throw new Error(`bench leaked ${tf.memory().numTensors} tensors`);
  const command = `npx tsx bench/${bench.script} --rounds ${bench.rounds}${bench.only ? ` --only '${bench.only}'` : ''}`;
  const result = { date: new Date().toISOString(), machine: machineInfo(), command, batch: N, rounds: bench.rounds, layers: rows };
  mkdirSync(path.dirname(bench.out), { recursive: true });
  writeFileSync(`${bench.out}.tmp`, JSON.stringify(result, null, 2) + '\n');
  renameSync(`${bench.out}.tmp`, bench.out);
  console.log(`wrote ${bench.out}`);
}

/**
 * Runs a gradient bench: per layer, the candidates (the first one, 'forward', is the reference)
 * timed interleaved; prints each candidate / forward ratio and writes medians, minima and ratios.
 */
export async function runGradientBench<C extends string>(script: string, candidates: readonly ['forward', ...C[]], callsOf: (bench: ConvBench, layer: ConvLayer, inputs: LayerInputs) => Record<'forward' | C, () => tf.TensorInfo>): Promise<void> {
  const bench = await convBench(script);
  const rows = [];
  for (const layer of bench.layers) {
    const inputs = layerInputs(layer);
    const { ms, min } = timeInterleaved(candidates, callsOf(bench, layer, inputs), bench.rounds);
    inputs.dispose();
    const vsForward = Object.fromEntries(candidates.slice(1).map((c) => [c, ms[c] / ms.forward]));
    const vsForwardMin = Object.fromEntries(candidates.slice(1).map((c) => [c, min[c] / min.forward]));
    rows.push({ ...layer, msMedian: ms, msMin: min, vsForward, vsForwardMin });
    const others = candidates.slice(1).map((c) => `${c}/forward ${vsForward[c]!.toFixed(2)} (of minima ${vsForwardMin[c]!.toFixed(2)})`);
    console.log(`${layerLabel(layer)}: ${candidates.map((c) => `${c} ${ms[c].toFixed(1)}`).join(', ')} ms | ${others.join(', ')}`);
  }
  writeConvBench(bench, rows);
}
