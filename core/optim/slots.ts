import * as tf from '@tensorflow/tfjs';

/** Named per-variable state tensors (momentum buffers, Adam moments) kept as tf.Variables. */
export class SlotStore {
  private readonly slots = new Map<string, tf.Variable>();

  /** The slot `key`, created from `init()` the first time it is asked for. */
  get(key: string, init: () => tf.Tensor): { variable: tf.Variable; created: boolean } {
    const existing = this.slots.get(key);
    if (existing) return { variable: existing, created: false };
    const variable = tf.variable(init(), false);
    this.slots.set(key, variable);
    return { variable, created: true };
  }

  /** Clones of every slot, by key. */
  snapshot(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [k, v] of this.slots) out[k] = v.clone();
    return out;
  }

  /** Replaces all slots by copies of `tensors`. */
  restore(tensors: Record<string, tf.Tensor>): void {
    this.dispose();
    for (const [k, t] of Object.entries(tensors)) this.slots.set(k, tf.variable(t.clone(), false));
  }

  dispose(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
  }
}
