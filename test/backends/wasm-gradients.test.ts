import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmGradientKernels } from '../../core/backends/wasm-gradients/index.js';
import { relError } from '../helpers/rel-error.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
type Arrays = Float32Array[];

const TOLERANCE = 1e-4;

function expectClose(actual: Arrays, expected: Arrays): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(relError(a, expected[i])).toBeLessThan(TOLERANCE));
}

/** Runs `f` on `backend` inside a tidy and reads every output back; ends on wasm. */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor[]): Promise<Arrays> {
  await tf.setBackend(backend);
  const arrays = tf.tidy(() => f().map((t) => t.dataSync() as Float32Array));
  await tf.setBackend('wasm');
  return arrays;
}

async function cpuVsWasm(f: () => tf.Tensor[]): Promise<void> {
  const expected = await on('cpu', f);
  const actual = await on('wasm', f);
  expectClose(actual, expected);
}

/** Deterministic data: seeded, so cpu and wasm see identical values. */
const rand = (shape: number[], seed: number): tf.Tensor => tf.randomUniform(shape, -1, 1, 'float32', seed);

/** Loss whose dy is a fixed random tensor (not all ones), so every gradient entry is exercised. */
const weighted = (y: tf.Tensor, seed: number): tf.Scalar => tf.sum(tf.mul(y, rand(y.shape, seed)));

type Conv = (x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: 'same') => tf.Tensor4D;

/** Both gradients of `conv` (3x3 filter, `lastDim` as its last axis) at strides 1 and 2 leak nothing. */
function expectConvGradsLeakNothing(conv: Conv, lastDim: number, seed: number): void {
  const x = rand([2, 9, 9, 3], seed) as tf.Tensor4D;
  const w = rand([3, 3, 3, lastDim], seed + 1) as tf.Tensor4D;
  for (const stride of [1, 2]) {
    expectNoLeak(() => tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => weighted(conv(a as tf.Tensor4D, b as tf.Tensor4D, stride, 'same'), seed + 2))([x, w])));
  }
  tf.dispose([x, w]);
}

interface ConvCase {
  x: Shape4;
  k: number;
  cout: number;
  stride: 1 | 2 | [number, number];
  pad: Pad;
}

const CONV_CASES: ConvCase[] = [
  { x: [1, 7, 7, 3], k: 3, cout: 4, stride: 1, pad: 'same' },
  { x: [2, 8, 8, 3], k: 3, cout: 5, stride: 2, pad: 'same' },
  { x: [3, 9, 9, 2], k: 3, cout: 3, stride: 2, pad: 'valid' },
  { x: [4, 6, 7, 4], k: 1, cout: 6, stride: 2, pad: 'valid' },
  { x: [2, 10, 9, 3], k: 5, cout: 2, stride: 2, pad: 'same' },
  { x: [1, 11, 12, 2], k: 5, cout: 3, stride: 1, pad: 'valid' },
  { x: [2, 8, 9, 3], k: 3, cout: 4, stride: 2, pad: [[0, 0], [2, 1], [0, 3], [0, 0]] },
  { x: [1, 6, 6, 2], k: 3, cout: 2, stride: 1, pad: [[0, 0], [4, 0], [1, 2], [0, 0]] },
  { x: [3, 5, 5, 8], k: 1, cout: 8, stride: 1, pad: 'same' },
  { x: [2, 7, 8, 3], k: 3, cout: 4, stride: [1, 2], pad: 'same' },
  { x: [2, 8, 9, 3], k: 3, cout: 4, stride: 2, pad: 1 },
  // One input channel, stride 1: the filter gradient's tap-rows path (tap-rows-filter.ts), as in a
  // grayscale network's first conv; five channels at stride 1 take the one-conv path.
  { x: [3, 6, 5, 1], k: 3, cout: 3, stride: 1, pad: 'same' },
  { x: [2, 6, 6, 5], k: 3, cout: 3, stride: 1, pad: 'same' },
];

const label = (c: ConvCase): string => `x=${c.x} k=${c.k} s=${c.stride} pad=${JSON.stringify(c.pad)}`;

/** Runs `f` on wasm `times` times and asserts tensors, data buffers and the wasm heap stay flat. */
function expectNoLeak(f: () => tf.Tensor[], times = 3): void {
  const backend = tf.backend() as tf.KernelBackend & { numDataIds(): number; wasm: { HEAPU8: Uint8Array } };
  tf.dispose(f()); // warm-up: first call may grow the heap and build cached operators
  const before = { ...tf.memory(), dataIds: backend.numDataIds(), heap: backend.wasm.HEAPU8.length };
  for (let i = 0; i < times; i++) tf.dispose(f());
  const after = tf.memory();
  expect(after.numTensors).toBe(before.numTensors);
  expect(after.numBytes).toBe(before.numBytes);
  expect(after.numDataBuffers).toBe(before.numDataBuffers);
  expect(backend.numDataIds()).toBe(before.dataIds);
  expect(backend.wasm.HEAPU8.length).toBe(before.heap);
}

beforeAll(async () => {
  registerWasmGradientKernels();
  await tf.setBackend('wasm');
});

describe('registerWasmGradientKernels', () => {
  it('is idempotent and keeps the replacements registered', () => {
    const before = tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc;
    registerWasmGradientKernels();
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc).toBe(before);
    for (const name of ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']) {
      expect(tf.getKernel(name, 'wasm')).toBeDefined();
    }
  });
});

describe('Conv2D gradients on wasm match cpu', () => {
  for (const c of CONV_CASES) {
    it(label(c), async () => {
      await cpuVsWasm(() => {
        const x = rand(c.x, 1) as tf.Tensor4D;
        const w = rand([c.k, c.k, c.x[3], c.cout], 2) as tf.Tensor4D;
        const loss = (a: tf.Tensor, b: tf.Tensor) => weighted(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), 3);
        return tf.grads(loss)([x, w]);
      });
    });
  }

  it('fused conv2d (bias + relu) gradients', async () => {
    await cpuVsWasm(() => {
      const x = rand([2, 9, 8, 3], 4) as tf.Tensor4D;
      const w = rand([3, 3, 3, 5], 5) as tf.Tensor4D;
      const b = rand([5], 6) as tf.Tensor1D;
      const loss = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        weighted(
          tf.fused.conv2d({ x: xx as tf.Tensor4D, filter: ww as tf.Tensor4D, bias: bb, strides: 2, pad: 'same', activation: 'relu' }),
          7,
        );
      return tf.grads(loss)([x, w, b]);
    });
  });

  it('supports a dilations attr (dilation 2, stride 1) on the backprop kernels', async () => {
    const [k, d, cin, cout] = [3, 2, 3, 4];
    const xShape: Shape4 = [2, 9, 10, cin];
    const pads: Pad[] = ['same', 'valid', [[0, 0], [1, 3], [2, 0], [0, 0]]];
    for (const pad of pads) {
      // Reference: a dilation-2 conv is a dilation-1 conv with a zero-interleaved (2k-1)x(2k-1) filter.
      const dilatedFilter = (w: tf.Tensor4D): tf.Tensor4D => {
        const spread = tf.reshape(tf.pad(tf.reshape(w, [k, 1, k, 1, cin * cout]), [[0, 0], [0, d - 1], [0, 0], [0, d - 1], [0, 0]]), [k * d, k * d, cin, cout]);
        return tf.slice(spread, [0, 0, 0, 0], [(k - 1) * d + 1, (k - 1) * d + 1, cin, cout]) as tf.Tensor4D;
      };
      const dyShape = (): number[] => tf.conv2d(tf.zeros(xShape) as tf.Tensor4D, tf.zeros([k, k, cin, cout]) as tf.Tensor4D, 1, pad, 'NHWC', d).shape;
      const expected = await on('cpu', () => {
        const wd = dilatedFilter(rand([k, k, cin, cout], 8) as tf.Tensor4D);
        const dy = rand(dyShape(), 9);
        const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: wd }, { strides: 1, pad, dataFormat: 'NHWC', inputShape: xShape }) as tf.Tensor;
        const dwd = tf.engine().runKernel('Conv2DBackpropFilter', { x: rand(xShape, 10), dy }, { strides: 1, pad, dataFormat: 'NHWC', filterShape: wd.shape }) as tf.Tensor;
        const dw = tf.reshape(tf.stridedSlice(dwd, [0, 0, 0, 0], [(k - 1) * d + 1, (k - 1) * d + 1, cin, cout], [d, d, 1, 1]), [k, k, cin, cout]);
        return [dx, dw];
      });
      const actual = await on('wasm', () => {
        const w = rand([k, k, cin, cout], 8);
        const dy = rand(dyShape(), 9);
        const attrs = { strides: 1, dilations: d, pad, dataFormat: 'NHWC' };
        const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: xShape }) as tf.Tensor;
        const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: rand(xShape, 10), dy }, { ...attrs, filterShape: [k, k, cin, cout] }) as tf.Tensor;
        return [dx, dw];
      });
      expectClose(actual, expected);
    }
  });

  it('rejects NCHW with a clear error', () => {
    const run = () =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.zeros([1, 2, 5, 5]), dy: tf.zeros([1, 2, 5, 5]) }, { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 2] });
    expect(run).toThrow(/NHWC/);
  });

  it('leaves no tensors, data buffers or wasm heap growth behind', () => {
    expectConvGradsLeakNothing(tf.conv2d, 4, 11);
  });
});

describe('depthwise conv gradients on wasm match cpu', () => {
  for (const c of CONV_CASES) {
    for (const mult of [1, 2]) {
      it(`${label(c)} mult=${mult}`, async () => {
        await cpuVsWasm(() => {
          const x = rand(c.x, 21) as tf.Tensor4D;
          const w = rand([c.k, c.k, c.x[3], mult], 22) as tf.Tensor4D;
          const loss = (a: tf.Tensor, b: tf.Tensor) => weighted(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), 23);
          return tf.grads(loss)([x, w]);
        });
      });
    }
  }

  it('supports dilation 2 at stride 1 on the backprop kernels', async () => {
    const [k, d, ch, mult] = [3, 2, 3, 2];
    const xShape: Shape4 = [2, 10, 9, ch];
    for (const pad of ['same', 'valid'] as const) {
      const dyShape = (): number[] => tf.depthwiseConv2d(tf.zeros(xShape) as tf.Tensor4D, tf.zeros([k, k, ch, mult]) as tf.Tensor4D, 1, pad, 'NHWC', d).shape;
      const expected = await on('cpu', () => {
        const w = rand([k, k, ch, mult], 24) as tf.Tensor4D;
        const spread = tf.reshape(tf.pad(tf.reshape(w, [k, 1, k, 1, ch * mult]), [[0, 0], [0, d - 1], [0, 0], [0, d - 1], [0, 0]]), [k * d, k * d, ch, mult]);
        const wd = tf.slice(spread, [0, 0, 0, 0], [(k - 1) * d + 1, (k - 1) * d + 1, ch, mult]);
        const dy = rand(dyShape(), 25);
        const attrs = { strides: 1, dilations: 1, pad };
        const dx = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: wd }, { ...attrs, inputShape: xShape }) as tf.Tensor;
        const dwd = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: rand(xShape, 26), dy }, { ...attrs, filterShape: wd.shape }) as tf.Tensor;
        return [dx, tf.stridedSlice(dwd, [0, 0, 0, 0], [(k - 1) * d + 1, (k - 1) * d + 1, ch, mult], [d, d, 1, 1])];
      });
      const actual = await on('wasm', () => {
        const dy = rand(dyShape(), 25);
        const attrs = { strides: 1, dilations: d, pad };
        const dx = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: rand([k, k, ch, mult], 24) }, { ...attrs, inputShape: xShape }) as tf.Tensor;
        const dw = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: rand(xShape, 26), dy }, { ...attrs, filterShape: [k, k, ch, mult] }) as tf.Tensor;
        return [dx, dw];
      });
      expectClose(actual, expected);
    }
  });

  it('leaves no tensors, data buffers or wasm heap growth behind', () => {
    expectConvGradsLeakNothing(tf.depthwiseConv2d, 2, 27);
  });
});

describe('MaxPoolGrad on wasm matches cpu (first max wins, non-positive windows)', () => {
  const cases: Array<{ x: Shape4; k: number; s: number; pad: 'same' | 'valid' }> = [
    { x: [2, 8, 8, 3], k: 2, s: 2, pad: 'valid' },
    { x: [1, 9, 7, 2], k: 2, s: 2, pad: 'same' },
    { x: [2, 9, 9, 3], k: 3, s: 2, pad: 'same' },
    { x: [3, 7, 7, 2], k: 3, s: 1, pad: 'same' },
    { x: [1, 10, 10, 2], k: 3, s: 3, pad: 'valid' },
    { x: [2, 6, 6, 1], k: 3, s: 2, pad: 'valid' },
    { x: [2, 11, 10, 2], k: 2, s: 3, pad: 'same' },
    { x: [1, 7, 7, 3], k: 1, s: 2, pad: 'valid' },
  ];
  for (const c of cases) {
    for (const input of ['signed', 'relu', 'negative'] as const) {
      it(`x=${c.x} k=${c.k} s=${c.s} ${c.pad} ${input}`, async () => {
        await cpuVsWasm(() => {
          const raw = rand(c.x, 31);
          // relu input has many tied zeros per window; negative input has max < 0 everywhere.
          const x = input === 'relu' ? tf.relu(raw) : input === 'negative' ? tf.sub(tf.abs(raw), 2) : raw;
          return [tf.grad((a: tf.Tensor) => weighted(tf.maxPool(a as tf.Tensor4D, c.k, c.s, c.pad), 32))(x)];
        });
      });
    }
  }

  it('leaves no tensors, data buffers or wasm heap growth behind (max and avg pool)', () => {
    const x = tf.relu(rand([2, 9, 9, 3], 33)) as tf.Tensor4D;
    expectNoLeak(() => tf.tidy(() => [tf.grad((a: tf.Tensor) => weighted(tf.maxPool(a as tf.Tensor4D, 3, 2, 'same'), 34))(x)]));
    expectNoLeak(() => tf.tidy(() => [tf.grad((a: tf.Tensor) => weighted(tf.avgPool(a as tf.Tensor4D, 3, 2, 'same'), 34))(x)]));
    x.dispose();
  });
});

describe('AvgPoolGrad on wasm matches cpu', () => {
  const cases: Array<{ x: Shape4; k: number | [number, number]; s: number; pad: 'same' | 'valid' }> = [
    { x: [2, 8, 8, 3], k: 2, s: 2, pad: 'valid' },
    { x: [1, 9, 7, 2], k: 2, s: 2, pad: 'same' },
    { x: [2, 9, 9, 3], k: 3, s: 2, pad: 'same' },
    { x: [3, 7, 7, 2], k: 3, s: 1, pad: 'same' },
    { x: [2, 7, 9, 2], k: [2, 3], s: 3, pad: 'valid' },
  ];
  for (const c of cases) {
    it(`x=${c.x} k=${c.k} s=${c.s} ${c.pad}`, async () => {
      await cpuVsWasm(() => [tf.grad((a: tf.Tensor) => weighted(tf.avgPool(a as tf.Tensor4D, c.k, c.s, c.pad), 35))(rand(c.x, 36))]);
    });
  }
});

describe('Sum / Mean / Max on wasm match cpu', () => {
  const axesCases: Array<number[]> = [[0], [0, 1, 2], [1, 2], [1], [2], [3], [0, 2], [0, 1, 2, 3]];
  for (const axes of axesCases) {
    for (const keepDims of [false, true]) {
      it(`axes=${axes} keepDims=${keepDims}`, async () => {
        await cpuVsWasm(() => {
          const x = rand([3, 5, 6, 7], 61);
          return [tf.sum(x, axes, keepDims), tf.mean(x, axes, keepDims), tf.max(x, axes, keepDims)];
        });
      });
    }
  }

  it('keeps int32 reductions exact (stock fallback)', async () => {
    await cpuVsWasm(() => {
      const x = tf.cast(tf.mul(rand([4, 3, 5], 62), 100), 'int32');
      return [tf.cast(tf.sum(x, [0, 1]), 'float32'), tf.cast(tf.max(x, 0), 'float32')];
    });
  });

  it('leaves no tensors, data buffers or wasm heap growth behind', () => {
    const x = rand([8, 6, 6, 5], 63);
    expectNoLeak(() => tf.tidy(() => [tf.sum(x, [0, 1, 2]), tf.mean(x, [1, 2], true), tf.max(x, 0)]));
    x.dispose();
  });
});

describe('Tile and transposed BatchMatMul on wasm match cpu', () => {
  it('tiles float32 by broadcasting and falls back for int32', async () => {
    await cpuVsWasm(() => [
      tf.tile(rand([1, 1, 1, 4], 41), [2, 3, 5, 1]),
      tf.tile(rand([2, 3], 42), [3, 2]),
      tf.tile(rand([2, 1, 3], 43), [1, 4, 2]),
      tf.cast(tf.tile(tf.tensor1d([1, 2, 3], 'int32'), [2]), 'float32'),
    ]);
  });

  it('multiplies with every transpose combination', async () => {
    await cpuVsWasm(() => [
      tf.matMul(rand([5, 7], 44), rand([7, 3], 45)),
      tf.matMul(rand([7, 5], 44), rand([7, 3], 45), true, false),
      tf.matMul(rand([5, 7], 44), rand([3, 7], 45), false, true),
      tf.matMul(rand([7, 5], 44), rand([3, 7], 45), true, true),
      tf.matMul(rand([2, 7, 5], 44), rand([2, 3, 7], 45), true, true),
    ]);
  });

  it('computes xᵀ·dy (transposeA, batch 1) with the SIMD filter-gradient kernel on dense-layer shapes', async () => {
    await cpuVsWasm(() => [
      tf.matMul(rand([64, 3136], 48), rand([64, 10], 49), true, false), // small-cnn's flatten head, one replica's shard
      tf.matMul(rand([1, 9, 13], 50), rand([1, 9, 6], 51), true, false), // rank 3, 4 + 4 + 1 rows, 4 + 2 columns
      tf.matMul(rand([3, 2], 52), rand([3, 17], 53), true, false), // 8 + 8 + 1 columns
    ]);
  });

  it('leaves no tensors, data buffers or wasm heap growth behind', () => {
    const a = rand([6, 5], 46);
    const b = rand([4, 5], 47);
    expectNoLeak(() => tf.tidy(() => [tf.matMul(a, b, false, true), tf.matMul(a, a, true, false), tf.tile(tf.reshape(a, [1, 6, 5]), [3, 1, 1])]));
    tf.dispose([a, b]);
  });
});

describe('Identity on wasm shares the buffer', () => {
  it('gives a clone that outlives its source and frees the buffer with the last reference', () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const ids = backend.numDataIds();
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = tf.clone(x);
    expect(backend.numDataIds()).toBe(ids + 1); // no second buffer
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    const words = tf.tensor1d(['a', 'b'], 'string');
    const s = tf.clone(words);
    words.dispose();
    expect(s.dataSync()).toEqual(['a', 'b']);
    tf.dispose([y, s]);
    expect(backend.numDataIds()).toBe(ids);
  });

  it('keeps gradients of pass-through ops and variable updates correct', async () => {
    await cpuVsWasm(() => {
      const v = tf.variable(rand([3, 4], 48));
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.cast(tf.clone(a), 'float32'), a)))(v);
      const before = tf.clone(v);
      v.assign(tf.add(v, 1));
      const out = [g, before, tf.clone(v)];
      v.dispose();
      return out;
    });
  });
});

describe('FusedBatchNorm on wasm matches cpu', () => {
  const stats = (c: number, seed: number): tf.Tensor1D[] => [
    rand([c], seed) as tf.Tensor1D,
    tf.add(tf.abs(rand([c], seed + 1)), 0.1) as tf.Tensor1D,
    rand([c], seed + 2) as tf.Tensor1D,
    rand([c], seed + 3) as tf.Tensor1D,
  ];

  it('normalises per channel with and without offset and scale, any rank', async () => {
    await cpuVsWasm(() => {
      const [mean, variance, offset, scale] = stats(5, 71);
      return [
        tf.batchNorm(rand([3, 4, 6, 5], 70), mean!, variance!, offset, scale, 1e-3),
        tf.batchNorm(rand([7, 5], 75), mean!, variance!, undefined, scale, 1e-5),
        tf.batchNorm(rand([2, 3, 5], 76), mean!, variance!, offset, undefined, 1e-5),
        tf.batchNorm(rand([2, 2, 3, 5], 77), ...([mean, variance, offset, scale].map((t) => tf.reshape(t!, [1, 1, 1, 5])) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D]), 1e-5),
      ];
    });
  });

  it('falls back to the stock kernel for statistics that are not one per channel', async () => {
    await cpuVsWasm(() => {
      const x = rand([2, 3, 4], 78);
      return [tf.batchNorm(x, rand([1, 3, 4], 79), tf.add(tf.abs(rand([1, 3, 4], 80)), 0.1), rand([1, 3, 4], 81), rand([1, 3, 4], 82), 1e-3)];
    });
  });

  it('leaves no tensors, data buffers or wasm heap growth behind', () => {
    const x = rand([4, 3, 3, 6], 83);
    const [mean, variance, offset, scale] = stats(6, 84);
    expectNoLeak(() => tf.tidy(() => [tf.batchNorm(x, mean!, variance!, offset, scale, 1e-3)]));
    tf.dispose([x, mean!, variance!, offset!, scale!]);
  });
});

describe('a small CNN trains identically on wasm and cpu', () => {
  /** conv-bn-relu, maxpool, strided conv, depthwise conv, avgpool, global avg pool, dense, softmax CE. */
  function buildModel(): tf.LayersModel {
    const init = (seed: number) => tf.initializers.glorotUniform({ seed });
    const model = tf.sequential();
    // No bias before batch norm: its exact gradient is 0, so only rounding noise would be compared.
    model.add(tf.layers.conv2d({ inputShape: [12, 12, 3], filters: 6, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init(1) }));
    model.add(tf.layers.batchNormalization());
    model.add(tf.layers.reLU());
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    model.add(tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(2) }));
    model.add(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: init(3) }));
    model.add(tf.layers.averagePooling2d({ poolSize: 2, padding: 'same' }));
    model.add(tf.layers.globalAveragePooling2d({}));
    model.add(tf.layers.dense({ units: 4, kernelInitializer: init(4) }));
    return model;
  }

  it('gives the same loss and gradients for one step', async () => {
    const step = (): tf.Tensor[] => {
      const model = buildModel();
      const x = rand([4, 12, 12, 3], 51);
      const labels = tf.oneHot(tf.tensor1d([0, 3, 1, 2], 'int32'), 4);
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
      const out = [value, ...model.trainableWeights.map((w) => grads[w.name])];
      model.dispose();
      return out;
    };
    await cpuVsWasm(step);
  });
});
