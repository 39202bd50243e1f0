import { z } from 'zod';
import { STAGE } from '../../core/hook-stages.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { definePlugin } from '../../core/plugin-definition.js';
import { parsePluginOptions } from '../../core/plugin-options.js';
import { floodGradients } from './flooding.js';

/** Name under which this plugin taps hooks. */
export const PLUGIN_NAME = 'flooding';

/** Options: the flood level b ≥ 0 (required: a useful level depends on the data and the loss; see README). */
export const optionsSchema = z.object({ level: z.number().min(0) }).strict();
export type FloodingOptions = z.output<typeof optionsSchema>;

/** Trains on the flooded loss |L − b| + b: each step's gradients are multiplied by sign(L − b). */
export class FloodingPlugin implements TricksterPlugin {
  readonly name = PLUGIN_NAME;

  private readonly options: FloodingOptions;

  /** Validates `options` with the schema; a missing or negative level is a ConfigError naming `plugins.flooding.level`. */
  constructor(options: z.input<typeof optionsSchema>) {
    this.options = parsePluginOptions(optionsSchema, options, PLUGIN_NAME);
  }

  apply(host: PluginHost): void {
    const { level } = this.options;
    host.hooks.validate.tap(PLUGIN_NAME, (ctx) => {
      if (level === 0) ctx.warn(`${PLUGIN_NAME}: level 0 changes nothing (a cross-entropy is never below 0); raise it or switch flooding off`);
    });
    host.hooks.afterBackward.tap({ name: PLUGIN_NAME, stage: STAGE.FLOOD_GRADIENTS }, (grads, { loss }) => floodGradients(grads, loss, level));
  }
}

/** The flooding plugin, configured from `plugins.flooding`. */
export const flooding = definePlugin({
  name: PLUGIN_NAME,
  summary: 'flooding (Ishida et al., 2020): train on |loss − b| + b, so the training loss floats around the flood level b',
  schema: optionsSchema,
  create: (options) => new FloodingPlugin(options),
});
