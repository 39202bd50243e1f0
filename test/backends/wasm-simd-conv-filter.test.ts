// kernels.c's conv2d_backprop_filter (the wasm Conv2DBackpropFilter when the SIMD kernels are on)
// against the composition it replaces (the kernels off: one XNNPACK conv, or tap rows) and against
// the cpu backend's tf.grad of the forward conv: real layer shapes of small-cnn/resnet20/resnet8 at a
// small batch, odd sizes and channel counts (the kernel's 1-channel, 4-lane and scalar tails),
// stride 1/2, 'same'/'valid'/explicit padding, 1x1/3x3/5x5, dilation, every pixel-block size, leaks.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { convGeometry } from '../../core/backends/wasm-gradients/geometry.js';
import { simdConv2dBackpropFilter } from '../../core/backends/wasm-simd/conv-filter-grad.js';
import { setWasmSimdKernelsEnabled, wasmSimdKernels } from '../../core/backends/wasm-simd/instance.js';
import { relError } from '../helpers/rel-error.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
const rand = (shape: number[], seed: number): tf.Tensor => tf.randomUniform(shape, -1, 1, 'float32', seed);
const TOLERANCE = 1e-5;

interface Case {
  x: Shape4;
  k: number;
  cout: number;
  stride: number | [number, number];
  pad: Pad;
  what: string;
}

const CASES: Case[] = [
  { x: [6, 28, 28, 1], k: 3, cout: 16, stride: 1, pad: 'same', what: 'small-cnn stage1 / resnet20 stem (1 input channel)' },
  { x: [8, 28, 28, 16], k: 3, cout: 16, stride: 1, pad: 'same', what: 'resnet20 stage1' },
  { x: [8, 28, 28, 16], k: 3, cout: 32, stride: 2, pad: 'same', what: 'resnet20 stage2 conv1' },
  { x: [8, 14, 14, 32], k: 1, cout: 64, stride: 2, pad: 'same', what: 'resnet20 stage3 shortcut' },
  { x: [8, 7, 7, 64], k: 3, cout: 64, stride: 1, pad: 'same', what: 'resnet20 stage3 (image groups)' },
  { x: [4, 28, 28, 20], k: 3, cout: 20, stride: 1, pad: 'same', what: 'resnet8 stage1 (8 + 8 + 4 output lanes)' },
  { x: [4, 14, 14, 40], k: 3, cout: 80, stride: 2, pad: 'same', what: 'resnet8 stage3 conv1' },
  { x: [3, 9, 11, 5], k: 3, cout: 7, stride: 2, pad: 'valid', what: 'odd: 4 + 1 input, 4 + 3 scalar output channels' },
  { x: [2, 10, 9, 6], k: 5, cout: 13, stride: 1, pad: 'same', what: 'odd: 5x5, 13 outputs (8 + 4 + 1)' },
  { x: [2, 9, 8, 3], k: 3, cout: 2, stride: [1, 2], pad: 'same', what: 'odd: scalar outputs only, stride [1,2]' },
  { x: [2, 8, 9, 3], k: 3, cout: 9, stride: 2, pad: [[0, 0], [2, 1], [0, 3], [0, 0]], what: 'explicit uneven padding' },
  { x: [1, 6, 6, 4], k: 3, cout: 8, stride: 1, pad: [[0, 0], [4, 0], [1, 2], [0, 0]], what: 'padding wider than a tap reaches (empty taps)' },
  { x: [3, 5, 5, 8], k: 1, cout: 8, stride: 1, pad: 'valid', what: '1x1 stride 1' },
];

/** dW of the conv by tf.grad on the current backend (wasm: Conv2DBackpropFilter). */
const filterGrad = (c: Case) => (): tf.Tensor[] => {
  const x = rand(c.x, 1) as tf.Tensor4D;
  const w = rand([c.k, c.k, c.x[3], c.cout], 2) as tf.Tensor4D;
  const dy = rand(tf.conv2d(x, w, c.stride, c.pad).shape, 3);
  return [tf.grad((ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, ww as tf.Tensor4D, c.stride, c.pad), dy)))(w)];
};

function read(f: () => tf.Tensor[]): Float32Array[] {
  return tf.tidy(() => f().map((t) => t.dataSync() as Float32Array));
}

function withSimd(on: boolean, f: () => tf.Tensor[]): Float32Array[] {
  setWasmSimdKernelsEnabled(on);
  try {
    return read(f);
  } finally {
    setWasmSimdKernelsEnabled(true);
  }
}

async function onCpu(f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend('cpu');
  try {
    return read(f);
  } finally {
    await tf.setBackend('wasm');
  }
}

beforeAll(async () => {
  await useBackend('wasm');
});

afterAll(() => setWasmSimdKernelsEnabled(true));

describe('Conv2DBackpropFilter: SIMD kernel = stock composition = cpu', () => {
  for (const c of CASES) {
    it(`x=${c.x} k=${c.k} cout=${c.cout} s=${JSON.stringify(c.stride)} pad=${JSON.stringify(c.pad)}: ${c.what}`, async () => {
      const [simd] = withSimd(true, filterGrad(c));
      const [stock] = withSimd(false, filterGrad(c));
      const [cpu] = await onCpu(filterGrad(c));
      expect(relError(simd!, cpu!)).toBeLessThan(TOLERANCE);
      expect(relError(stock!, cpu!)).toBeLessThan(1e-4);
    });
  }

  it('with dilation 2 (attr on the kernel) equals the stock composition', () => {
    for (const pad of ['same', 'valid'] as const) {
      const f = (): tf.Tensor[] => {
        const x = rand([2, 11, 10, 5], 4);
        const dy = rand(tf.conv2d(x as tf.Tensor4D, tf.zeros([3, 3, 5, 6]) as tf.Tensor4D, 1, pad, 'NHWC', 2).shape, 5);
        return [tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, dilations: 2, pad, dataFormat: 'NHWC', filterShape: [3, 3, 5, 6] }) as tf.Tensor];
      };
      const [simd] = withSimd(true, f);
      const [stock] = withSimd(false, f);
      expect(relError(simd!, stock!)).toBeLessThan(TOLERANCE);
    }
  });

  it('is what the registered kernel runs, and gives the same result for every pixel-block size', async () => {
    const c = CASES[2]!;
    const [cpu] = await onCpu(filterGrad(c));
    const k = wasmSimdKernels(tf.backend())!;
    const x = rand(c.x, 1);
    const w = rand([c.k, c.k, c.x[3], c.cout], 2) as tf.Tensor4D;
    const dy = rand(tf.conv2d(x as tf.Tensor4D, w, c.stride, c.pad).shape, 3);
    const g = convGeometry('test', c.x, w.shape, { strides: c.stride, pad: c.pad }, false);
    const [registered] = withSimd(true, filterGrad(c));
    // 1 float: one output row per block; 3000: a few rows; 1e6: whole images in one group.
    for (const blockFloats of [1, 3000, 1e6]) {
      const info = simdConv2dBackpropFilter(k, x, dy, g, blockFloats);
      const dw = tf.engine().makeTensorFromTensorInfo(info);
      const values = dw.dataSync() as Float32Array;
      expect(relError(values, cpu!)).toBeLessThan(TOLERANCE);
      if (blockFloats === 3000) expect(relError(values, registered!)).toBeLessThan(TOLERANCE);
      dw.dispose();
    }
    tf.dispose([x, w, dy]);
  });

  it('leaks nothing (tensors, backend buffers, wasm heap)', () => {
    const backend = tf.backend() as tf.KernelBackend & { numDataIds(): number; wasm: { HEAPU8: Uint8Array } };
    const f = filterGrad(CASES[7]!);
    tf.dispose(tf.tidy(f));
    const before = { ...tf.memory(), dataIds: backend.numDataIds(), heap: backend.wasm.HEAPU8.length };
    for (let i = 0; i < 3; i++) tf.dispose(tf.tidy(f));
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    expect(backend.numDataIds()).toBe(before.dataIds);
    expect(backend.wasm.HEAPU8.length).toBe(before.heap);
  });
});
