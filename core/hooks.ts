import { AsyncSeriesHook, SyncBailHook, SyncHook, SyncWaterfallHook } from 'tapable';
import type * as tf from '@tensorflow/tfjs';
import type {
  AfterStepContext,
  BackwardContext,
  Batch,
  EpochContext,
  EvalContext,
  GradientMap,
  LossContext,
  StateBag,
  StepContext,
  StopRequest,
  ValidateContext,
} from './contexts.js';

/** Context of the setup and afterTrain hooks: the run's position before or after the loop. */
export interface RunContext {
  readonly epochs: number;
  readonly stepsPerEpoch: number;
}

/**
 * Creates the trainer's hooks. Taps order by stage: the named stages are in ./hook-stages.ts.
 * Each hook's kind follows what the event does:
 * sync hooks for notifications inside a step, waterfalls where taps transform a value,
 * bail hooks where one tap may veto, async series for epoch-level work that may await data.
 */
export function createHooks() {
  return Object.freeze({
    /** Each plugin checks its options and the active plugin set; throw to refuse. */
    validate: new SyncHook<[ValidateContext]>(['context']),
    /** After model, optimizer and data exist, before the first epoch (or after a resume's load). */
    setup: new AsyncSeriesHook<[RunContext]>(['run']),
    beforeEpoch: new AsyncSeriesHook<[EpochContext]>(['epoch']),
    /** Transforms the device batch (random erasing, mixup, cutmix, label smoothing); the kernel disposes a replaced batch's tensors. */
    batch: new SyncWaterfallHook<[Batch, StepContext]>(['batch', 'step']),
    /** Before the forward pass; learning-rate schedules set the step's rate here. */
    beforeStep: new SyncHook<[StepContext]>(['step']),
    /** Transforms the scalar loss inside the gradient tape (distillation's term). */
    loss: new SyncWaterfallHook<[tf.Scalar, LossContext]>(['loss', 'context']),
    /** Transforms the gradients (flooding, accumulation, LARC), given the step's loss; the kernel disposes replaced tensors. */
    afterBackward: new SyncWaterfallHook<[GradientMap, BackwardContext]>(['gradients', 'step']),
    /** A tap returning false holds the optimizer step (gradient accumulation). */
    shouldApplyGradients: new SyncBailHook<[StepContext], boolean | undefined>(['step']),
    /** After the optimizer changed the weights (EMA, SWA per-step collection). */
    afterOptimizerStep: new SyncHook<[StepContext]>(['step']),
    /** After every micro-batch, applied or not (progress, logging). */
    afterStep: new SyncHook<[AfterStepContext]>(['step']),
    afterEpoch: new AsyncSeriesHook<[EpochContext]>(['epoch']),
    /** Before evaluation (swap averaged weights in, recompute BN statistics). */
    beforeEval: new AsyncSeriesHook<[EvalContext]>(['evaluation']),
    /** After evaluation, with its metrics (swap weights back, plateau and early-stopping bookkeeping). */
    afterEval: new AsyncSeriesHook<[EvalContext]>(['evaluation']),
    /** After each epoch's evaluation; a tap returning a StopRequest ends training. */
    shouldStop: new SyncBailHook<[EpochContext], StopRequest | undefined>(['epoch']),
    /** After the last epoch, before the final evaluation and export (SWA swap, FixRes phase). */
    afterTrain: new AsyncSeriesHook<[RunContext]>(['run']),
    /** Each plugin puts its state into the checkpoint. */
    saveState: new SyncHook<[StateBag]>(['state']),
    /** Each plugin takes its state back from a checkpoint. */
    loadState: new SyncHook<[StateBag]>(['state']),
    /** Trainer.dispose(), after a run or instead of one that failed: release held tensors (teachers, averages). */
    dispose: new SyncHook<[]>([]),
  });
}

/** The trainer's frozen hooks object. */
export type TrainerHooks = ReturnType<typeof createHooks>;
