import { z } from 'zod';
import { STAGE } from '../../core/hook-stages.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { defaultMode, monitorFields, monitoredValue } from '../../core/metric-monitor.js';
import { definePlugin } from '../../core/plugin-definition.js';
import { parsePluginOptions } from '../../core/plugin-options.js';
import { flooredMultiplier, initialPlateauState, plateauStep, type PlateauRule, type PlateauState } from './plateau.js';

/** Name under which this plugin taps hooks, contributes its LR multiplier and keeps its state. */
export const PLUGIN_NAME = 'reduce-lr-on-plateau';

/** Options: PyTorch's ReduceLROnPlateau knobs (min_lr → minLr, threshold_mode → thresholdMode) and the monitor. */
export const optionsSchema = z
  .object({
    ...monitorFields,
    factor: z.number().gt(0).lt(1).default(0.1),
    patience: z.number().int().min(0).default(10),
    threshold: z.number().min(0).default(1e-4),
    thresholdMode: z.enum(['rel', 'abs']).default('rel'),
    cooldown: z.number().int().min(0).default(0),
    minLr: z.number().min(0).default(0),
    eps: z.number().min(0).default(1e-8),
  })
  .strict();
export type ReduceLrOnPlateauOptions = z.output<typeof optionsSchema>;

/**
 * Multiplies the learning rate by `factor` when the monitored metric stops improving, once per
 * evaluation. Composes with the LR schedule as a multiplier; minLr bounds the resulting rate.
 */
export class ReduceLrOnPlateauPlugin implements TricksterPlugin {
  readonly name = PLUGIN_NAME;
  private readonly rule: PlateauRule;
  private state: PlateauState;
  /** Product of the reductions so far, relative to the rate of the other LR factors. */
  private reduction = 1;
  private reductions = 0;

  private readonly options: ReduceLrOnPlateauOptions;

  /** Validates `options` with the schema (missing keys take their defaults); a bad one is a ConfigError naming `plugins.reduce-lr-on-plateau.<key>`. */
  constructor(options: z.input<typeof optionsSchema> = {}) {
    this.options = parsePluginOptions(optionsSchema, options, PLUGIN_NAME);
    const { monitor, mode, ...rest } = this.options;
    this.rule = { ...rest, mode: mode ?? defaultMode(monitor) };
    this.state = initialPlateauState(this.rule.mode);
  }

  apply(host: PluginHost): void {
    // It acts on evaluation metrics: the trainer holds out a validation split if the config has none.
    host.requireValidation(PLUGIN_NAME);
    const o = this.options;
    host.hooks.validate.tap(PLUGIN_NAME, (ctx) => {
      if (ctx.has('swa')) ctx.warn(`${PLUGIN_NAME}: while swa overrides the learning rate, the plateau's reductions do not apply`);
    });
    // After the schedule set its factor for this step.
    host.hooks.beforeStep.tap({ name: PLUGIN_NAME, stage: STAGE.ADJUST_SCHEDULED_LR }, () => {
      this.refresh(host);
    });
    host.hooks.afterEval.tapPromise({ name: PLUGIN_NAME, stage: STAGE.READ_EVAL_METRICS }, async ({ phase, metrics, epoch }) => {
      if (phase !== 'epoch' || !metrics) return;
      const otherLr = this.refresh(host);
      const lr = host.hyper.lr;
      const step = plateauStep(this.state, monitoredValue(metrics, o.monitor), lr, this.rule);
      this.state = step.state;
      if (step.lr === lr) return;
      this.reduction = step.lr / otherLr;
      this.reductions += 1;
      this.refresh(host);
      host.logger.info(`${PLUGIN_NAME}: ${o.monitor} has not improved for more than ${o.patience} evaluation(s); learning rate ${lr} → ${step.lr}`);
      host.report(PLUGIN_NAME, 'reductions', this.reductions);
      host.report(PLUGIN_NAME, 'lastReduction', { epoch: epoch + 1, lr: step.lr });
    });
    host.hooks.saveState.tap(PLUGIN_NAME, (bag) => {
      const { best, ...rest } = this.state;
      // JSON has no ∞: null stands for "no best value yet".
      bag.set(PLUGIN_NAME, { json: { ...rest, best: Number.isFinite(best) ? best : null, reduction: this.reduction, reductions: this.reductions } });
    });
    host.hooks.loadState.tap(PLUGIN_NAME, (bag) => {
      const saved = bag.get(PLUGIN_NAME)?.json as (Omit<PlateauState, 'best'> & { best: number | null; reduction: number; reductions: number }) | undefined;
      if (!saved) return;
      const { best, reduction, reductions, numBadEpochs, cooldownCounter } = saved;
      this.state = { best: best ?? initialPlateauState(this.rule.mode).best, numBadEpochs, cooldownCounter };
      this.reduction = reduction;
      this.reductions = reductions;
    });
  }

  /** Sets this plugin's multiplier for the current schedule; returns the rate without it. */
  private refresh(host: PluginHost): number {
    host.hyper.setMultiplier(PLUGIN_NAME, 1);
    const otherLr = host.hyper.lr;
    host.hyper.setMultiplier(PLUGIN_NAME, flooredMultiplier(this.reduction, otherLr, this.rule.minLr));
    return otherLr;
  }
}

/** The reduce-lr-on-plateau plugin, configured from `plugins.reduce-lr-on-plateau`. */
export const reduceLrOnPlateau = definePlugin({
  name: PLUGIN_NAME,
  summary: 'ReduceLROnPlateau: multiply the LR by `factor` when the evaluation loss or top-1 stops improving (PyTorch semantics)',
  schema: optionsSchema,
  create: (options) => new ReduceLrOnPlateauPlugin(options),
});
