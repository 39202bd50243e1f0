import * as tf from '@tensorflow/tfjs';
import type { Batch, GradientMap, StepContext } from './contexts.js';
import type { HostBatch } from './data/types.js';
import type { TrainerHooks } from './hooks.js';
import type { HyperParams } from './hyper-params.js';
import type { Optimizer } from './optim/types.js';
import { disposeAll, disposeReplaced } from './tensor-ownership.js';

/** Where training stands; a micro-batch step advances it in place. */
export interface StepPosition {
  epoch: number;
  step: number;
  microStep: number;
  batchInEpoch: number;
}

/** What one micro-batch step reads and updates. */
export interface MicroBatchParts {
  readonly model: tf.LayersModel;
  readonly optimizer: Optimizer;
  readonly hooks: TrainerHooks;
  readonly hyper: Pick<HyperParams, 'lr' | 'optimizerDecayFor'>;
  readonly numClasses: number;
  readonly pos: StepPosition;
  readonly variables: Record<string, tf.Variable>;
  /** Forward, loss and backward of the (transformed) batch: on this thread or across replicas. */
  readonly lossAndGradients: (batch: Batch, ctx: StepContext) => { loss: tf.Scalar; grads: GradientMap } | Promise<{ loss: tf.Scalar; grads: GradientMap }>;
  /** Sees each micro-batch's loss and raw gradients (the NaN watch), before the gradient hooks. */
  readonly observe?: (loss: tf.Scalar, grads: GradientMap, ctx: StepContext) => void;
}

/**
 * One micro-batch as the trainer runs it: the batch hook, beforeStep, forward/loss/backward,
 * afterBackward, an optimizer step unless a plugin holds it back (accumulation), afterStep; the
 * position advances in place. Returns the micro-batch's loss (the caller disposes it).
 */
export async function runMicroBatch(p: MicroBatchParts, host: HostBatch): Promise<tf.Scalar> {
  const ctx: StepContext = { ...p.pos, variables: p.variables, batchSize: host.size };
  const initial = tf.tidy(() => ({
    x: tf.tensor4d(host.x, [host.size, host.height, host.width, host.channels]),
    targets: tf.oneHot(tf.tensor1d(host.labels, 'int32'), p.numClasses).toFloat() as tf.Tensor2D,
  }));
  const batch = p.hooks.batch.call(initial, ctx);
  disposeReplaced(initial, batch);
  p.hooks.beforeStep.call(ctx);
  let computed: { loss: tf.Scalar; grads: GradientMap };
  try {
    computed = await p.lossAndGradients(batch, ctx);
  } catch (err) {
    disposeAll(batch);
    throw err;
  }
  const { loss, grads } = computed;
  p.observe?.(loss, grads, ctx);
  const finalGrads = p.hooks.afterBackward.call(grads, { ...ctx, loss });
  disposeReplaced(grads, finalGrads);
  if (p.hooks.shouldApplyGradients.call(ctx) !== false) {
    p.optimizer.apply(finalGrads, p.variables, { lr: p.hyper.lr, decayFor: (n) => p.hyper.optimizerDecayFor(n) });
    p.pos.step += 1;
    p.hooks.afterOptimizerStep.call({ ...ctx, step: p.pos.step });
  }
  disposeAll(finalGrads);
  p.pos.microStep += 1;
  p.pos.batchInEpoch += 1;
  p.hooks.afterStep.call({ ...ctx, loss });
  disposeAll(batch);
  return loss;
}
