// kernels.c's sgd_step (core/backends/wasm-simd/sgd-step.ts): the SGD-with-momentum step that
// core/optim/sgd.ts runs per variable on wasm gives bit for bit what its tf-op composition gives
// (the SIMD kernels turned off), for every option combination, over several steps, on sizes with a
// scalar tail; and it leaks nothing.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { setWasmSimdKernelsEnabled } from '../../core/backends/wasm-simd/instance.js';
import { simdSgdStep } from '../../core/backends/wasm-simd/sgd-step.js';
import { Sgd, type SgdOptions } from '../../core/optim/sgd.js';

const rand = (shape: number[], seed: number): tf.Tensor => tf.randomUniform(shape, -1, 1, 'float32', seed);
const SHAPES: Record<string, number[]> = { kernel: [3, 3, 5, 7], bias: [7], odd: [13] };

/** The weights after `steps` SGD steps with `options` (decay 5e-4 on every variable, or none), with the SIMD kernels on or off. */
function train(options: SgdOptions, decay: number, simd: boolean, steps = 3): Record<string, number[]> {
  setWasmSimdKernelsEnabled(simd);
  const sgd = new Sgd(options);
  const vars = Object.fromEntries(Object.entries(SHAPES).map(([name, shape], i) => [name, tf.tidy(() => tf.variable(rand(shape, i + 1), true, `sgd-step-${simd}-${name}-${Math.random()}`))]));
  try {
    for (let step = 0; step < steps; step++) {
      const grads = tf.tidy(() => Object.fromEntries(Object.entries(SHAPES).map(([name, shape], i) => [name, rand(shape, 100 * step + i)])));
      sgd.apply(grads, vars, { lr: 0.05 * (step + 1), decayFor: () => decay });
      tf.dispose(Object.values(grads));
    }
    return Object.fromEntries(Object.entries(vars).map(([name, v]) => [name, Array.from(v.dataSync())]));
  } finally {
    sgd.dispose();
    tf.dispose(Object.values(vars));
    setWasmSimdKernelsEnabled(true);
  }
}

beforeAll(async () => {
  await useBackend('wasm');
});

afterAll(() => setWasmSimdKernelsEnabled(true));

describe('SGD step: SIMD kernel = tf-op composition, bit for bit', () => {
  for (const nesterov of [true, false])
    for (const dampening of [0, 0.1])
      for (const decay of [0, 5e-4]) {
        it(`nesterov ${nesterov}, dampening ${dampening}, weight decay ${decay}`, () => {
          const options = { momentum: 0.9, dampening, nesterov };
          const fused = train(options, decay, true);
          expect(fused).toEqual(train(options, decay, false));
          expect(fused).not.toEqual(train(options, decay, true, 2)); // the steps did move the weights
        });
      }

  it('runs as one kernel call on wasm (a new weight and buffer), and not with the kernels off', () => {
    const [w, g, b] = [rand([9], 1), rand([9], 2), rand([9], 3)];
    const settings = { lr: 0.1, weightDecay: 5e-4, momentum: 0.9, dampening: 0, nesterov: true, first: false };
    const out = simdSgdStep(w, g, b, settings);
    expect(out).not.toBeNull();
    // w' = w − lr·(g' + μ·b'), b' = μ·b + g', g' = g + wd·w, in float32.
    const f = Math.fround;
    const [wv, gv, bv] = [w.dataSync(), g.dataSync(), b.dataSync()];
    const gp = Array.from(gv, (x, i) => f(x + f(wv[i]! * f(5e-4))));
    const bp = gp.map((x, i) => f(f(bv[i]! * f(0.9)) + x));
    const wp = gp.map((x, i) => f(wv[i]! - f(f(x + f(bp[i]! * f(0.9))) * f(0.1))));
    expect(Array.from(out![1].dataSync())).toEqual(bp);
    expect(Array.from(out![0].dataSync())).toEqual(wp);
    tf.dispose([...out!, w, g, b]);
    setWasmSimdKernelsEnabled(false);
    try {
      const [w2, g2, b2] = [rand([9], 1), rand([9], 2), rand([9], 3)];
      expect(simdSgdStep(w2, g2, b2, settings)).toBeNull();
      tf.dispose([w2, g2, b2]);
    } finally {
      setWasmSimdKernelsEnabled(true);
    }
  });

  it('leaves no tensors or data buffers behind', () => {
    const backend = tf.backend() as tf.KernelBackend & { numDataIds(): number };
    const options = { momentum: 0.9, dampening: 0, nesterov: true };
    train(options, 5e-4, true, 1);
    const before = { tensors: tf.memory().numTensors, dataIds: backend.numDataIds() };
    train(options, 5e-4, true, 3);
    expect({ tensors: tf.memory().numTensors, dataIds: backend.numDataIds() }).toEqual(before);
  });
});
