/**
 * Micro-benchmark of the wasm training kernels in core/backends/wasm-gradients.
 *
 *   npx tsx bench/wasm-kernels.ts
 *
 * For each shape: forward Conv2D on wasm, our wasm Conv2DBackpropFilter / Conv2DBackpropInput,
 * the stock wasm Conv2DBackpropInput (the stock wasm backend has no Conv2DBackpropFilter), and
 * the stock cpu backend. Then the other replaced kernels against their stock wasm versions (and
 * the cpu backend for the depthwise and pooling gradients).
 * Times are ms per call (min and median; wasm runs single-threaded in Node, so a busy machine
 * mostly shows up in the median). The cpu Conv2DBackpropFilter takes tens of seconds per call
 * at batch 128, so cpu kernels run once.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmGradientKernels } from '../core/backends/wasm-gradients/index.js';

interface Timing {
  min: number;
  median: number;
}

/** ms per call of `f` over `reps` runs; runs it once more first when `reps` > 1 (operator caches, JIT). */
function time(f: () => tf.Tensor | tf.Tensor[], reps: number): Timing {
  if (reps > 1) tf.dispose(f());
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    const out = f();
    samples.push(performance.now() - start);
    tf.dispose(out);
  }
  samples.sort((a, b) => a - b);
  return { min: samples[0], median: samples[samples.length >> 1] };
}

const fmt = (t: Timing): string => `${t.min.toFixed(1).padStart(8)} ${t.median.toFixed(1).padStart(8)}`;
const row = (name: string, t: Timing, ref?: Timing): void =>
  console.log(`  ${name.padEnd(48)}${fmt(t)}${ref === undefined ? '' : `   ${(ref.median / t.median).toFixed(1)}x faster`}`);
const run = (kernel: string, inputs: tf.NamedTensorMap, attrs: object) => (): tf.Tensor =>
  tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;

interface ConvShape {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
}

const CONV_SHAPES: ConvShape[] = [
  { x: [128, 28, 28, 16], filter: [3, 3, 16, 16], stride: 1 },
  { x: [128, 14, 14, 32], filter: [3, 3, 32, 32], stride: 1 },
  { x: [128, 28, 28, 16], filter: [3, 3, 16, 32], stride: 2 },
];

/** Forward and both backward calls of one conv shape on the current backend. */
function convCalls(shape: ConvShape): { fwd: () => tf.Tensor; input: () => tf.Tensor; filter: () => tf.Tensor; dispose: () => void } {
  const attrs = { strides: shape.stride, pad: 'same', dataFormat: 'NHWC' };
  const x = tf.randomNormal(shape.x) as tf.Tensor4D;
  const w = tf.randomNormal(shape.filter) as tf.Tensor4D;
  const dy = tf.randomNormal([shape.x[0], Math.ceil(shape.x[1] / shape.stride), Math.ceil(shape.x[2] / shape.stride), shape.filter[3]]);
  return {
    fwd: () => tf.conv2d(x, w, shape.stride, 'same'),
    input: run('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: shape.x }),
    filter: run('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: shape.filter }),
    dispose: () => tf.dispose([x, w, dy]),
  };
}

type ConvTimings = Record<'fwd' | 'stockInput' | 'cpuFwd' | 'cpuInput' | 'cpuFilter', Timing>;

/** Stock timings: cpu (one run each) and wasm before our kernels are registered. */
async function stockConvTimings(shape: ConvShape): Promise<ConvTimings> {
  await tf.setBackend('cpu');
  const cpu = convCalls(shape);
  const [cpuFwd, cpuInput, cpuFilter] = [time(cpu.fwd, 1), time(cpu.input, 1), time(cpu.filter, 1)];
  cpu.dispose();
  await tf.setBackend('wasm');
  const wasm = convCalls(shape);
  const [fwd, stockInput] = [time(wasm.fwd, 5), time(wasm.input, 5)];
  wasm.dispose();
  return { fwd, stockInput, cpuFwd, cpuInput, cpuFilter };
}

function printConv(shape: ConvShape, stock: ConvTimings): void {
  const ours = convCalls(shape);
  const [filter, input] = [time(ours.filter, 7), time(ours.input, 7)];
  ours.dispose();
  console.log(`\nConv2D x=[${shape.x}] filter=[${shape.filter}] stride ${shape.stride} 'same'                min   median (ms)`);
  row('wasm forward Conv2D (stock, XNNPACK)', stock.fwd);
  row('wasm Conv2DBackpropFilter (ours) vs cpu', filter, stock.cpuFilter);
  row('wasm Conv2DBackpropInput (ours) vs stock wasm', input, stock.stockInput);
  row('wasm Conv2DBackpropInput (ours) vs cpu', input, stock.cpuInput);
  row('stock wasm Conv2DBackpropInput', stock.stockInput);
  row('cpu forward Conv2D', stock.cpuFwd);
  row('cpu Conv2DBackpropFilter', stock.cpuFilter);
  row('cpu Conv2DBackpropInput', stock.cpuInput);
}

interface OtherCase {
  name: string;
  call: () => tf.Tensor;
  /** Also time the cpu backend (once). */
  cpu: boolean;
  /** A stock wasm kernel exists to compare with. */
  stockWasm: boolean;
}

/** Depthwise, MaxPoolGrad, Tile and transposed MatMul cases on the current backend. */
function otherCases(): { cases: OtherCase[]; tensors: tf.Tensor[] } {
  const x = tf.randomNormal([128, 28, 28, 32]) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 32, 1]) as tf.Tensor4D;
  const dwAttrs = { strides: 1, pad: 'same', dilations: 1 };
  const dwDy = tf.randomNormal([128, 28, 28, 32]);
  const relu = tf.relu(x);
  const pooled = tf.maxPool(relu, 2, 2, 'valid');
  const poolDy = tf.randomNormal(pooled.shape);
  const rstd = tf.randomNormal([1, 1, 1, 32]);
  const a = tf.randomNormal([128, 3136]);
  const b = tf.randomNormal([3136, 128]);
  const d = tf.randomNormal([128, 128]);
  const cases: OtherCase[] = [
    { name: 'depthwise forward 3x3 x=[128,28,28,32]', call: () => tf.depthwiseConv2d(x, w, 1, 'same'), cpu: true, stockWasm: true },
    { name: 'DepthwiseConv2dNativeBackpropInput', call: run('DepthwiseConv2dNativeBackpropInput', { dy: dwDy, filter: w }, { ...dwAttrs, inputShape: x.shape }), cpu: true, stockWasm: false },
    { name: 'DepthwiseConv2dNativeBackpropFilter', call: run('DepthwiseConv2dNativeBackpropFilter', { x, dy: dwDy }, { ...dwAttrs, filterShape: w.shape }), cpu: true, stockWasm: false },
    { name: 'MaxPoolGrad 2x2/2 on relu(x)', call: run('MaxPoolGrad', { dy: poolDy, input: relu, output: pooled }, { filterSize: 2, strides: 2, pad: 'valid' }), cpu: true, stockWasm: true },
    { name: 'AvgPoolGrad 2x2/2', call: run('AvgPoolGrad', { dy: poolDy, input: x }, { filterSize: 2, strides: 2, pad: 'valid' }), cpu: true, stockWasm: true },
    { name: 'Sum over [N,H,W] of x (batch-norm/bias grads)', call: () => tf.sum(x, [0, 1, 2]), cpu: false, stockWasm: true },
    { name: 'Tile [1,1,1,32] -> [128,28,28,32] (batch-norm grad)', call: () => tf.tile(rstd, [128, 28, 28, 1]), cpu: false, stockWasm: true },
    { name: 'MatMul dy·Wᵀ [128,128]x[128,3136]ᵀ', call: () => tf.matMul(d, b, false, true), cpu: false, stockWasm: true },
    { name: 'MatMul xᵀ·dy [128,3136]ᵀx[128,128]', call: () => tf.matMul(a, d, true, false), cpu: false, stockWasm: true },
  ];
  return { cases, tensors: [x, w, dwDy, relu, pooled, poolDy, rstd, a, b, d] };
}

/** Times every case accepted by `pick` on the current backend; returns [name, timing] pairs. */
function timeOthers(pick: (c: OtherCase) => boolean, reps: number): Array<[string, Timing | undefined]> {
  const { cases, tensors } = otherCases();
  const timings = cases.map((c): [string, Timing | undefined] => [c.name, pick(c) ? time(c.call, reps) : undefined]);
  tf.dispose(tensors);
  return timings;
}

async function main(): Promise<void> {
  console.log('measuring stock kernels (cpu runs once per kernel; cpu Conv2DBackpropFilter is very slow) ...');
  const stock: ConvTimings[] = [];
  for (const shape of CONV_SHAPES) stock.push(await stockConvTimings(shape));
  await tf.setBackend('cpu');
  const cpuOther = timeOthers((c) => c.cpu, 1);
  await tf.setBackend('wasm');
  const stockOther = timeOthers((c) => c.stockWasm, 5);

  registerWasmGradientKernels();
  CONV_SHAPES.forEach((shape, i) => printConv(shape, stock[i]));

  console.log(`\nOther kernels on wasm (ours)                                  min   median (ms)`);
  timeOthers(() => true, 7).forEach(([name, ours], i) => {
    const [stockWasm, cpu] = [stockOther[i][1], cpuOther[i][1]];
    const ref = [stockWasm && `stock wasm ${fmt(stockWasm).trim()}`, cpu && `cpu ${cpu.median.toFixed(1)}`];
    console.log(`  ${name.padEnd(52)}${fmt(ours!)}   ${ref.filter(Boolean).join(', ')}`);
  });
}

await main();
