import { z } from 'zod';
import { STAGE } from '../../core/hook-stages.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { definePlugin } from '../../core/plugin-definition.js';
import { parsePluginOptions } from '../../core/plugin-options.js';
import { smoothTargets } from './smoothing.js';

/** Name under which this plugin taps hooks. */
export const PLUGIN_NAME = 'label-smoothing';

/** Options: ε, the probability mass spread uniformly over the K classes (the seed's `smoothing`). */
export const optionsSchema = z.object({ epsilon: z.number().min(0).lt(1).default(0.1) }).strict();
export type LabelSmoothingOptions = z.output<typeof optionsSchema>;

/** Replaces each batch's targets t by (1 − ε)·t + ε/K before the loss sees them. */
export class LabelSmoothingPlugin implements TricksterPlugin {
  readonly name = PLUGIN_NAME;

  private readonly options: LabelSmoothingOptions;

  /** Validates `options` with the schema (missing keys take their defaults); a bad one is a ConfigError naming `plugins.label-smoothing.<key>`. */
  constructor(options: z.input<typeof optionsSchema> = {}) {
    this.options = parsePluginOptions(optionsSchema, options, PLUGIN_NAME);
  }

  apply(host: PluginHost): void {
    host.hooks.validate.tap(PLUGIN_NAME, (ctx) => {
      if (ctx.has('distillation')) {
        ctx.warn(
          `${PLUGIN_NAME}: with "distillation" the teacher's soft targets already soften the labels; ` +
            'label smoothing also erases the inter-class information distillation relies on (Müller et al., 2019)',
        );
      }
    });
    host.hooks.batch.tap({ name: PLUGIN_NAME, stage: STAGE.SMOOTH_TARGETS }, (batch) =>
      this.options.epsilon === 0 ? batch : { x: batch.x, targets: smoothTargets(batch.targets, this.options.epsilon) },
    );
  }
}

/** The label-smoothing plugin, configured from `plugins.label-smoothing`. */
export const labelSmoothing = definePlugin({
  name: PLUGIN_NAME,
  summary: 'label smoothing: targets (1 − ε)·t + ε/K, after mixup/cutmix (PyTorch label_smoothing semantics)',
  schema: optionsSchema,
  create: (options) => new LabelSmoothingPlugin(options),
});
