/** The cost of SyncBN (training.syncBatchNorm): a 2-replica data-parallel step with and without it, in one process. */
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../core/backends/resolve.js';
import { softCrossEntropy } from '../core/losses.js';
import { batchNormLayers } from '../core/models/inspect.js';
import { createExchangeBuffer } from '../core/parallel/barrier-exchange.js';
import { dataParallelStep, weightLayout, type LossAndGradients } from '../core/parallel/data-parallel-step.js';
import type { ReplicaSetup } from '../core/parallel/protocol.js';
import { ReplicaPool } from '../core/parallel/replica-pool.js';
import { trainableVariables } from '../core/variables.js';
import { benchModel, benchModelSpec } from './bench-model.js';
import { fashionTensors, INPUT, NUM_CLASSES, splitBatches } from './fashion-tensors.js';
import type { StepPlan } from './stats.js';

/**
 * Times `dataParallelStep` (forward + backward over the training thread and one replica thread,
 * gradients combined; no optimizer, so every step starts from the same weights) on real
 * Fashion-MNIST batches, with a plain pool and with a SyncBN pool, in alternating windows of
 * `plan.steps` steps (ABBA order, `plan.repeats` windows each) so that the load of a shared machine
 * hits both alike. Returns images/s of each window of each.
 */
export async function measureSyncBnStep(model: string, plan: StepPlan): Promise<{ withSync: number[]; without: number[] }> {
  await useBackend('wasm');
  const net = benchModel(model);
  const variables = trainableVariables(net);
  const layout = weightLayout(net, variables);
  const byTfName = new Map(Object.entries(variables).map(([stable, v]) => [v.name, stable]));
  const local = (b: { x: tf.Tensor4D; targets: tf.Tensor2D }): LossAndGradients => {
    const { value, grads } = tf.variableGrads(() => softCrossEntropy(b.targets, net.apply(b.x, { training: true }) as tf.Tensor2D), Object.values(variables));
    return { loss: value, grads: Object.fromEntries(Object.entries(grads).map(([n, g]) => [byTfName.get(n)!, g])) };
  };
  const setup: ReplicaSetup = { backend: 'wasm', model: benchModelSpec(model), input: INPUT, numClasses: NUM_CLASSES };
  const channels = Math.max(...batchNormLayers(net).map((l) => l.weights[0]!.shape[0]!));
  const shapes = net.weights.map((w) => w.shape as number[]);
  const [plain, synced] = await Promise.all([
    ReplicaPool.start(1, setup, shapes),
    ReplicaPool.start(1, { ...setup, syncBuffer: createExchangeBuffer(2, 1 + 2 * channels) }, shapes),
  ]);
  const { x, y } = fashionTensors(4 * plan.batch);
  const batches = splitBatches(x, y, plan.batch).map((b) => ({ x: b.x, targets: b.y }));
  tf.dispose([x, y]);
  let next = 0;
  const window = async (pool: ReplicaPool, steps: number): Promise<number> => {
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) {
      const r = await dataParallelStep(layout, batches[next++ % batches.length]!, pool, local);
      tf.dispose([r.loss, ...Object.values(r.grads)]);
    }
    return (steps * plan.batch) / ((performance.now() - t0) / 1000);
  };
  try {
    await window(plain, plan.warmup);
    await window(synced, plan.warmup);
    const withSync: number[] = [];
    const without: number[] = [];
    for (let r = 0; r < plan.repeats; r++) {
      const order = r % 2 === 0 ? [plain, synced] : [synced, plain];
      for (const pool of order) (pool === synced ? withSync : without).push(await window(pool, plan.steps));
    }
    return { withSync, without };
  } finally {
    await Promise.all([plain.close(), synced.close()]);
    for (const b of batches) tf.dispose([b.x, b.targets]);
    net.dispose();
  }
}
