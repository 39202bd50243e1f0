/** (b)/(c)/(g) tfjs-layers `model.fit` on the stock cpu backend, on wasm with trickster's kernels, or on tensorflow (tfjs-node). */
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../core/backends/resolve.js';
import { benchModel } from './bench-model.js';
import type { TrainBackend } from './jobs.js';
import { fashionTensors } from './fashion-tensors.js';
import { totalSteps, windowRates, type StepPlan } from './stats.js';

/**
 * Compiles the zoo model with SGD momentum 0.9 (lr 0.1) and softmax cross-entropy on logits,
 * fits one epoch of exactly `totalSteps(plan)` batches of real images (no shuffle), and returns
 * images/s of each timed window, timed from the batch-end callbacks.
 */
export async function measureLayersFit(backend: 'cpu' | TrainBackend, model: string, plan: StepPlan): Promise<number[]> {
  await useBackend(backend);
  const net = benchModel(model);
  net.compile({
    optimizer: tf.train.momentum(0.1, 0.9),
    loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred),
  });
  const { x, y } = fashionTensors(totalSteps(plan) * plan.batch);
  const marks: number[] = [];
  await net.fit(x, y, {
    batchSize: plan.batch,
    epochs: 1,
    shuffle: false,
    verbose: 0,
    callbacks: {
      onEpochBegin: async () => {
        marks.push(performance.now());
      },
      onBatchEnd: async () => {
        marks.push(performance.now());
      },
    },
  });
  tf.dispose([x, y]);
  net.dispose();
  return windowRates(marks, plan);
}
