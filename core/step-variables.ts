import * as tf from '@tensorflow/tfjs';
import type { Batch, GradientMap, StepContext } from './contexts.js';
import type { TrainerHooks } from './hooks.js';
import { softCrossEntropy } from './losses.js';
import { weightLayout, type LossAndGradients, type WeightLayout } from './parallel/data-parallel-step.js';
import { trainableVariables } from './variables.js';

/** What a training step needs to know about the variables; built once per epoch. */
export interface StepVariables {
  /** Trainable variables by stable name. */
  readonly variables: Record<string, tf.Variable>;
  /** tf.Variable name -> stable name. */
  readonly stableName: ReadonlyMap<string, string>;
  /** Where they sit among the model's weights, with replicas. */
  readonly layout: WeightLayout | undefined;
}

/** The model's trainable variables and their name maps (and weight layout when replicas run), built once per epoch. */
export function stepVariables(model: tf.LayersModel, withReplicas: boolean): StepVariables {
  const variables = trainableVariables(model);
  return {
    variables,
    stableName: new Map(Object.entries(variables).map(([stable, v]) => [v.name, stable])),
    layout: withReplicas ? weightLayout(model, variables) : undefined,
  };
}

/** Forward, loss hook and backward of `batch` on this thread; gradients keyed by stable name. */
export function lossAndGradients(
  model: tf.LayersModel,
  lossHook: TrainerHooks['loss'],
  batch: Batch,
  ctx: StepContext,
  stableName: ReadonlyMap<string, string>,
): LossAndGradients {
  const { value: loss, grads: rawGrads } = tf.variableGrads(() => {
    const logits = model.apply(batch.x, { training: true }) as tf.Tensor2D;
    return lossHook.call(softCrossEntropy(batch.targets, logits), { ...ctx, batch, logits });
  }, Object.values(ctx.variables));
  const grads: GradientMap = {};
  for (const [name, g] of Object.entries(rawGrads)) grads[stableName.get(name) ?? name] = g;
  return { loss, grads };
}
