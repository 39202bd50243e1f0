import type * as tf from '@tensorflow/tfjs';
import type { GradientMap } from '../contexts.js';

/** Learning rate and per-variable weight decay for one step. */
export interface StepHyperParams {
  readonly lr: number;
  decayFor(variableName: string): number;
}

/** Serialisable optimizer state: JSON counters plus slot tensors by name. */
export interface OptimizerState {
  readonly json: Record<string, unknown>;
  readonly tensors: Record<string, tf.Tensor>;
}

/** An optimizer whose rate and decay are given at every step by the kernel's hyper-parameter service. */
export interface Optimizer {
  readonly name: string;
  /** Updates each variable named in `grads` in place. */
  apply(grads: GradientMap, variables: Readonly<Record<string, tf.Variable>>, hp: StepHyperParams): void;
  /** Copies of the state (caller disposes the tensors). */
  getState(): OptimizerState;
  /** Replaces the state by copies of `state`'s tensors. */
  setState(state: OptimizerState): void;
  dispose(): void;
}
