import type * as tf from '@tensorflow/tfjs';

/** Gradients keyed by variable name, as `tf.variableGrads` returns them. */
export type GradientMap = Record<string, tf.Tensor>;

/** A training batch on the device: NHWC images and per-class targets (one-hot or soft) that sum to 1. */
export interface Batch {
  readonly x: tf.Tensor4D;
  readonly targets: tf.Tensor2D;
}

/** Where the run is: counters every hook can read. */
export interface Position {
  /** Zero-based epoch being run. */
  readonly epoch: number;
  /** Optimizer steps taken so far in the whole run (not micro-batches). */
  readonly step: number;
  /** Micro-batches processed so far in the whole run. */
  readonly microStep: number;
  /** Zero-based index of the batch within the epoch. */
  readonly batchInEpoch: number;
}

/** What a plugin sees at the validate hook: the active plugin set, to refuse or warn about combinations. */
export interface ValidateContext {
  /** Names of the active plugins, in resolution order. */
  readonly plugins: readonly string[];
  /** Whether a plugin of this name is active. */
  has(name: string): boolean;
  /** Records a warning printed before training starts. */
  warn(message: string): void;
}

/** Passed to step-level hooks. */
export interface StepContext extends Position {
  /** Trainable variables of this step, by name (the keys of the gradient map). */
  readonly variables: Readonly<Record<string, tf.Variable>>;
  /** Number of examples in this micro-batch. */
  readonly batchSize: number;
}

/** Passed to the loss waterfall, inside the gradient tape. */
export interface LossContext extends StepContext {
  readonly batch: Batch;
  readonly logits: tf.Tensor2D;
}

/** Passed to the afterBackward waterfall, with the loss the gradients are of. */
export interface BackwardContext extends StepContext {
  /**
   * The micro-batch's loss as the loss hook left it (label smoothing, mixup and distillation
   * included): the whole micro-batch's mean, also with replicas (the shard losses combined before
   * this hook). Owned by the kernel; valid during the hook only; read it on the device.
   */
  readonly loss: tf.Scalar;
}

/** Passed after an optimizer step and after each micro-batch. */
export interface AfterStepContext extends StepContext {
  /** The micro-batch's loss (owned by the kernel; valid during the hook only). */
  readonly loss: tf.Scalar;
}

/** Metrics of one evaluation pass. */
export interface EvalMetrics {
  readonly loss: number;
  readonly top1: number;
  readonly top5: number;
  readonly count: number;
}

/** Passed to epoch-level hooks. */
export interface EpochContext extends Position {
  /** Total epochs planned for the run. */
  readonly epochs: number;
  /** Mean training loss of the epoch (afterEpoch only). */
  readonly trainLoss?: number;
}

/** Passed to beforeEval/afterEval; `metrics` is set for afterEval. */
export interface EvalContext extends Position {
  /** Why the evaluation runs: after an epoch, or the final one after training. */
  readonly phase: 'epoch' | 'final';
  metrics?: EvalMetrics;
}

/** A stop request returned by a shouldStop tap. */
export interface StopRequest {
  readonly plugin: string;
  readonly reason: string;
}

/** Per-plugin state for checkpoints: JSON values plus named tensors. */
export interface PluginState {
  readonly json?: unknown;
  readonly tensors?: Record<string, tf.Tensor>;
}

/**
 * The checkpoint's plugin section: plugins put their state in on save and take it back on load.
 * Tensors handed out by `get` during loadState are disposed after the hook: assign or clone them.
 */
export interface StateBag {
  set(plugin: string, state: PluginState): void;
  get(plugin: string): PluginState | undefined;
}
