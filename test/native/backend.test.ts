import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../core/backends/resolve.js';
import type { RunSummary } from '../../core/run-summary.js';
import type { Trainer } from '../../core/trainer.js';
import { trainSubset } from '../helpers/train-subset.js';
import { requireNative } from './require-native.js';
import { registeredTricksterKernels } from './wasm-kernels-registered.js';

describe('native backend: auto, a short training, export', () => {
  let summary: RunSummary;
  let trainer: Trainer;

  beforeAll(async () => {
    await requireNative();
    expect(await useBackend('auto')).toBe('tensorflow (@tensorflow/tfjs-node)');
    // 2 epochs of batch 64 on 512 Fashion-MNIST images, 500 test images, replicas left at auto.
    ({ summary, trainer } = await trainSubset({ training: { epochs: 2 } }, { backend: 'auto' }));
  });

  afterAll(() => trainer?.dispose());

  it('auto resolves to tensorflow, and the run trained on it with one replica', () => {
    expect(tf.getBackend()).toBe('tensorflow');
    expect(summary.backend).toBe('tensorflow (@tensorflow/tfjs-node)');
    expect(summary.replicas).toBe(1);
    expect(summary.steps).toBe(16);
  });

  // Measured at this config: top-1 0.348 on tensorflow, 0.336 on wasm.
  it('learns: after 1,024 training images, test top-1 over 2.5x chance (10%)', () => {
    expect(summary.top1).toBeGreaterThan(0.25);
  });

  it("registers none of trickster's wasm kernels, on any backend", () => {
    expect(registeredTricksterKernels()).toEqual([]);
  });

  it('exports a model that plain tf.loadLayersModel loads (file://), with the same predictions', async () => {
    const loaded = await tf.loadLayersModel(`file://${path.join(summary.runDir, 'model', 'model.json')}`);
    const x = tf.randomNormal([4, 28, 28, 1], 0, 1, 'float32', 1);
    const expected = trainer.model.predict(x) as tf.Tensor;
    const actual = loaded.predict(x) as tf.Tensor;
    expect(actual.shape).toEqual([4, 10]);
    expect(tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([x, expected, actual]);
    loaded.dispose();
  });
});
