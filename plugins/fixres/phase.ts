import * as tf from '@tensorflow/tfjs';
import type { EvalMetrics, GradientMap } from '../../core/contexts.js';
import type { HostBatch } from '../../core/data/types.js';
import { softCrossEntropy } from '../../core/losses.js';
import { classifierLayer } from '../../core/models/inspect.js';
import { Sgd } from '../../core/optim/sgd.js';
import type { Optimizer } from '../../core/optim/types.js';
import type { PluginHost } from '../../core/plugin.js';
import { trainableVariables } from '../../core/variables.js';
import { enterFixResMode } from './freeze.js';
import { fixResPlan } from './plan.js';

/** How the FixRes phase runs. */
export interface FixResSettings {
  readonly testSize: number;
  readonly epochs: number;
  readonly lr: number;
  /** Fine-tuning batches per epoch (all when undefined). */
  readonly batches?: number | undefined;
}

/** What the FixRes phase measured, at `testSize` on the test split. */
export interface FixResResult {
  readonly testSize: number;
  readonly before: EvalMetrics;
  readonly after: EvalMetrics;
  /** Mean fine-tuning cross-entropy of each epoch. */
  readonly fineTuneLoss: number[];
}

/** How one fine-tuning epoch steps. */
export interface FineTuneStep {
  /** Updates the variables in place (the kernel's SGD: torch.optim.SGD semantics). */
  readonly optimizer: Optimizer;
  readonly lr: number;
  readonly numClasses: number;
  /** Batches to use at most (all when undefined). */
  readonly maxBatches?: number | undefined;
}

/**
 * One fine-tuning epoch: for each batch, a forward pass in training mode, the cross-entropy's
 * gradients with respect to the model's trainable weights (only those) and an optimizer step
 * without weight decay. Returns the mean loss (read once, at the end).
 */
export async function fineTuneEpoch(model: tf.LayersModel, batches: AsyncIterable<HostBatch>, step: FineTuneStep): Promise<number> {
  const variables = trainableVariables(model);
  const stableName = new Map(Object.entries(variables).map(([stable, v]) => [v.name, stable]));
  const hp = { lr: step.lr, decayFor: () => 0 };
  let sum = tf.scalar(0);
  let count = 0;
  for await (const b of batches) {
    if (count >= (step.maxBatches ?? Number.POSITIVE_INFINITY)) break;
    const next = tf.tidy(() => {
      const x = tf.tensor4d(b.x, [b.size, b.height, b.width, b.channels]);
      const y = tf.oneHot(tf.tensor1d(b.labels, 'int32'), step.numClasses).toFloat() as tf.Tensor2D;
      const { value, grads } = tf.variableGrads(
        () => softCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor2D),
        Object.values(variables),
      );
      const named: GradientMap = {};
      for (const [name, g] of Object.entries(grads)) named[stableName.get(name) ?? name] = g;
      step.optimizer.apply(named, variables, hp);
      return tf.add(sum, value) as tf.Scalar;
    });
    sum.dispose();
    sum = next;
    count += 1;
  }
  const mean = count > 0 ? (await sum.data())[0]! / count : Number.NaN;
  sum.dispose();
  return mean;
}

/**
 * The FixRes phase on the host's model: evaluate at the test size, fine-tune the classifier and
 * the last batch norm for `epochs` epochs on un-augmented training images resized to the test
 * size (SGD, momentum 0.9, no weight decay), evaluate again. Trainable flags and batch-norm
 * behaviour are restored afterwards, also on error.
 */
export async function runFixRes(host: PluginHost, s: FixResSettings): Promise<FixResResult> {
  const model = host.model;
  const before = await host.evaluate({ inputSize: s.testSize, split: 'test' });
  const layers = model.layers.map((l) => ({ name: l.name, className: l.getClassName() }));
  const restore = enterFixResMode(model, fixResPlan(layers, classifierLayer(model).name));
  const optimizer = new Sgd({ momentum: 0.9, dampening: 0, nesterov: false });
  const fineTuneLoss: number[] = [];
  try {
    const first = host.position.epoch;
    for (let e = 0; e < s.epochs; e++) {
      const batches = host.trainBatches(first + e, { augment: false, inputSize: s.testSize });
      fineTuneLoss.push(await fineTuneEpoch(model, batches, { optimizer, lr: s.lr, numClasses: host.numClasses, maxBatches: s.batches }));
    }
  } finally {
    optimizer.dispose();
    restore();
  }
  const after = await host.evaluate({ inputSize: s.testSize, split: 'test' });
  return { testSize: s.testSize, before, after, fineTuneLoss };
}
