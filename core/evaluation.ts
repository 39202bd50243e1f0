import * as tf from '@tensorflow/tfjs';
import type { EvalContext, EvalMetrics, Position } from './contexts.js';
import type { TrainerHooks } from './hooks.js';
import { MetricAccumulator } from './metrics.js';
import { dataParallelLogits, weightArrays } from './parallel/data-parallel-logits.js';
import type { ReplicaPool } from './parallel/replica-pool.js';
import type { TrainingData } from './training-data.js';
import { weightVariables } from './variables.js';
import { NumericError, TricksterError } from './errors.js';

/** What one evaluation pass reads: a model (default: the trained one), a split and an input size. */
export interface EvaluateOptions {
  readonly model?: tf.LayersModel;
  /** `validation` (default; the only split a plugin may act on) or `test`. */
  readonly split?: 'validation' | 'test';
  /** Resize every image to inputSize × inputSize first (FixRes). */
  readonly inputSize?: number;
}

/** Where an Evaluator finds the run's parts; read at each call, since they exist only while fit() runs. */
export interface EvaluatorParts {
  readonly data: () => TrainingData;
  readonly trainedModel: () => tf.LayersModel;
  /** The replica threads holding copies of the trained model, if any. */
  readonly replicas: () => ReplicaPool | undefined;
  readonly batchSize: number;
}

/**
 * Evaluates models on the validation or test split. Batches of the trained model are split over
 * the replica threads when there are some; any other model (a teacher) runs on this thread alone.
 */
export class Evaluator {
  constructor(private readonly parts: EvaluatorParts) {}

  /** Mean loss, top-1 and top-5 of a model on a split, read from the device once at the end. */
  async evaluate(options: EvaluateOptions = {}): Promise<EvalMetrics> {
    const data = this.parts.data();
    const split = options.split ?? 'validation';
    if (split === 'validation' && data.validationCount === 0) {
      throw new TricksterError(
        'CONFIG_INVALID',
        'there is no validation split to evaluate on; set data.validationSplit (e.g. 0.1), or call host.requireValidation(plugin) from the plugin that evaluates',
      );
    }
    const trained = this.parts.trainedModel();
    const model = options.model ?? trained;
    const acc = new MetricAccumulator();
    const forward = (x: tf.Tensor4D) => model.apply(x, { training: false }) as tf.Tensor2D;
    const pool = model === trained ? this.parts.replicas() : undefined;
    let weights = pool ? await weightArrays(weightVariables(model.weights)) : null;
    for await (const host of data.evalBatches(split, this.parts.batchSize, options.inputSize)) {
      if (pool) {
        const logits = await dataParallelLogits(host, pool, weights, forward);
        weights = null;
        tf.tidy(() => acc.add(logits, tf.tensor1d(host.labels, 'int32')));
        logits.dispose();
      } else {
        tf.tidy(() => acc.add(forward(tf.tensor4d(host.x, [host.size, host.height, host.width, host.channels])), tf.tensor1d(host.labels, 'int32')));
      }
    }
    const metrics = await acc.result();
    if (!Number.isFinite(metrics.loss)) {
      throw new NumericError(
        `evaluating on the ${split} split gave a loss of ${metrics.loss}: the model's outputs overflow (training diverged without a NaN in its own losses); ` +
          'lower optimizer.lr or add a warmup (schedule.warmup: { epochs: 1 }); no model was exported',
      );
    }
    return metrics;
  }
}

/** Validation metrics (what afterEval taps see) and, when asked, test metrics for the log only. */
export interface EpochEvaluation {
  readonly validation?: EvalMetrics;
  readonly test?: EvalMetrics;
}

/**
 * The evaluation after an epoch, between beforeEval and afterEval: the validation split, whose
 * metrics afterEval taps see, and with `test` the test split, for the log only. Nothing (and no
 * hook) without either. afterEval runs even when a beforeEval tap or the evaluation throws, so
 * swapped-in weights go back out.
 */
export async function evaluateEpoch(hooks: TrainerHooks, evaluator: Evaluator, position: Position, splits: { validation: boolean; test: boolean }): Promise<EpochEvaluation> {
  if (!splits.validation && !splits.test) return {};
  const ctx: EvalContext = { ...position, phase: 'epoch' };
  const out: { validation?: EvalMetrics; test?: EvalMetrics } = {};
  try {
    await hooks.beforeEval.promise(ctx);
    if (splits.test) out.test = await evaluator.evaluate({ split: 'test' });
    if (splits.validation) ctx.metrics = out.validation = await evaluator.evaluate({ split: 'validation' });
  } finally {
    await hooks.afterEval.promise(ctx);
  }
  return out;
}

/** The test split, once, after training, between beforeEval and afterEval (phase 'final'); plugins never see its metrics. */
export async function evaluateFinal(hooks: TrainerHooks, evaluator: Evaluator, position: Position, inputSize: number | undefined): Promise<EvalMetrics> {
  const ctx: EvalContext = { ...position, phase: 'final' };
  try {
    await hooks.beforeEval.promise(ctx);
    return await evaluator.evaluate({ split: 'test', inputSize });
  } finally {
    await hooks.afterEval.promise(ctx);
  }
}
