import { z } from 'zod';
import { STAGE } from '../../core/hook-stages.js';
import type { EndOfRunWork, PluginHost, RunSize, TricksterPlugin } from '../../core/plugin.js';
import { batchNormLayers } from '../../core/models/inspect.js';
import { recomputeBatchNormStats, reportFinalWeights } from '../../core/weights/index.js';
import { definePlugin } from '../../core/plugin-definition.js';
import { parsePluginOptions } from '../../core/plugin-options.js';
import { passLength } from './math.js';

/** Name under which this plugin taps hooks. */
export const PLUGIN_NAME = 'precise-bn';

/** Options: how many training batches a pass averages over, when passes run, and whether the replaced statistics are reported. */
export const optionsSchema = z
  .object({
    batches: z.number().int().min(1).default(200),
    when: z.enum(['epoch', 'end']).default('epoch'),
    /**
     * With when 'end': before the pass, evaluate the weights with their moving statistics once on
     * the test split and report them (finalWeightsTop1, a report only). With 'epoch' the statistics
     * were already replaced at every evaluation, so there are no moving statistics left to report.
     */
    reportFinalWeights: z.boolean().default(true),
  })
  .strict();
export type PreciseBnOptions = z.output<typeof optionsSchema>;

/**
 * Precise BN (seed 002): before evaluation, replaces every batch norm's moving statistics by the
 * true average of its per-batch statistics over `batches` training batches.
 */
export class PreciseBnPlugin implements TricksterPlugin {
  readonly name = PLUGIN_NAME;
  private passes = 0;

  private readonly options: PreciseBnOptions;

  /** Validates `options` with the schema (missing keys take their defaults); a bad one is a ConfigError naming `plugins.precise-bn.<key>`. */
  constructor(options: z.input<typeof optionsSchema> = {}) {
    this.options = parsePluginOptions(optionsSchema, options, PLUGIN_NAME);
  }

  /** Recalibration passes run so far (kept across a resume). */
  get passCount(): number {
    return this.passes;
  }

  /** The pass before the final evaluation (`batches` training batches at most), and with when 'end' the final weights' test report. */
  endOfRunWork(run: RunSize): EndOfRunWork {
    const o = this.options;
    const pass = passLength(o.batches, Math.ceil(run.trainImages / run.batchSize));
    return { trained: Math.min(pass * run.batchSize, run.trainImages), evaluated: o.when === 'end' && o.reportFinalWeights ? run.testImages : 0 };
  }

  apply(host: PluginHost): void {
    const o = this.options;
    host.hooks.validate.tap(PLUGIN_NAME, (ctx) => {
      if (o.when === 'end' && ctx.has('swa')) {
        ctx.warn(`${PLUGIN_NAME} (when: 'end') + swa: swa already recomputes BN statistics at the end; ${PLUGIN_NAME} repeats it over ${o.batches} batches`);
      }
    });
    host.hooks.setup.tapPromise(PLUGIN_NAME, async () => {
      if (batchNormLayers(host.model).length === 0) host.logger.warn(`${PLUGIN_NAME}: model "${host.model.name}" has no batch-norm layer; nothing to recompute`);
      if (host.batchesPerEpoch < o.batches) {
        host.logger.warn(`${PLUGIN_NAME}: an epoch has ${host.batchesPerEpoch} training batches; passes average over those instead of ${o.batches}`);
      }
    });
    // Before every evaluation (each epoch's, and the final one, which a run without a validation
    // split has alone), after averaged weights are swapped in, so the weights evaluated get their own statistics.
    host.hooks.beforeEval.tapPromise({ name: PLUGIN_NAME, stage: STAGE.RECALIBRATE_BATCH_NORM }, async ({ epoch }) => {
      if (o.when === 'epoch') await this.recompute(host, epoch);
    });
    // After EMA's export, SWA's swap and early stopping's restore: the final weights get their statistics.
    host.hooks.afterTrain.tapPromise({ name: PLUGIN_NAME, stage: STAGE.FINAL_BATCH_NORM_PASS }, async ({ epochs }) => {
      if (o.when !== 'end') return;
      if (o.reportFinalWeights) await reportFinalWeights(host, PLUGIN_NAME);
      await this.recompute(host, epochs);
    });
    host.hooks.saveState.tap(PLUGIN_NAME, (bag) => bag.set(PLUGIN_NAME, { json: { passes: this.passes } }));
    host.hooks.loadState.tap(PLUGIN_NAME, (bag) => {
      this.passes = (bag.get(PLUGIN_NAME)?.json as { passes?: number } | undefined)?.passes ?? 0;
    });
  }

  private async recompute(host: PluginHost, epoch: number): Promise<void> {
    const limit = passLength(this.options.batches, host.batchesPerEpoch);
    const used = await recomputeBatchNormStats(host.model, host.trainBatches(epoch, { augment: false }), limit);
    this.passes += 1;
    host.report(PLUGIN_NAME, 'passes', this.passes);
    host.report(PLUGIN_NAME, 'batches', used);
  }
}

/** The precise-bn plugin, configured from `plugins.precise-bn`. */
export const preciseBn = definePlugin({
  name: PLUGIN_NAME,
  summary: 'precise BN: batch-norm statistics recomputed as the true average over N training batches before evaluation',
  schema: optionsSchema,
  create: (options) => new PreciseBnPlugin(options),
});
