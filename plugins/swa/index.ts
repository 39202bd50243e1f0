import { z } from 'zod';
import { CheckpointError } from '../../core/errors.js';
import { STAGE } from '../../core/hook-stages.js';
import type { EndOfRunWork, PluginHost, RunSize, TricksterPlugin } from '../../core/plugin.js';
import { trainableVariables } from '../../core/variables.js';
import { assignAll, disposeVariables, loadVariables, recomputeBatchNormStats, reportFinalWeights, type VariableMap } from '../../core/weights/index.js';
import { definePlugin } from '../../core/plugin-definition.js';
import { parsePluginOptions } from '../../core/plugin-options.js';
import { collectsAt, runningAverage, swaLearningRate, swaStartEpoch } from './math.js';

/** Name under which this plugin taps hooks, overrides the LR and keeps its checkpoint state. */
export const PLUGIN_NAME = 'swa';

/** Options: when averaging starts and how often, the optional constant SWA learning rate, and whether the replaced weights are reported. */
export const optionsSchema = z
  .object({
    start: z.union([z.number().gt(0).lt(1), z.number().int().min(1)]).default(0.75),
    every: z.number().int().min(1).default(1),
    lr: z.number().positive().nullable().default(null),
    annealEpochs: z.number().min(0).default(0),
    /** Before the average replaces the last trained weights, evaluate those once on the test split and report them (finalWeightsTop1, a report only). */
    reportFinalWeights: z.boolean().default(true),
  })
  .strict();
export type SwaOptions = z.output<typeof optionsSchema>;

/**
 * Stochastic weight averaging: averages the trainable weights at epoch ends from `start`, holds
 * the SWA learning rate, and at the end swaps the average in and recomputes BN statistics.
 */
export class SwaPlugin implements TricksterPlugin {
  readonly name = PLUGIN_NAME;
  private average: VariableMap | undefined;
  private count = 0;
  private startLr: number | undefined;
  /** First SWA epoch (0-based), fixed when the run reaches it; before that it follows the run's length (a time budget may revise it). */
  private startEpoch: number | undefined;

  private readonly options: SwaOptions;

  /** Validates `options` with the schema (missing keys take their defaults); a bad one is a ConfigError naming `plugins.swa.<key>`. */
  constructor(options: z.input<typeof optionsSchema> = {}) {
    this.options = parsePluginOptions(optionsSchema, options, PLUGIN_NAME);
  }

  /** Snapshots averaged so far. */
  get averaged(): number {
    return this.count;
  }

  /** The running average of the trainable weights, by stable name; undefined before the first snapshot. */
  get averageWeights(): Readonly<VariableMap> | undefined {
    return this.average;
  }

  /** Batch-norm statistics recomputed over an epoch of training images, the final weights' test report, and a validation check before and after. */
  endOfRunWork(run: RunSize): EndOfRunWork {
    return { trained: run.trainImages, evaluated: (this.options.reportFinalWeights ? run.testImages : 0) + 2 * run.validationImages };
  }

  apply(host: PluginHost): void {
    const o = this.options;
    // A second plugin claiming the LR override fails here with an error naming both.
    if (o.lr !== null) host.hyper.claimOverride(PLUGIN_NAME);
    host.hooks.validate.tap(PLUGIN_NAME, (ctx) => {
      if (ctx.has('early-stopping')) {
        ctx.warn(`${PLUGIN_NAME} + early-stopping: a run stopped before SWA's start averages nothing, and one stopped early averages few snapshots`);
      }
      if (o.lr !== null && ctx.has('reduce-lr-on-plateau')) {
        ctx.warn(`${PLUGIN_NAME} (lr: ${o.lr}) + reduce-lr-on-plateau: the SWA rate overrides the plateau factor during the SWA phase`);
      }
    });
    // Until the phase begins its start follows the run's current length (host.config.training.epochs,
    // which PluginHost.reviseEpochs changes); the first epoch at or past it fixes it. A start that a
    // shorter revised length moved into the past begins the phase at the current epoch.
    const planned = () => swaStartEpoch(o.start, host.config.training.epochs);
    const startEpoch = (epoch: number) => {
      if (this.startEpoch === undefined && epoch >= planned()) this.startEpoch = epoch;
      return this.startEpoch ?? planned();
    };
    host.hooks.setup.tapPromise(PLUGIN_NAME, async ({ epochs }) => {
      const start = swaStartEpoch(o.start, epochs);
      if (this.startEpoch === undefined && start >= epochs) {
        host.logger.warn(`${PLUGIN_NAME}: start ${o.start} is epoch ${start + 1} but the run has ${epochs} epochs; nothing will be averaged`);
      }
    });
    // After the schedule's tap, so the rate read at the phase start is the scheduled one.
    host.hooks.beforeStep.tap({ name: PLUGIN_NAME, stage: STAGE.ADJUST_SCHEDULED_LR }, ({ epoch, batchInEpoch }) => {
      if (o.lr === null) return;
      const start = startEpoch(epoch);
      if (epoch < start) return;
      this.startLr ??= host.hyper.lr;
      const epochsIn = epoch - start + batchInEpoch / Math.max(host.batchesPerEpoch, 1);
      host.hyper.setOverride(PLUGIN_NAME, swaLearningRate(this.startLr, o.lr, epochsIn, o.annealEpochs));
    });
    host.hooks.afterEpoch.tapPromise(PLUGIN_NAME, async ({ epoch }) => {
      if (!collectsAt(epoch, startEpoch(epoch), o.every)) return;
      const weights = trainableVariables(host.model);
      if (!this.average || this.count === 0) {
        this.average = loadVariables(this.average, weights, 'the model weights');
      } else {
        for (const [name, a] of Object.entries(this.average)) {
          const next = runningAverage(a, weights[name]!, this.count);
          a.assign(next);
          next.dispose();
        }
      }
      this.count += 1;
    });
    host.hooks.afterTrain.tapPromise({ name: PLUGIN_NAME, stage: STAGE.SWAP_IN_SWA_AVERAGE }, async ({ epochs }) => {
      host.report(PLUGIN_NAME, 'averaged', this.count);
      if (!this.average || this.count === 0) {
        host.logger.warn(`${PLUGIN_NAME}: no snapshot was averaged; the final model is the last trained one`);
        return;
      }
      // The before/after check reads the validation split only: no plugin report comes from the test split.
      const before = host.hasValidation ? await host.evaluate() : null;
      if (o.reportFinalWeights) await reportFinalWeights(host, PLUGIN_NAME);
      assignAll(trainableVariables(host.model), this.average, 'SWA weights');
      const bnBatches = await recomputeBatchNormStats(host.model, host.trainBatches(epochs, { augment: false }));
      const after = host.hasValidation ? await host.evaluate() : null;
      host.report(PLUGIN_NAME, 'bnBatches', bnBatches);
      if (!before || !after) {
        host.logger.info(`${PLUGIN_NAME}: averaged ${this.count} snapshots (BN recomputed over ${bnBatches} batches)`);
        return;
      }
      host.report(PLUGIN_NAME, 'valTop1Before', before.top1);
      host.report(PLUGIN_NAME, 'valTop1After', after.top1);
      host.logger.info(
        `${PLUGIN_NAME}: averaged ${this.count} snapshots; validation top1 ${(100 * before.top1).toFixed(2)}% → ${(100 * after.top1).toFixed(2)}% (BN recomputed over ${bnBatches} batches)`,
      );
    });
    host.hooks.saveState.tap(PLUGIN_NAME, (bag) => {
      bag.set(PLUGIN_NAME, { json: { count: this.count, startLr: this.startLr ?? null, startEpoch: this.startEpoch ?? null }, tensors: this.average ?? {} });
    });
    host.hooks.dispose.tap(PLUGIN_NAME, () => {
      if (this.average) disposeVariables(this.average);
      this.average = undefined;
    });
    host.hooks.loadState.tap(PLUGIN_NAME, (bag) => {
      const saved = bag.get(PLUGIN_NAME);
      if (!saved) return;
      // startEpoch is absent from checkpoints written before the start followed revisions: it is then recomputed.
      const json = saved.json as { count: number; startLr: number | null; startEpoch?: number | null };
      this.count = json.count;
      this.startLr = json.startLr ?? undefined;
      this.startEpoch = json.startEpoch ?? undefined;
      if (this.count === 0) return;
      if (!saved.tensors || Object.keys(saved.tensors).length === 0) {
        throw new CheckpointError(`the checkpoint says ${PLUGIN_NAME} averaged ${this.count} snapshots but holds no SWA weights`);
      }
      this.average = loadVariables(this.average, saved.tensors, "the checkpoint's SWA weights");
    });
  }
}

/** The swa plugin, configured from `plugins.swa`. */
export const swa = definePlugin({
  name: PLUGIN_NAME,
  summary: 'stochastic weight averaging from a start epoch, optional constant/annealed SWA LR, BN recomputed at the end',
  schema: optionsSchema,
  create: (options) => new SwaPlugin(options),
});
