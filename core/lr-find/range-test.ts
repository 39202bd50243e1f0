import * as tf from '@tensorflow/tfjs';
import type { TricksterConfig } from '../config/schema.js';
import { Evaluator } from '../evaluation.js';
import { createHooks } from '../hooks.js';
import type { Logger } from '../logger.js';
import { buildModel } from '../models/index.js';
import { createOptimizer } from '../optim/index.js';
import type { Optimizer } from '../optim/types.js';
import type { TricksterPlugin } from '../plugin.js';
import { createPluginHost, PluginDeclarations } from '../plugin-host.js';
import { RandomStreams } from '../random-streams.js';
import { lossAndGradients, stepVariables } from '../step-variables.js';
import { runMicroBatch, type MicroBatchParts } from '../micro-batch-step.js';
import type { TrainingData, TrainingDataProvider } from '../training-data.js';
import { withValidationHoldout } from '../validation-holdout.js';
import { ConfigError } from '../errors.js';
import { CurveRecorder, type RangeTestPoint } from './curve-recorder.js';
import { RampedHyperParams } from './ramped-hyper-params.js';
import { exponentialLr } from './ramp.js';

export type { RangeTestPoint } from './curve-recorder.js';

/** The ramp and the stop rule of a range test. */
export interface RangeTestOptions {
  /** Optimizer steps of the ramp (fastai: 100). */
  readonly steps: number;
  readonly startLr: number;
  readonly endLr: number;
  /** Smoothing of the loss (fastai: 0.98). */
  readonly beta?: number;
  /** Stop once the smoothed loss exceeds this multiple of its best (fastai: 4). */
  readonly divergeFactor?: number;
}

/** What a range test measured. */
export interface RangeTestResult {
  /** One point per optimizer step taken, up to and including the one that diverged. */
  readonly points: RangeTestPoint[];
  /** Steps the ramp was planned for. */
  readonly plannedSteps: number;
  /** Whether the test stopped because the smoothed loss diverged (else it ran all planned steps). */
  readonly diverged: boolean;
  /**
   * `optimizer.lr` / the base rate the plugins trained from (1 unless a scaling rule changed it):
   * a rate of the curve times this is the `optimizer.lr` that gives it.
   */
  readonly configLrPerRate: number;
}

/** The run's parts a range test uses: its effective config, its plugins and its data. */
export interface RangeTestParts {
  readonly config: TricksterConfig;
  readonly plugins: readonly TricksterPlugin[];
  readonly data: TrainingDataProvider;
  readonly logger: Logger;
}

/**
 * The LR range test (Smith 2017; fastai's lr_find): trains a fresh model of the run with the
 * rate rising exponentially from startLr to endLr over `steps` optimizer steps, on the run's
 * training batches (its augmentation) and through its plugins' hooks (batch transforms, loss
 * terms, gradient transforms, accumulation), and records the loss of every step, smoothed. Stops
 * early once the smoothed loss diverges. On this thread only (no replicas). Writes nothing;
 * the model, optimizer and plugin state are released before it returns.
 */
export async function runRangeTest(parts: RangeTestParts, options: RangeTestOptions): Promise<RangeTestResult> {
  if (!(options.startLr > 0 && options.endLr > options.startLr)) {
    throw new ConfigError(`the range test needs 0 < start lr < end lr, got ${options.startLr} and ${options.endLr}; pass --start-lr and --end-lr accordingly`);
  }
  const hooks = createHooks();
  const hyper = new RampedHyperParams(parts.config.optimizer.lr, parts.config.optimizer.weightDecay);
  const rng = new RandomStreams(parts.config.training.seed);
  const declarations = new PluginDeclarations();
  let config = parts.config;
  let model: tf.LayersModel | undefined;
  let data: TrainingData | undefined;
  let optimizer: Optimizer | undefined;
  const pos = { epoch: 0, step: 0, microStep: 0, batchInEpoch: 0 };
  const batchesPerEpoch = () => (data ? data.batchesPerEpoch(config.training.batchSize) : 0);
  const stepsPerEpoch = () => Math.floor(batchesPerEpoch() / declarations.microBatchesPerStep);
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`the range test's ${what} exists from the setup hook on`);
    return v;
  };
  const evaluator = new Evaluator({ data: () => need(data, 'data'), trainedModel: () => need(model, 'model'), replicas: () => undefined, batchSize: config.training.evalBatchSize });
  const host = createPluginHost({
    ...{ hooks, hyper, logger: parts.logger, rng, evaluator, declarations },
    ...{ config: () => config, model: () => need(model, 'model'), data: () => need(data, 'data'), position: () => ({ ...pos }) },
    ...{ stepsPerEpoch, batchesPerEpoch },
    // The range test runs its steps whatever the length; a revision only changes what the config says.
    reviseEpochs: (_owner, epochs) => (config = { ...config, training: { ...config.training, epochs } }),
  });
  for (const p of parts.plugins) p.apply(host);
  config = withValidationHoldout(config, declarations.validationUsers).config;
  const active = parts.plugins.map((p) => p.name);
  hooks.validate.call({ plugins: active, has: (n) => active.includes(n), warn: (m) => parts.logger.warn(m) });
  data = await parts.data.load(config);
  const recorder = new CurveRecorder({ beta: options.beta ?? 0.98, divergeFactor: options.divergeFactor ?? 4 });
  try {
    if (stepsPerEpoch() === 0) {
      throw new ConfigError(`training.batchSize: the training split has no full batch of ${config.training.batchSize} per optimizer step; lower --batch-size or raise --limit`);
    }
    model = buildModel({ ...config.model, seed: config.training.seed }, data.inputShape, data.numClasses);
    optimizer = createOptimizer(config.optimizer);
    await hooks.setup.promise({ epochs: config.training.epochs, stepsPerEpoch: stepsPerEpoch() });
    for (let epoch = 0; pos.step < options.steps && !recorder.diverged; epoch++) {
      Object.assign(pos, { epoch, batchInEpoch: 0 });
      await hooks.beforeEpoch.promise({ ...pos, epochs: config.training.epochs });
      const { variables, stableName } = stepVariables(model, false);
      const m = model;
      const stepParts: MicroBatchParts = {
        ...{ model, optimizer, hooks, hyper, numClasses: data.numClasses, pos, variables },
        lossAndGradients: (batch, ctx) => lossAndGradients(m, hooks.loss, batch, ctx, stableName),
      };
      let batches = 0;
      for await (const batch of data.trainBatches(epoch, config.training.batchSize)) {
        if (pos.step >= options.steps || batches >= stepsPerEpoch() * declarations.microBatchesPerStep) break;
        const { step } = pos;
        hyper.ramp = exponentialLr(step, options.steps, options.startLr, options.endLr);
        recorder.observe(await runMicroBatch(stepParts, batch), step, hyper.ramp);
        batches += 1;
        if (await recorder.poll()) break;
      }
    }
    await recorder.settle();
    return { points: recorder.points, plannedSteps: options.steps, diverged: recorder.diverged, configLrPerRate: parts.config.optimizer.lr / hyper.baseLr };
  } finally {
    await recorder.settle().catch(() => undefined);
    hooks.dispose.call();
    optimizer?.dispose();
    model?.dispose();
    await data.close();
  }
}
