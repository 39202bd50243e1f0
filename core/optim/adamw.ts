import * as tf from '@tensorflow/tfjs';
import type { GradientMap } from '../contexts.js';
import { SlotStore } from './slots.js';
import type { Optimizer, OptimizerState, StepHyperParams } from './types.js';

/** Options of AdamW, as in PyTorch's torch.optim.AdamW. */
export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
}

/**
 * AdamW (decoupled weight decay), following torch.optim.AdamW:
 *   w ← w − lr·wd·w;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *   w ← w − lr · (m / (1−β1^t)) / (√(v / (1−β2^t)) + eps)
 */
export class AdamW implements Optimizer {
  readonly name = 'adamw';
  private readonly slots = new SlotStore();
  private t = 0;

  constructor(private readonly options: AdamWOptions) {}

  apply(grads: GradientMap, variables: Readonly<Record<string, tf.Variable>>, hp: StepHyperParams): void {
    const { beta1, beta2, eps } = this.options;
    this.t += 1;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    tf.tidy(() => {
      for (const [name, g] of Object.entries(grads)) {
        const w = variables[name];
        const m = this.slots.get(`${name}/m`, () => tf.zerosLike(w)).variable;
        const v = this.slots.get(`${name}/v`, () => tf.zerosLike(w)).variable;
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const wd = hp.decayFor(name);
        const decayed = wd !== 0 ? tf.mul(w, 1 - hp.lr * wd) : w;
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps));
        w.assign(tf.sub(decayed, tf.mul(update, hp.lr)));
      }
    });
  }

  getState(): OptimizerState {
    return { json: { t: this.t }, tensors: this.slots.snapshot() };
  }

  setState(state: OptimizerState): void {
    this.t = Number(state.json.t ?? 0);
    this.slots.restore(state.tensors);
  }

  dispose(): void {
    this.slots.dispose();
  }
}
