import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { GradientMap } from '../../core/contexts.js';
import { ConfigError } from '../../core/errors.js';
import { batchNormLayers } from '../../core/models/inspect.js';
import { STAGE } from '../../core/hook-stages.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { definePlugin } from '../../core/plugin-definition.js';
import { parsePluginOptions } from '../../core/plugin-options.js';
import { addWeighted, weightedMean } from './accumulate.js';

/** Name under which this plugin taps hooks, owns micro-batching and keeps its checkpoint state. */
export const PLUGIN_NAME = 'gradient-accumulation';

/** Options: how many micro-batches make one optimizer step. */
export const optionsSchema = z.object({ steps: z.number().int().min(1).default(2) }).strict();
export type GradientAccumulationOptions = z.output<typeof optionsSchema>;

/** Averages the gradients of `steps` micro-batches and lets the optimizer step once per window. */
export class GradientAccumulationPlugin implements TricksterPlugin {
  readonly name = PLUGIN_NAME;
  private sum: GradientMap | undefined;
  /** Micro-batches and examples summed into `sum` so far. */
  private pending = 0;
  private examples = 0;

  private readonly options: GradientAccumulationOptions;

  /** Validates `options` with the schema (missing keys take their defaults); a bad one is a ConfigError naming `plugins.gradient-accumulation.<key>`. */
  constructor(options: z.input<typeof optionsSchema> = {}) {
    this.options = parsePluginOptions(optionsSchema, options, PLUGIN_NAME);
  }

  apply(host: PluginHost): void {
    const { steps } = this.options;
    host.setMicroBatchesPerStep(PLUGIN_NAME, steps);
    host.hooks.validate.tap(PLUGIN_NAME, (ctx) => {
      if (steps === 1) ctx.warn(`${PLUGIN_NAME}: steps 1 applies every micro-batch; it changes nothing (switch it off or raise steps)`);
    });
    host.hooks.setup.tapPromise(PLUGIN_NAME, async () => {
      if (host.stepsPerEpoch === 0) {
        throw new ConfigError(
          `plugins.${PLUGIN_NAME}.steps: ${steps} micro-batches per step but an epoch has only ${host.batchesPerEpoch}; lower steps or training.batchSize`,
        );
      }
      const batch = host.config.training.batchSize;
      const bn = batchNormLayers(host.model).length;
      if (bn > 0) {
        host.logger.warn(
          `${PLUGIN_NAME}: the model has ${bn} batch-norm layers; they normalise micro-batches of ${batch}, not the effective batch of ${batch * steps}, so the update only approximates a large batch`,
        );
      }
      host.report(PLUGIN_NAME, 'effectiveBatch', batch * steps);
    });
    host.hooks.afterBackward.tap({ name: PLUGIN_NAME, stage: STAGE.ACCUMULATE_GRADIENTS }, (grads, { batchSize }) => this.accumulate(grads, batchSize));
    host.hooks.shouldApplyGradients.tap(PLUGIN_NAME, () => (this.pending > 0 ? false : undefined));
    host.hooks.dispose.tap(PLUGIN_NAME, () => this.reset());
    host.hooks.saveState.tap(PLUGIN_NAME, (bag) => {
      bag.set(PLUGIN_NAME, { json: { pending: this.pending, examples: this.examples }, tensors: this.sum ?? {} });
    });
    host.hooks.loadState.tap(PLUGIN_NAME, (bag) => {
      const saved = bag.get(PLUGIN_NAME);
      if (!saved) return;
      const { pending, examples } = saved.json as { pending: number; examples: number };
      this.reset();
      if (pending === 0) return;
      this.sum = {};
      for (const [name, t] of Object.entries(saved.tensors ?? {})) this.sum[name] = tf.clone(t);
      this.pending = pending;
      this.examples = examples;
    });
  }

  /**
   * Adds a micro-batch's gradients (weighted by its size) to the window. Inside a window the
   * waterfall goes on with an empty map (nothing to transform, the step is held); at the
   * window's end it returns the weighted mean.
   */
  private accumulate(grads: GradientMap, batchSize: number): GradientMap {
    const next = addWeighted(this.sum, grads, batchSize);
    tf.dispose(Object.values(this.sum ?? {}));
    this.sum = next;
    this.pending += 1;
    this.examples += batchSize;
    if (this.pending < this.options.steps) return {};
    const mean = weightedMean(next, this.examples);
    this.reset();
    return mean;
  }

  private reset(): void {
    tf.dispose(Object.values(this.sum ?? {}));
    this.sum = undefined;
    this.pending = 0;
    this.examples = 0;
  }
}

/** The gradient-accumulation plugin, configured from `plugins.gradient-accumulation`. */
export const gradientAccumulation = definePlugin({
  name: PLUGIN_NAME,
  summary: 'gradient accumulation: average the gradients of several micro-batches, one optimizer step per window',
  schema: optionsSchema,
  create: (options) => new GradientAccumulationPlugin(options),
});
