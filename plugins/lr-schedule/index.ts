import { z } from 'zod';
import { STAGE } from '../../core/hook-stages.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { definePlugin } from '../../core/plugin-definition.js';
import { parsePluginOptions } from '../../core/plugin-options.js';
import { linearScaledLr, scheduleFactor, type ScheduleSpec, type WarmupSpec } from './schedules.js';

/** Name under which this plugin taps hooks and owns the schedule. */
export const PLUGIN_NAME = 'lr-schedule';

const warmupSchema = z.object({ epochs: z.number().positive(), startFactor: z.number().min(0).max(1).default(0.1) }).strict();
const common = { warmup: warmupSchema.optional(), scaleRule: z.enum(['none', 'linear']).default('none') };

/** Options: the decay (`name` and its knobs), optional linear warmup and linear LR scaling. */
export const optionsSchema = z.discriminatedUnion('name', [
  z.object({ name: z.literal('constant'), ...common }).strict(),
  z.object({ name: z.literal('step'), stepSize: z.number().positive(), gamma: z.number().positive().default(0.1), ...common }).strict(),
  z
    .object({
      name: z.literal('multistep'),
      milestones: z.array(z.number().positive()).min(1).optional(),
      fractions: z.array(z.number().gt(0).lt(1)).min(1).optional(),
      gamma: z.number().positive().default(0.1),
      ...common,
    })
    .strict()
    .refine((o) => (o.milestones === undefined) !== (o.fractions === undefined), {
      message: 'give either milestones (epochs) or fractions (of the training length), not both',
    }),
  z.object({ name: z.literal('exponential'), gamma: z.number().positive(), ...common }).strict(),
  z.object({ name: z.literal('inverse-time'), k: z.number().positive(), ...common }).strict(),
  z.object({ name: z.literal('cosine'), minFactor: z.number().min(0).max(1).default(0), ...common }).strict(),
  z.object({ name: z.literal('linear'), minFactor: z.number().min(0).max(1).default(0), ...common }).strict(),
  z.object({ name: z.literal('cosine-restarts'), t0: z.number().positive(), tMult: z.number().min(1).default(1), minFactor: z.number().min(0).max(1).default(0), ...common }).strict(),
]);
export type LrScheduleOptions = z.output<typeof optionsSchema>;

/** Sets the schedule factor of the learning rate before every optimizer step. */
export class LrSchedulePlugin implements TricksterPlugin {
  readonly name = PLUGIN_NAME;
  private readonly spec: ScheduleSpec;
  private readonly warmup: WarmupSpec | undefined;

  private readonly options: LrScheduleOptions;

  /** Validates `options` with the schema (missing keys take their defaults); a bad one is a ConfigError naming `schedule.<key>`. */
  constructor(options: z.input<typeof optionsSchema>) {
    this.options = parsePluginOptions(optionsSchema, options, PLUGIN_NAME, 'schedule');
    const { warmup, scaleRule: _scaleRule, ...spec } = this.options;
    this.spec = spec as ScheduleSpec;
    this.warmup = warmup;
  }

  apply(host: PluginHost): void {
    host.hyper.claimSchedule(PLUGIN_NAME);
    let scaled = false;
    // Everything happens at beforeStep (the scaling rule at the first one: micro-batches per step
    // are declared by then), so the schedule preview replays it without a model (core/schedule-preview).
    host.hooks.beforeStep.tap({ name: PLUGIN_NAME, stage: STAGE.SET_SCHEDULE }, ({ step }) => {
      if (this.options.scaleRule === 'linear' && !scaled) {
        const effectiveBatch = host.config.training.batchSize * host.microBatchesPerStep;
        host.hyper.baseLr = linearScaledLr(host.config.optimizer.lr, effectiveBatch, host.config.optimizer.name);
        scaled = true;
      }
      const t = step / Math.max(host.stepsPerEpoch, 1);
      host.hyper.setScheduleFactor(PLUGIN_NAME, scheduleFactor(this.spec, this.warmup, t, host.config.training.epochs));
    });
  }
}

/** The lr-schedule plugin, configured from the config's `schedule` section. */
export const lrSchedule = definePlugin({
  name: PLUGIN_NAME,
  summary: 'learning-rate schedule: warmup, step, multistep, exponential, 1/t, cosine, linear, cosine with restarts; linear scaling rule',
  schema: optionsSchema,
  create: (options) => new LrSchedulePlugin(options),
});
