import { z } from 'zod';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { trainableVariables } from '../../core/variables.js';
import { definePlugin } from '../../core/plugin-definition.js';
import { parsePluginOptions } from '../../core/plugin-options.js';
import { decaysVariable } from './filter.js';

/** Name under which this plugin taps hooks and exempts variables from weight decay. */
export const PLUGIN_NAME = 'no-bias-decay';

/** No options: the rule is fixed (kernels decay, everything else does not). */
export const optionsSchema = z.object({}).strict();
export type NoBiasDecayOptions = z.output<typeof optionsSchema>;

/** Restricts the optimizer's weight decay to conv and dense kernels. */
export class NoBiasDecayPlugin implements TricksterPlugin {
  readonly name = PLUGIN_NAME;

  readonly options: NoBiasDecayOptions;

  /** Validates `options` with the schema (missing keys take their defaults); a bad one is a ConfigError naming `plugins.no-bias-decay.<key>`. */
  constructor(options: z.input<typeof optionsSchema> = {}) {
    this.options = parsePluginOptions(optionsSchema, options, PLUGIN_NAME);
  }

  apply(host: PluginHost): void {
    host.hyper.exemptFromDecay(PLUGIN_NAME, (name) => !decaysVariable(name));
    host.hooks.validate.tap(PLUGIN_NAME, (ctx) => {
      if (host.config.optimizer.weightDecay === 0) ctx.warn(`${PLUGIN_NAME}: optimizer.weightDecay is 0, so there is no decay to restrict`);
    });
    host.hooks.setup.tapPromise(PLUGIN_NAME, async () => {
      const names = Object.keys(trainableVariables(host.model));
      const decayed = names.filter(decaysVariable).length;
      host.report(PLUGIN_NAME, 'decayedVariables', decayed);
      host.report(PLUGIN_NAME, 'exemptVariables', names.length - decayed);
    });
  }
}

/** The no-bias-decay plugin, configured from `plugins.no-bias-decay`. */
export const noBiasDecay = definePlugin({
  name: PLUGIN_NAME,
  summary: 'no bias decay: weight decay only on conv and dense kernels, not on biases nor BN gamma/beta',
  schema: optionsSchema,
  create: (options) => new NoBiasDecayPlugin(options),
});
