import * as tf from '@tensorflow/tfjs';
import { simdSgdStep } from '../backends/wasm-simd/sgd-step.js';
import type { GradientMap } from '../contexts.js';
import { SlotStore } from './slots.js';
import type { Optimizer, OptimizerState, StepHyperParams } from './types.js';

/** Options of SGD, as in PyTorch's torch.optim.SGD. */
export interface SgdOptions {
  momentum: number;
  dampening: number;
  nesterov: boolean;
}

/**
 * SGD with momentum and Nesterov, following torch.optim.SGD exactly:
 *   g ← g + wd·w;  b ← μ·b + (1−τ)·g (b = g on the first step);
 *   g ← g + μ·b if nesterov else b;  w ← w − lr·g
 * With momentum on wasm each variable's step is one SIMD kernel call (../backends/wasm-simd/sgd-step.ts),
 * with the same results as the tf ops below.
 */
export class Sgd implements Optimizer {
  readonly name = 'sgd';
  private readonly slots = new SlotStore();

  constructor(private readonly options: SgdOptions) {}

  apply(grads: GradientMap, variables: Readonly<Record<string, tf.Variable>>, hp: StepHyperParams): void {
    const { momentum, dampening, nesterov } = this.options;
    tf.tidy(() => {
      for (const [name, grad] of Object.entries(grads)) {
        const w = variables[name];
        const wd = hp.decayFor(name);
        const slot = momentum !== 0 ? this.slots.get(name, () => tf.zerosLike(w)) : null;
        const fused = slot && simdSgdStep(w, grad, slot.variable, { lr: hp.lr, weightDecay: wd, momentum, dampening, nesterov, first: slot.created });
        if (fused) {
          slot!.variable.assign(fused[1]);
          w.assign(fused[0]);
          continue;
        }
        let g = wd !== 0 ? tf.add(grad, tf.mul(w, wd)) : grad;
        if (slot) {
          const { variable: buf, created } = slot;
          const next = created ? g : tf.add(tf.mul(buf, momentum), dampening === 0 ? g : tf.mul(g, 1 - dampening));
          buf.assign(next);
          g = nesterov ? tf.add(g, tf.mul(next, momentum)) : next;
        }
        w.assign(tf.sub(w, tf.mul(g, hp.lr)));
      }
    });
  }

  getState(): OptimizerState {
    return { json: {}, tensors: this.slots.snapshot() };
  }

  setState(state: OptimizerState): void {
    this.slots.restore(state.tensors);
  }

  dispose(): void {
    this.slots.dispose();
  }
}
