// kernels.c's conv2d_forward, conv2d_backprop_filter and conv2d_backprop_input (the wasm Conv2D,
// Conv2DBackpropFilter and Conv2DBackpropInput when the SIMD kernels are on) against the stock
// XNNPACK conv and the compositions they replace (the kernels off: XNNPACK convs, tap rows, stride
// phases) and against the cpu backend's tf.conv2d and tf.grads: real layer shapes of small-cnn/resnet20/resnet8 at a small batch, odd sizes and
// channel counts (the kernels' 1-channel, 4-lane and scalar tails), stride 1/2, 'same'/'valid'/explicit
// padding, 1x1/3x3/5x5, dilation, every block size, leaks.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { convGeometry } from '../../core/backends/wasm-gradients/geometry.js';
import { simdConv2dBackpropFilter } from '../../core/backends/wasm-simd/conv-filter-grad.js';
import { simdConv2d } from '../../core/backends/wasm-simd/conv-forward.js';
import { simdConv2dBackpropInput } from '../../core/backends/wasm-simd/conv-input-grad.js';
import { setWasmFmaKernelsEnabled, setWasmSimdKernelsEnabled, wasmKernelsBuild, wasmSimdKernels } from '../../core/backends/wasm-simd/instance.js';
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
  { x: [2, 9, 10, 13], k: 3, cout: 5, stride: 2, pad: 'same', what: 'odd: 13 inputs (8 + 4 + 1 lanes of dx)' },
  { x: [2, 7, 11, 2], k: 3, cout: 3, stride: 1, pad: 'same', what: 'odd: 2 inputs (scalar dx), rows of 11 (4 + 4 + 2 + 1 pixels)' },
  { x: [3, 7, 7, 16], k: 3, cout: 12, stride: 1, pad: 'same', what: '16 inputs (the SIMD forward), 12 outputs (8 + 4), rows of 7 and 6' },
  { x: [2, 6, 9, 24], k: 3, cout: 20, stride: 2, pad: 'valid', what: '24 inputs, 20 outputs, stride 2 valid' },
];

/** [dx, dW] of the conv by tf.grads on the current backend (wasm: Conv2DBackpropInput, Conv2DBackpropFilter). */
const convGrads = (c: Case) => (): tf.Tensor[] => {
  const x = rand(c.x, 1) as tf.Tensor4D;
  const w = rand([c.k, c.k, c.x[3], c.cout], 2) as tf.Tensor4D;
  const dy = rand(tf.conv2d(x, w, c.stride, c.pad).shape, 3);
  return tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.stride, c.pad), dy)))([x, w]);
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

/** The forward conv on the current backend (wasm: Conv2D). */
const forward = (c: Case) => (): tf.Tensor[] => [tf.conv2d(rand(c.x, 1) as tf.Tensor4D, rand([c.k, c.k, c.x[3], c.cout], 2) as tf.Tensor4D, c.stride, c.pad)];

// Both builds of the kernels (core/backends/wasm-simd/instance.ts): with fused multiply-adds (relaxed
// SIMD; on Node 20 instance.ts turns V8's flag for it on) and SIMD128 only.
for (const build of ['fma', 'simd128'] as const) {
  describe(`the ${build} build`, () => {
    beforeAll(() => setWasmFmaKernelsEnabled(build === 'fma'));
    afterAll(() => setWasmFmaKernelsEnabled(true));

    it('is the build that runs', () => {
      expect(wasmKernelsBuild()).toBe(build);
    });

  describe('Conv2D: SIMD kernel = XNNPACK = cpu', () => {
    for (const c of CASES) {
      it(`x=${c.x} k=${c.k} cout=${c.cout} s=${JSON.stringify(c.stride)} pad=${JSON.stringify(c.pad)}`, async () => {
        const [registered] = withSimd(true, forward(c));
        const [xnnpack] = withSimd(false, forward(c));
        const [cpu] = await onCpu(forward(c));
        // The kernel itself, also where the registered Conv2D leaves the shape to XNNPACK (few or odd channels).
        const k = wasmSimdKernels(tf.backend())!;
        const [simd] = read(() => {
          const x = rand(c.x, 1);
          const w = rand([c.k, c.k, c.x[3], c.cout], 2);
          return [tf.engine().makeTensorFromTensorInfo(simdConv2d(k, x, w, convGeometry('test', c.x, w.shape, { strides: c.stride, pad: c.pad }, false)))];
        });
        expect(relError(simd!, cpu!)).toBeLessThan(TOLERANCE);
        expect(relError(registered!, cpu!)).toBeLessThan(TOLERANCE);
        expect(relError(simd!, xnnpack!)).toBeLessThan(1e-6);
      });
    }

    // The FMA build rounds each multiply-add once, so only the SIMD128 build can match XNNPACK's SIMD128 conv exactly.
    if (build === 'simd128') {
      it('agrees with XNNPACK to the bit on the layer shapes of the models (both add the taps in the same order)', () => {
        for (const c of CASES.slice(1, 7)) {
          const [registered] = withSimd(true, forward(c));
          const [xnnpack] = withSimd(false, forward(c));
          expect(Array.from(registered!)).toEqual(Array.from(xnnpack!));
        }
      });
    }
  });

  describe('Conv2DBackpropInput and Conv2DBackpropFilter: SIMD kernels = stock compositions = cpu', () => {
    for (const c of CASES) {
      it(`x=${c.x} k=${c.k} cout=${c.cout} s=${JSON.stringify(c.stride)} pad=${JSON.stringify(c.pad)}: ${c.what}`, async () => {
        const simd = withSimd(true, convGrads(c));
        const stock = withSimd(false, convGrads(c));
        const cpu = await onCpu(convGrads(c));
        expect(simd).toHaveLength(2);
        simd.forEach((a, i) => expect(relError(a, cpu[i]!)).toBeLessThan(TOLERANCE));
        stock.forEach((a, i) => expect(relError(a, cpu[i]!)).toBeLessThan(1e-4));
      });
    }

    it('with dilation 2 (attr on the kernels; 16 input channels, so all three SIMD kernels run) equal XNNPACK and the stock compositions', () => {
      for (const pad of ['same', 'valid'] as const) {
        const f = (): tf.Tensor[] => {
          const x = rand([2, 11, 10, 16], 4);
          const w = rand([3, 3, 16, 8], 6);
          const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, pad, 'NHWC', 2);
          const dy = rand(y.shape, 5);
          const attrs = { strides: 1, dilations: 2, pad, dataFormat: 'NHWC' };
          return [
            y,
            tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: [3, 3, 16, 8] }) as tf.Tensor,
            tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape }) as tf.Tensor,
          ];
        };
        const simd = withSimd(true, f);
        const stock = withSimd(false, f);
        simd.forEach((a, i) => expect(relError(a, stock[i]!)).toBeLessThan(TOLERANCE));
      }
    });

    it('are what the registered kernels run, and give the same result for every block size', async () => {
      const c = CASES[2]!;
      const [dxCpu, dwCpu] = await onCpu(convGrads(c));
      const k = wasmSimdKernels(tf.backend())!;
      const x = rand(c.x, 1);
      const w = rand([c.k, c.k, c.x[3], c.cout], 2) as tf.Tensor4D;
      const dy = rand(tf.conv2d(x as tf.Tensor4D, w, c.stride, c.pad).shape, 3);
      const g = convGeometry('test', c.x, w.shape, { strides: c.stride, pad: c.pad }, false);
      const [dxRegistered, dwRegistered] = withSimd(true, convGrads(c));
      const read = (info: tf.TensorInfo): Float32Array => {
        const t = tf.engine().makeTensorFromTensorInfo(info);
        const values = t.dataSync() as Float32Array;
        t.dispose();
        return values;
      };
      // 1 float: one row per block; 3000: a few rows; 1e6: whole images (in one group for the filter gradient).
      for (const blockFloats of [1, 3000, 1e6]) {
        const dw = read(simdConv2dBackpropFilter(k, x, dy, g, blockFloats));
        const dx = read(simdConv2dBackpropInput(k, dy, w, g, blockFloats));
        expect(relError(dw, dwCpu!)).toBeLessThan(TOLERANCE);
        expect(relError(dx, dxCpu!)).toBeLessThan(TOLERANCE);
        if (blockFloats === 3000) {
          expect(relError(dw, dwRegistered!)).toBeLessThan(TOLERANCE);
          expect(relError(dx, dxRegistered!)).toBeLessThan(TOLERANCE);
        }
      }
      tf.dispose([x, w, dy]);
    });

    it('conv2d_backprop_input is right for input channels the registered kernel leaves to the composition (1, 2, 3, 5, 13)', async () => {
      const k = wasmSimdKernels(tf.backend())!;
      for (const c of CASES.filter((cc) => cc.x[3] % 4 !== 0)) {
        const [dxCpu] = await onCpu(convGrads(c));
        const dy = rand(tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros([c.k, c.k, c.x[3], c.cout]) as tf.Tensor4D, c.stride, c.pad).shape), 3);
        const w = rand([c.k, c.k, c.x[3], c.cout], 2);
        const dx = tf.engine().makeTensorFromTensorInfo(simdConv2dBackpropInput(k, dy, w, convGeometry('test', c.x, w.shape, { strides: c.stride, pad: c.pad }, false)));
        expect(relError(dx.dataSync() as Float32Array, dxCpu!)).toBeLessThan(TOLERANCE);
        tf.dispose([dx, dy, w]);
      }
    });

    it('leak nothing (tensors, backend buffers, wasm heap)', () => {
      const backend = tf.backend() as tf.KernelBackend & { numDataIds(): number; wasm: { HEAPU8: Uint8Array } };
      // 8 input channels: both SIMD kernels; 5: the SIMD filter gradient next to the input gradient's composition.
      for (const c of [CASES[12]!, CASES[7]!]) {
        const f = convGrads(c);
        tf.dispose(tf.tidy(f));
        const before = { ...tf.memory(), dataIds: backend.numDataIds(), heap: backend.wasm.HEAPU8.length };
        for (let i = 0; i < 3; i++) tf.dispose(tf.tidy(f));
        expect(tf.memory().numTensors).toBe(before.numTensors);
        expect(tf.memory().numBytes).toBe(before.numBytes);
        expect(backend.numDataIds()).toBe(before.dataIds);
        expect(backend.wasm.HEAPU8.length).toBe(before.heap);
      }
    });
  });
  });
}
