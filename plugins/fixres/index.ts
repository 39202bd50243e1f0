import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import { STAGE } from '../../core/hook-stages.js';
import type { EndOfRunWork, PluginHost, RunSize, TricksterPlugin } from '../../core/plugin.js';
import { definePlugin } from '../../core/plugin-definition.js';
import { parsePluginOptions } from '../../core/plugin-options.js';
import { runFixRes, type FixResResult } from './phase.js';

/** Name under which this plugin taps hooks, reports and keeps its checkpoint state. */
export const PLUGIN_NAME = 'fixres';

/** Options: the test resolution, and how long and how fast to fine-tune at it. */
export const optionsSchema = z
  .object({
    testSize: z.number().int().positive(),
    epochs: z.number().int().min(1).default(2),
    lr: z.number().positive().default(1e-3),
    batches: z.number().int().positive().optional(),
  })
  .strict();
export type FixResOptions = z.output<typeof optionsSchema>;

/**
 * FixRes (seed 002): after training, fine-tunes the classifier and the last batch norm at the
 * test resolution and reports top-1 at that resolution before and after.
 */
export class FixResPlugin implements TricksterPlugin {
  readonly name = PLUGIN_NAME;
  private outcome: FixResResult | null = null;

  private readonly options: FixResOptions;

  /** Validates `options` with the schema (missing keys take their defaults); a bad one is a ConfigError naming `plugins.fixres.<key>`. */
  constructor(options: z.input<typeof optionsSchema>) {
    this.options = parsePluginOptions(optionsSchema, options, PLUGIN_NAME);
  }

  /** What the phase measured; null until it ran. */
  get result(): FixResResult | null {
    return this.outcome;
  }

  /**
   * The fine-tuning (epochs × its batches of training images) and the test split evaluated before
   * and after it, at testSize: each image costs (testSize / image size)² of one at the training
   * size; the final evaluation at testSize costs that much more than at the training size.
   */
  endOfRunWork(run: RunSize): EndOfRunWork {
    const pixels = (this.options.testSize / run.imageSize) ** 2;
    const perEpoch = Math.min((this.options.batches ?? Number.POSITIVE_INFINITY) * run.batchSize, run.trainImages);
    return {
      trained: this.options.epochs * perEpoch * pixels,
      evaluated: 2 * run.testImages * pixels + run.testImages * Math.max(0, pixels - 1),
    };
  }

  apply(host: PluginHost): void {
    host.hooks.validate.tap(PLUGIN_NAME, (ctx) => {
      if (ctx.has('distillation')) {
        ctx.warn(`${PLUGIN_NAME} + distillation: the FixRes fine-tuning uses plain cross-entropy; the teacher is not consulted in that phase`);
      }
    });
    host.hooks.setup.tapPromise(PLUGIN_NAME, async () => {
      const [, height, width] = host.model.inputs[0].shape;
      if (height !== null || width !== null) {
        throw new ConfigError(
          `plugins.${PLUGIN_NAME}: the model's input size is fixed at ${height}x${width}, so it cannot be evaluated at ${this.options.testSize}px; ` +
            'use a model that pools globally (model.head: gap for small-cnn, or a ResNet)',
        );
      }
    });
    host.hooks.afterTrain.tapPromise({ name: PLUGIN_NAME, stage: STAGE.FINE_TUNE_AT_TEST_SIZE }, async () => {
      this.outcome = await runFixRes(host, this.options);
      host.setFinalInputSize(PLUGIN_NAME, this.outcome.testSize);
      this.report(host);
      const { before, after, testSize } = this.outcome;
      host.logger.info(
        `${PLUGIN_NAME}: top1 at ${testSize}px ${(100 * before.top1).toFixed(2)}% → ${(100 * after.top1).toFixed(2)}% after ${this.options.epochs} fine-tuning epoch(s); the final evaluation and the exported model use ${testSize}px`,
      );
    });
    host.hooks.saveState.tap(PLUGIN_NAME, (bag) => bag.set(PLUGIN_NAME, { json: { result: this.outcome } }));
    host.hooks.loadState.tap(PLUGIN_NAME, (bag) => {
      this.outcome = (bag.get(PLUGIN_NAME)?.json as { result?: FixResResult } | undefined)?.result ?? null;
      if (this.outcome) this.report(host);
    });
  }

  /** Puts the after-FixRes metrics (the main result) and the before/after comparison in the summary. */
  private report(host: PluginHost): void {
    const r = this.outcome!;
    host.report(PLUGIN_NAME, 'testSize', r.testSize);
    host.report(PLUGIN_NAME, 'top1', r.after.top1);
    host.report(PLUGIN_NAME, 'top5', r.after.top5);
    host.report(PLUGIN_NAME, 'testLoss', r.after.loss);
    host.report(PLUGIN_NAME, 'top1Before', r.before.top1);
    host.report(PLUGIN_NAME, 'fineTuneLoss', r.fineTuneLoss);
  }
}

/** The fixres plugin, configured from `plugins.fixres`. */
export const fixres = definePlugin({
  name: PLUGIN_NAME,
  summary: 'FixRes: after training, fine-tune classifier + last BN at the test resolution; reports top-1 there before/after',
  schema: optionsSchema,
  create: (options) => new FixResPlugin(options),
});
