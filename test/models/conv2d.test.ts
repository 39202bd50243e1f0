import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import { LazyGradientConv2D } from '../../core/models/conv2d.js';
import { relError } from '../helpers/rel-error.js';

/**
 * The reference is tfjs-layers' own Conv2D (tf.fused.conv2d) with the same weights: outputs and
 * gradients must agree to float32 rounding on cpu and wasm; what changes is which backward kernels run.
 */
const SHAPE = [4, 9, 9, 3];

type Args = Parameters<typeof tf.layers.conv2d>[0];
const ARGS: Args = { filters: 5, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: tf.initializers.heNormal({ seed: 1 }) };

/** Output, d(Σ y·w)/dx and d(Σ y·w)/dkernel through `layer`. */
function outcome(layer: tf.layers.Layer): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.randomNormal(SHAPE, 0, 1, 'float32', 2);
    layer.build(SHAPE);
    const y = layer.apply(x) as tf.Tensor;
    const w = tf.randomUniform(y.shape, -1, 1, 'float32', 3);
    const loss = (input: tf.Tensor): tf.Scalar => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, w));
    const dx = tf.grad(loss)(x);
    const { grads } = tf.variableGrads(() => loss(x), [layer.trainableWeights[0]!.read() as tf.Variable]);
    return [y, dx, ...Object.values(grads)].map((t) => t.dataSync() as Float32Array);
  });
}

/** Names of the kernels a training step of a one-conv model runs, gradient taken for the kernel only. */
function backwardKernels(layer: tf.layers.Layer): Promise<string[]> {
  return tf.profile(() => {
    const x = tf.randomNormal(SHAPE, 0, 1, 'float32', 2);
    layer.build(SHAPE);
    const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x, { training: true }) as tf.Tensor), [layer.trainableWeights[0]!.read() as tf.Variable]);
    tf.dispose([x, value, ...Object.values(grads)]);
  }).then((p) => p.kernels.map((k) => k.name));
}

describe.each(['cpu', 'wasm'] as const)('LazyGradientConv2D on %s', (backend) => {
  it('matches the stock Conv2D: output, input and kernel gradients', async () => {
    await useBackend(backend);
    for (const args of [ARGS, { ...ARGS, strides: 1, padding: 'valid' as const }]) {
      const stock = outcome(tf.layers.conv2d(args));
      const ours = outcome(new LazyGradientConv2D(args));
      ours.forEach((a, i) => expect(relError(a, stock[i]!), `array ${i}`).toBeLessThan(1e-5));
    }
  });

  it('does not compute the gradient of a data input; the stock layer does', async () => {
    await useBackend(backend);
    expect(await backwardKernels(tf.layers.conv2d(ARGS))).toContain('Conv2DBackpropInput');
    const ours = await backwardKernels(new LazyGradientConv2D(ARGS));
    expect(ours).toContain('Conv2DBackpropFilter');
    expect(ours).not.toContain('Conv2DBackpropInput');
  });
});

describe('LazyGradientConv2D', () => {
  afterAll(async () => {
    await useBackend('wasm');
  });

  it('serialises as the stock Conv2D and falls back to it with a bias or an activation', async () => {
    await useBackend('cpu');
    const layer = new LazyGradientConv2D(ARGS);
    expect(layer.getClassName()).toBe('Conv2D');
    const input = tf.input({ shape: SHAPE.slice(1) });
    const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
    const loaded = await tf.models.modelFromJSON(model.toJSON(null, false) as never);
    expect(loaded.layers[1]!.getClassName()).toBe('Conv2D');
    expect(loaded.layers[1]!.constructor).not.toBe(LazyGradientConv2D);
    const biased = { ...ARGS, useBias: true, activation: 'relu' as const };
    const ours = outcome(new LazyGradientConv2D(biased));
    const stock = outcome(tf.layers.conv2d(biased));
    ours.forEach((a, i) => expect(relError(a, stock[i]!), `array ${i}`).toBeLessThan(1e-6));
    // With a bias and no activation it runs the stock fused op, which computes every gradient.
    expect(await backwardKernels(new LazyGradientConv2D({ ...ARGS, useBias: true }))).toContain('Conv2DBackpropInput');
  });
});
