/** (d) The overhead baseline: a bare variableGrads + applyGradients loop on wasm. */
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../core/backends/resolve.js';
import { benchModel } from './bench-model.js';
import { trainableVariables } from '../core/variables.js';
import { fashionTensors, splitBatches } from './fashion-tensors.js';
import { totalSteps, windowRates, type StepPlan } from './stats.js';

/**
 * Runs `totalSteps(plan)` training steps of the zoo model on batches already on the backend:
 * `tf.variableGrads` of softmax cross-entropy over the trainable weights, then SGD momentum
 * `applyGradients`. Nothing else (no data pipeline, hooks, weight decay or loss read-back).
 * Returns images/s of each timed window.
 */
export async function measureBareLoop(model: string, plan: StepPlan): Promise<number[]> {
  await useBackend('wasm');
  const net = benchModel(model);
  const variables = Object.values(trainableVariables(net));
  const optimizer: tf.Optimizer = tf.train.momentum(0.1, 0.9);
  const { x, y } = fashionTensors(totalSteps(plan) * plan.batch);
  const batches = splitBatches(x, y, plan.batch);
  tf.dispose([x, y]);
  const marks = [performance.now()];
  for (const batch of batches) {
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(batch.y, net.apply(batch.x, { training: true }) as tf.Tensor) as tf.Scalar,
      variables,
    );
    optimizer.applyGradients(grads);
    tf.dispose(grads);
    value.dispose();
    marks.push(performance.now());
  }
  for (const b of batches) tf.dispose([b.x, b.y]);
  optimizer.dispose();
  net.dispose();
  return windowRates(marks, plan);
}
