// trickster's own WebAssembly SIMD kernels (core/backends/wasm-simd) against the compositions of stock
// wasm kernels they replace (the kernels turned off) and against the cpu backend, on real layer shapes
// and odd channel counts (the kernels' scalar tails), plus leaks, memory growth and the fallback.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { fusedMoments } from '../../core/backends/wasm-simd/batch-norm-forward.js';
import { fusedBatchNormGrad } from '../../core/backends/wasm-simd/batch-norm-grad.js';
import { setWasmSimdKernelsEnabled, wasmSimdKernels } from '../../core/backends/wasm-simd/instance.js';
import { batchNormTraining } from '../../core/models/batch-norm.js';
import { relError } from '../helpers/rel-error.js';

type Shape4 = [number, number, number, number];
const rand = (shape: number[], seed: number): tf.Tensor => tf.randomUniform(shape, -1, 1, 'float32', seed);

/** Reads `f`'s outputs on the current backend with the SIMD kernels on or off. */
function withSimd(on: boolean, f: () => tf.Tensor[]): Float32Array[] {
  setWasmSimdKernelsEnabled(on);
  try {
    return tf.tidy(() => f().map((t) => t.dataSync() as Float32Array));
  } finally {
    setWasmSimdKernelsEnabled(true);
  }
}

async function onCpu(f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend('cpu');
  try {
    return tf.tidy(() => f().map((t) => t.dataSync() as Float32Array));
  } finally {
    await tf.setBackend('wasm');
  }
}

function expectNoLeak(f: () => tf.Tensor[]): void {
  const backend = tf.backend() as tf.KernelBackend & { numDataIds(): number; wasm: { HEAPU8: Uint8Array } };
  tf.dispose(f());
  const before = { ...tf.memory(), dataIds: backend.numDataIds(), heap: backend.wasm.HEAPU8.length };
  for (let i = 0; i < 3; i++) tf.dispose(f());
  expect(tf.memory().numTensors).toBe(before.numTensors);
  expect(tf.memory().numBytes).toBe(before.numBytes);
  expect(backend.numDataIds()).toBe(before.dataIds);
  expect(backend.wasm.HEAPU8.length).toBe(before.heap);
}

beforeAll(async () => {
  await useBackend('wasm');
});

afterAll(() => setWasmSimdKernelsEnabled(true));

describe('the SIMD kernels reach the wasm backend memory', () => {
  it('binds to the wasm backend and to nothing else', async () => {
    expect(wasmSimdKernels(tf.backend())).not.toBeNull();
    expect(wasmSimdKernels(tf.findBackend('cpu'))).toBeNull();
    expect(wasmSimdKernels({})).toBeNull();
    // A backend whose memory is shared (tfjs' threaded build): the module, built for unshared memory, cannot import it.
    const shared = { makeOutput: () => null, dataIdMap: new Map(), wasm: { asm: { memory: new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }) } } };
    expect(wasmSimdKernels(shared)).toBeNull();
  });

  it('is turned off and on by setWasmSimdKernelsEnabled', () => {
    setWasmSimdKernelsEnabled(false);
    expect(wasmSimdKernels(tf.backend())).toBeNull();
    setWasmSimdKernelsEnabled(true);
    expect(wasmSimdKernels(tf.backend())).not.toBeNull();
  });
});

describe('MaxPoolGrad: SIMD kernel = stock composition = cpu', () => {
  const cases: Array<{ x: Shape4; k: number; s: number; pad: 'same' | 'valid' }> = [
    { x: [16, 28, 28, 32], k: 2, s: 2, pad: 'valid' }, // small-cnn's first pool, 16 of its 128 images
    { x: [4, 14, 14, 64], k: 2, s: 2, pad: 'valid' },
    { x: [3, 13, 11, 7], k: 3, s: 2, pad: 'same' }, // overlapping windows, 7 channels (SIMD + scalar tail)
    { x: [2, 9, 9, 3], k: 2, s: 1, pad: 'valid' },
    // Disjoint windows (stored, not accumulated): cells of no window must come out 0, edge windows are cut short.
    { x: [3, 13, 11, 6], k: 2, s: 2, pad: 'valid' }, // last row and column in no window; 6 channels (SIMD + tail)
    { x: [2, 7, 9, 8], k: 2, s: 2, pad: 'same' }, // the last window row and column hold one tap each
    { x: [2, 11, 10, 5], k: 2, s: 3, pad: 'valid' }, // stride > size: gaps between windows
  ];
  for (const c of cases) {
    it(`x=${c.x} k=${c.k} s=${c.s} ${c.pad}, relu input (tied zeros)`, async () => {
      const grad = (): tf.Tensor[] => {
        const x = tf.relu(rand(c.x, 41));
        return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.k, c.s, c.pad), rand(tf.maxPool(x as tf.Tensor4D, c.k, c.s, c.pad).shape, 42))))(x)];
      };
      const [simd] = withSimd(true, grad);
      const [stock] = withSimd(false, grad);
      const [cpu] = await onCpu(grad);
      expect(relError(simd!, cpu!)).toBeLessThan(1e-6);
      expect(relError(stock!, cpu!)).toBeLessThan(1e-6);
    });
  }

  it('stays right after the backend memory grows, and leaks nothing', () => {
    const x = tf.relu(rand([2, 9, 9, 5], 43)) as tf.Tensor4D;
    const f = (): tf.Tensor[] => tf.tidy(() => [tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 3, 2, 'same')))(x)]);
    const [before] = withSimd(true, f);
    const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    const big = tf.zeros([heap / 4 + 1024]); // forces the backend's WebAssembly.Memory to grow
    expect((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length).toBeGreaterThan(heap);
    const [after] = withSimd(true, f);
    expect(Array.from(after!)).toEqual(Array.from(before!));
    big.dispose();
    expectNoLeak(f);
    x.dispose();
  });
});

describe('batch-norm gradient: fused SIMD kernel = closed form from tf ops', () => {
  const shapes: number[][] = [
    [16, 28, 28, 32], // small-cnn's first batch-norm, 16 of its 128 images
    [8, 8, 8, 64],
    [5, 7, 7, 3], // 3 channels: scalar tail only
    [9, 6, 6, 13],
    [64, 10],
  ];
  const grads = (shape: number[]) => (): tf.Tensor[] => {
    const c = shape[shape.length - 1]!;
    const x = tf.add(tf.mul(rand(shape, 51), 3), 0.5);
    const axes = shape.slice(0, -1).map((_, i) => i);
    const { mean, variance } = tf.moments(x, axes) as { mean: tf.Tensor1D; variance: tf.Tensor1D };
    const dy = rand(shape, 52);
    const f = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(batchNormTraining(xx, mean, variance, g as tf.Tensor1D, b as tf.Tensor1D, 1e-3), dy));
    return tf.grads(f)([x, tf.add(rand([c], 53), 1), rand([c], 54)]);
  };
  for (const shape of shapes) {
    it(`[${shape}]: dx, dγ, dβ`, async () => {
      const simd = withSimd(true, grads(shape));
      const stock = withSimd(false, grads(shape));
      const cpu = await onCpu(grads(shape));
      simd.forEach((a, i) => expect(relError(a, stock[i]!)).toBeLessThan(1e-5));
      stock.forEach((a, i) => expect(relError(a, cpu[i]!)).toBeLessThan(1e-5));
    });
  }

  it('runs on wasm only: null on cpu, and null with the kernels off', async () => {
    const t = tf.ones([2, 3]);
    const v = tf.ones([3]) as tf.Tensor1D;
    setWasmSimdKernelsEnabled(false);
    expect(fusedBatchNormGrad(t, t, v, v, v, 1e-3)).toBeNull();
    setWasmSimdKernelsEnabled(true);
    const out = fusedBatchNormGrad(t, t, v, v, v, 1e-3)!;
    expect(out.map((o) => o.shape)).toEqual([[2, 3], [3], [3]]);
    tf.dispose(out);
    await tf.setBackend('cpu');
    const [tc, vc] = [tf.ones([2, 3]), tf.ones([3]) as tf.Tensor1D];
    expect(fusedBatchNormGrad(tc, tc, vc, vc, vc, 1e-3)).toBeNull();
    tf.dispose([tc, vc]);
    await tf.setBackend('wasm');
    tf.dispose([t, v]);
  });

  it('leaks nothing (tensors, backend buffers, heap)', () => {
    const f = grads([4, 6, 6, 7]);
    expectNoLeak(() => tf.tidy(f));
  });
});

describe('batch-norm forward: fused moments and one-pass normalisation = tf.moments and the composed batchNorm', () => {
  const shapes: number[][] = [[16, 28, 28, 32], [5, 7, 7, 3], [9, 6, 6, 13], [64, 10]];
  const forward = (shape: number[]) => (): tf.Tensor[] => {
    const c = shape[shape.length - 1]!;
    const x = tf.add(tf.mul(rand(shape, 61), 3), 0.5);
    const axes = shape.slice(0, -1).map((_, i) => i);
    const { mean, variance } = fusedMoments(x) ?? tf.moments(x, axes);
    const y = tf.batchNorm(x, mean, variance, rand([c], 62) as tf.Tensor1D, tf.add(rand([c], 63), 1) as tf.Tensor1D, 1e-3);
    return [mean, variance, y];
  };
  for (const shape of shapes) {
    it(`[${shape}]: mean, variance, y`, async () => {
      const simd = withSimd(true, forward(shape));
      const stock = withSimd(false, forward(shape));
      const cpu = await onCpu(forward(shape));
      simd.forEach((a, i) => expect(relError(a, stock[i]!)).toBeLessThan(1e-5));
      stock.forEach((a, i) => expect(relError(a, cpu[i]!)).toBeLessThan(1e-5));
    });
  }

  it('fusedMoments is null on cpu, with the kernels off and for a rank-1 tensor; leaks nothing', async () => {
    const v = tf.ones([3]);
    expect(fusedMoments(v)).toBeNull();
    setWasmSimdKernelsEnabled(false);
    expect(fusedMoments(tf.ones([2, 3]))).toBeNull();
    setWasmSimdKernelsEnabled(true);
    await tf.setBackend('cpu');
    const c = tf.ones([2, 3]);
    expect(fusedMoments(c)).toBeNull();
    c.dispose();
    await tf.setBackend('wasm');
    v.dispose();
    expectNoLeak(() => tf.tidy(forward([4, 5, 5, 7])));
  });
});

describe('ReLU gradient: one-pass SIMD kernel = dy · step(x)', () => {
  it('on a real activation shape and an odd size, with zeros and NaN in x', async () => {
    for (const shape of [[16, 28, 28, 32], [3, 5, 7]]) {
      const grad = (): tf.Tensor[] => {
        const raw = rand(shape, 71);
        // Exact zeros (relu's kink) and a NaN that must reach the gradient.
        const x = tf.where(tf.less(tf.abs(raw), 0.1), tf.zerosLike(raw), raw);
        const withNaN = tf.concat([tf.tensor1d([NaN]), x.reshape([-1]).slice(1)]).reshape(shape);
        return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), rand(shape, 72))))(withNaN)];
      };
      const [simd] = withSimd(true, grad);
      const [stock] = withSimd(false, grad);
      const [cpu] = await onCpu(grad);
      expect(Number.isNaN(simd![0])).toBe(true);
      expect(Array.from(simd!)).toEqual(Array.from(stock!));
      expect(Array.from(simd!)).toEqual(Array.from(cpu!));
    }
  });

  it('leaks nothing', () => {
    const x = rand([4, 9, 9, 5], 73);
    expectNoLeak(() => tf.tidy(() => [tf.grad((a: tf.Tensor) => tf.sum(tf.relu(a)))(x)]));
    x.dispose();
  });
});
