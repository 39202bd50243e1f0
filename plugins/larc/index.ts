import { z } from 'zod';
import type { GradientMap } from '../../core/contexts.js';
import { PluginConflictError } from '../../core/errors.js';
import { STAGE } from '../../core/hook-stages.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { trainableVariables } from '../../core/variables.js';
import { definePlugin } from '../../core/plugin-definition.js';
import { parsePluginOptions } from '../../core/plugin-options.js';
import { isBiasOrNorm, larcGradient } from './larc.js';

/** Name under which this plugin taps hooks and owns the weight-decay filter. */
export const PLUGIN_NAME = 'larc';

/** Other layer-wise trust-ratio plugins: two of them would scale the same gradients twice. */
const RIVALS = ['lars', 'lamb'];

/** Options: LARC's trust coefficient η, clip (LARC) or not (LARS), eps, and bias/BN exclusion. */
export const optionsSchema = z
  .object({
    trustCoefficient: z.number().positive().default(0.02),
    clip: z.boolean().default(true),
    eps: z.number().min(0).default(1e-8),
    excludeBiasAndNorm: z.boolean().default(false),
  })
  .strict();
export type LarcOptions = z.output<typeof optionsSchema>;

/**
 * Scales each variable's gradient by its trust ratio before the optimizer step, with weight decay
 * absorbed into the gradient (so the optimizer's own decay is switched off for those variables).
 */
export class LarcPlugin implements TricksterPlugin {
  readonly name = PLUGIN_NAME;
  /** Variables left to the optimizer as configured (biases and BN parameters when excluded). */
  private excluded = new Set<string>();

  private readonly options: LarcOptions;

  /** Validates `options` with the schema (missing keys take their defaults); a bad one is a ConfigError naming `plugins.larc.<key>`. */
  constructor(options: z.input<typeof optionsSchema> = {}) {
    this.options = parsePluginOptions(optionsSchema, options, PLUGIN_NAME);
  }

  apply(host: PluginHost): void {
    const o = this.options;
    // The optimizer decays only the variables LARC leaves alone; LARC decays the others itself,
    // each with its own coefficient (0 where e.g. no-bias-decay exempts it).
    host.hyper.takeOverDecay(PLUGIN_NAME, (name) => !this.excluded.has(name));
    host.hooks.validate.tap(PLUGIN_NAME, (ctx) => {
      const rival = RIVALS.find((r) => ctx.has(r));
      if (rival) {
        throw new PluginConflictError(`plugins "${PLUGIN_NAME}" and "${rival}" both rescale gradients layer by layer; switch one of them off`);
      }
      if (host.config.optimizer.name !== 'sgd') {
        ctx.warn(`${PLUGIN_NAME}: LARC is defined for SGD; with ${host.config.optimizer.name} the absorbed weight decay passes through the adaptive moments as an L2 term`);
      }
    });
    host.hooks.setup.tapPromise(PLUGIN_NAME, async () => {
      const variables = trainableVariables(host.model);
      const names = Object.keys(variables).filter((n) => o.excludeBiasAndNorm && isBiasOrNorm(variables[n]!.shape));
      this.excluded = new Set(names);
      host.report(PLUGIN_NAME, 'adaptedVariables', Object.keys(variables).length - names.length);
    });
    host.hooks.afterBackward.tap({ name: PLUGIN_NAME, stage: STAGE.RESCALE_GRADIENTS }, (grads, { variables }) => {
      const { lr } = host.hyper;
      const out: GradientMap = {};
      for (const [name, g] of Object.entries(grads)) {
        out[name] = this.excluded.has(name) ? g : larcGradient(variables[name]!, g, lr, host.hyper.decayFor(name), o);
      }
      return out;
    });
  }
}

/** The larc plugin, configured from `plugins.larc`. */
export const larc = definePlugin({
  name: PLUGIN_NAME,
  summary: 'LARC: layer-wise adaptive rate scaling with trust ratio η‖w‖/(‖g‖+wd‖w‖), clipped at the global LR',
  schema: optionsSchema,
  create: (options) => new LarcPlugin(options),
});
