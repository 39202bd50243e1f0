import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../errors.js';

/** Tensors keyed by stable variable name (core/variables.ts). */
export type WeightMap = Readonly<Record<string, tf.Tensor>>;
/** Variables keyed by stable variable name. */
export type VariableMap = Record<string, tf.Variable>;

/** New non-trainable variables holding copies of `source`, under the same names (the caller disposes them). */
export function cloneVariables(source: WeightMap): VariableMap {
  const out: VariableMap = {};
  for (const [name, t] of Object.entries(source)) out[name] = tf.variable(t, false);
  return out;
}

/**
 * Assigns `source[name]` to every variable of `target`. Throws a CheckpointError naming the
 * variable when `source` lacks it or its shape differs (`what` says where `source` came from).
 */
export function assignAll(target: VariableMap, source: WeightMap, what = 'saved weights'): void {
  for (const [name, v] of Object.entries(target)) {
    const t = source[name];
    if (!t) throw new CheckpointError(`${what} have no value for "${name}"; they were made for another model`);
    if (t.shape.join('x') !== v.shape.join('x')) {
      throw new CheckpointError(`${what}: "${name}" has shape [${t.shape}] but the model needs [${v.shape}]`);
    }
    v.assign(t);
  }
}

/** Disposes every variable of `vars`. */
export function disposeVariables(vars: VariableMap | undefined): void {
  for (const v of Object.values(vars ?? {})) v.dispose();
}

/**
 * Puts `source` into the model's variables `target` and returns a backup of what they held,
 * to give to `restoreWeights` (evaluation with averaged weights, then back to training).
 */
export function swapInWeights(target: VariableMap, source: WeightMap): VariableMap {
  const backup = cloneVariables(target);
  assignAll(target, source, 'averaged weights');
  return backup;
}

/** Puts a `swapInWeights` backup back into `target` and disposes the backup. */
export function restoreWeights(target: VariableMap, backup: VariableMap): void {
  try {
    assignAll(target, backup, 'backed-up weights');
  } finally {
    disposeVariables(backup);
  }
}

/**
 * Loads checkpoint tensors into `existing` variables, or into new ones when there are none yet.
 * The tensors may be disposed afterwards (variables share their data by reference count).
 */
export function loadVariables(existing: VariableMap | undefined, tensors: WeightMap, what: string): VariableMap {
  if (!existing) return cloneVariables(tensors);
  assignAll(existing, tensors, what);
  return existing;
}
