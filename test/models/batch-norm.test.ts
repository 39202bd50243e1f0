import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { ClosedFormBatchNormalization } from '../../core/models/batch-norm.js';
import { useBackend } from '../../core/backends/resolve.js';
import { relError } from '../helpers/rel-error.js';

/**
 * The reference is tfjs-layers' own BatchNormalization (autodiff through tf.moments and
 * tf.batchNorm): same weights, same input, so gradients, outputs and moving statistics must agree
 * to float32 rounding on every backend the closed form runs on.
 */
type Backend = 'cpu' | 'wasm';
const ARGS = { axis: -1, momentum: 0.9, epsilon: 1e-5 };

interface Outcome {
  /** Gradients of Σ y·w with respect to x, γ and β, then inference y, then the moving mean and variance. */
  arrays: Float32Array[];
  /** Tensors alive after the step minus before it. */
  leaked: number;
}

/** One training call and its gradients through `layer`, with seeded x, γ, β and dy. */
function trainingStep(layer: tf.layers.Layer, shape: number[]): Outcome {
  const channels = shape[shape.length - 1]!;
  layer.build(shape);
  const init = [
    tf.randomUniform([channels], 0.5, 1.5, 'float32', 1),
    tf.randomUniform([channels], -1, 1, 'float32', 2),
    tf.zeros([channels]),
    tf.ones([channels]),
  ];
  layer.setWeights(init);
  tf.dispose(init);
  const x = tf.randomNormal(shape, 3, 2, 'float32', 3);
  const w = tf.randomUniform(shape, -1, 1, 'float32', 4);
  const before = tf.memory().numTensors;
  const loss = (input: tf.Tensor): tf.Scalar => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, w));
  const dx = tf.grad(loss)(x);
  const [gamma, beta] = layer.trainableWeights.map((v) => v.read() as tf.Variable);
  const params = tf.variableGrads(() => loss(x), [gamma!, beta!]);
  const y = tf.tidy(() => layer.apply(x, { training: false }) as tf.Tensor);
  const outputs = [dx, params.grads[gamma!.name]!, params.grads[beta!.name]!, y];
  const arrays = [...outputs, ...layer.getWeights().slice(2)].map((t) => t.dataSync() as Float32Array);
  tf.dispose([...outputs, params.value]);
  const leaked = tf.memory().numTensors - before;
  tf.dispose([x, w]);
  for (const v of layer.weights) v.dispose(); // (Layer.dispose needs a symbolic call)
  return { arrays, leaked };
}

async function compare(backend: Backend, shape: number[]): Promise<void> {
  await useBackend(backend);
  const expected = trainingStep(tf.layers.batchNormalization(ARGS), shape);
  const actual = trainingStep(new ClosedFormBatchNormalization(ARGS), shape);
  expect(actual.arrays).toHaveLength(6);
  actual.arrays.forEach((a, i) => expect(relError(a, expected.arrays[i]!), `array ${i}`).toBeLessThan(1e-4));
  expect(actual.leaked).toBe(expected.leaked);
}

describe('closed-form batch norm', () => {
  afterAll(async () => {
    await useBackend('wasm');
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`matches the stock layer's gradients, outputs and moving statistics on ${backend} (NHWC)`, async () => {
      await compare(backend, [6, 5, 7, 4]);
    });
    it(`matches the stock layer after a dense layer on ${backend} (2-D input)`, async () => {
      await compare(backend, [16, 9]);
    });
  }

  it('serialises as the stock BatchNormalization, so plain tfjs-layers loads it', async () => {
    await useBackend('cpu');
    const input = tf.input({ shape: [4, 4, 2] });
    const out = new ClosedFormBatchNormalization(ARGS).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const json = model.toJSON(undefined, false) as tf.serialization.ConfigDict;
    const layers = (json['config'] as { layers: { class_name: string }[] }).layers;
    expect(layers.map((l) => l.class_name)).toEqual(['InputLayer', 'BatchNormalization']);
    const restored = await tf.models.modelFromJSON(json);
    expect(restored.layers[1]!.getClassName()).toBe('BatchNormalization');
    expect(restored.layers[1]).not.toBeInstanceOf(ClosedFormBatchNormalization);
    model.dispose();
    restored.dispose();
  });
});
