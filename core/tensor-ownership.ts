import type * as tf from '@tensorflow/tfjs';

function collect(value: unknown, into: Set<tf.Tensor>): void {
  if (value === null || typeof value !== 'object') return;
  if (typeof (value as tf.Tensor).dispose === 'function' && 'dataId' in (value as object)) {
    into.add(value as tf.Tensor);
    return;
  }
  for (const v of Object.values(value as object)) collect(v, into);
}

/**
 * Disposes the tensors held by `before` that `after` no longer holds: the kernel's rule for
 * waterfall hooks, whose taps may return replacements for the kernel's tensors.
 */
export function disposeReplaced(before: unknown, after: unknown): void {
  const kept = new Set<tf.Tensor>();
  collect(after, kept);
  const old = new Set<tf.Tensor>();
  collect(before, old);
  for (const t of old) if (!kept.has(t) && !t.isDisposed) t.dispose();
}

/** Disposes every tensor found in `value` (objects and arrays are walked). */
export function disposeAll(value: unknown): void {
  const all = new Set<tf.Tensor>();
  collect(value, all);
  for (const t of all) if (!t.isDisposed) t.dispose();
}
