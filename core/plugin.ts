import type * as tf from '@tensorflow/tfjs';
import type { EvalMetrics, Position } from './contexts.js';
import type { TricksterConfig } from './config/schema.js';
import type { EvaluateOptions } from './evaluation.js';
import type { ChannelStats } from './data/normalize.js';
import type { HostBatch } from './data/types.js';
import type { TrainBatchOptions } from './training-data.js';
import type { TrainerHooks } from './hooks.js';
import type { HyperParams } from './hyper-params.js';
import type { Logger } from './logger.js';

/** A seeded random stream whose state goes into checkpoints. */
export interface RandomStream {
  /** Uniform in [0, 1). */
  next(): number;
}

/** What a plugin may use of the trainer: hooks, services and narrow setters, never the loop's internals. */
export interface PluginHost {
  readonly hooks: TrainerHooks;
  /** Learning rate and weight decay, shared by every optimizer. */
  readonly hyper: HyperParams;
  readonly config: TricksterConfig;
  readonly logger: Logger;
  /** The model being trained (available from the setup hook on). */
  readonly model: tf.LayersModel;
  /** Where the run is. */
  readonly position: Position;
  /** Optimizer steps in one epoch (after any gradient accumulation: micro-batches / accumulation steps). */
  readonly stepsPerEpoch: number;
  /** Micro-batches in one epoch. */
  readonly batchesPerEpoch: number;
  /** Declares how many micro-batches make one optimizer step (gradient accumulation). */
  setMicroBatchesPerStep(owner: string, count: number): void;
  /** Micro-batches that make one optimizer step (1 unless a plugin declared more). */
  readonly microBatchesPerStep: number;
  /** A named seeded random stream; its state is checkpointed. */
  random(stream: string): RandomStream;
  /** Training batches of one epoch, as the loop sees them unless options say otherwise (BN recalibration, FixRes). */
  trainBatches(epoch: number, options?: TrainBatchOptions): AsyncIterable<HostBatch>;
  /** Per-channel normalisation of the batches (teachers trained elsewhere may need to re-normalise). */
  readonly normalization: ChannelStats;
  /** Number of classes of the dataset. */
  readonly numClasses: number;
  /**
   * Declares that `plugin` acts on evaluation metrics (early stopping, plateaus). Call it from
   * `apply`: when the config has no validation split, the trainer then holds one out of the
   * training set (DEFAULT_VALIDATION_FRACTION, stratified) and says so, so no plugin selects on the test split.
   */
  requireValidation(plugin: string): void;
  /** Whether the run has a validation split (known from the setup hook on). */
  readonly hasValidation: boolean;
  /**
   * Evaluates `model` (default: the trained one) on the validation split (default), or on the test
   * split for a report; throws when there is no validation split (see `hasValidation`).
   */
  evaluate(options?: EvaluateOptions): Promise<EvalMetrics>;
  /**
   * Declares the input size the final evaluation, the summary and the exported model use (FixRes
   * adapts the model to a test resolution); `owner` names the plugin, one owner per run.
   */
  setFinalInputSize(owner: string, size: number): void;
  /** Adds a field to the run summary (namespaced by plugin). */
  report(plugin: string, key: string, value: unknown): void;
  /**
   * Changes the run's length to `epochs` (a time budget that follows the measured pace): the loop,
   * `config.training.epochs` and what reads it (learning-rate schedules) follow from the next step,
   * and the run's config.json records it, so a resume continues the revised run. `epochs` is at least
   * the epochs completed plus the current one; call it from beforeEpoch or afterEpoch. `owner` names
   * the plugin, one owner per run.
   */
  reviseEpochs(owner: string, epochs: number): void;
}

/** The size of a run, as a plugin needs it to say what its work after the last epoch costs. */
export interface RunSize {
  readonly trainImages: number;
  readonly validationImages: number;
  readonly testImages: number;
  readonly batchSize: number;
  /** The training images' height (square images: their size; FixRes compares its test size to it). */
  readonly imageSize: number;
}

/**
 * Work a plugin does after the last epoch, in images: what a time budget keeps time for
 * (app/time-budget.ts). `trained`: images that cost about a training step each (a FixRes
 * fine-tuning, a batch-norm recomputation, which runs on one thread); `evaluated`: images evaluated
 * as the final test evaluation does (a report of the final weights, a validation check). A plugin
 * working at another resolution counts its images scaled by the ratio of pixels.
 */
export interface EndOfRunWork {
  readonly trained: number;
  readonly evaluated: number;
}

/** A trick: constructed from validated options, `apply` only taps hooks. */
export interface TricksterPlugin {
  readonly name: string;
  apply(host: PluginHost): void;
  /** What the plugin does after the last epoch of a run of `run`'s size; omitted when nothing. */
  endOfRunWork?(run: RunSize): EndOfRunWork;
}
