/**
 * Example of a user plugin: logs the global gradient norm every `every` optimizer steps and
 * reports the last one in the run summary. Name it in a config by module path
 * (`plugins: { ./grad-norm-logger.ts: { every: 50 } }`) or pass an instance in code.
 */
import * as tf from '@tensorflow/tfjs';
import type { PluginHost, TricksterPlugin } from '../core/plugin.js';

export const PLUGIN_NAME = 'grad-norm-logger';

/** Global L2 norm of a set of gradients: sqrt(Σ ‖g‖²). */
export function globalNorm(grads: Record<string, tf.Tensor>): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
}

/** Logs ‖g‖ every `every` steps; reads the value back only on those steps. */
export default class GradNormLogger implements TricksterPlugin {
  readonly name = PLUGIN_NAME;
  readonly norms: number[] = [];
  private readonly every: number;

  constructor(options: { every?: number } = {}) {
    this.every = options.every ?? 50;
  }

  apply(host: PluginHost): void {
    host.hooks.afterBackward.tap(PLUGIN_NAME, (grads, { step }) => {
      if (step % this.every === 0) {
        const norm = globalNorm(grads);
        this.norms.push(norm.dataSync()[0]);
        norm.dispose();
        host.logger.info(`  step ${step}: gradient norm ${this.norms.at(-1)!.toFixed(4)}`);
        host.report(PLUGIN_NAME, 'lastNorm', this.norms.at(-1));
      }
      return grads;
    });
  }
}
