import { z } from 'zod';
import { PluginConflictError } from '../../core/errors.js';
import { STAGE } from '../../core/hook-stages.js';
import type { EndOfRunWork, PluginHost, RunSize, TricksterPlugin } from '../../core/plugin.js';
import { allVariables } from '../../core/variables.js';
import { assignAll, cloneVariables, disposeVariables, loadVariables, reportFinalWeights, restoreWeights, swapInWeights, type VariableMap } from '../../core/weights/index.js';
import { definePlugin } from '../../core/plugin-definition.js';
import { parsePluginOptions } from '../../core/plugin-options.js';
import { emaBlend, emaDecay, warmupReachesDecayAt } from './math.js';

/** Name under which this plugin taps hooks and keeps its checkpoint state. */
export const PLUGIN_NAME = 'ema';

/** Options: decay, optional decay warmup, update interval, where the EMA weights are used, and whether the replaced weights are reported. */
export const optionsSchema = z
  .object({
    decay: z.number().gt(0).lt(1).default(0.9999),
    warmup: z.boolean().default(false),
    every: z.number().int().min(1).default(1),
    evaluate: z.boolean().default(true),
    export: z.boolean().default(true),
    /** With export: before the EMA weights replace the trained ones, evaluate those once on the test split and report them (finalWeightsTop1, a report only). */
    reportFinalWeights: z.boolean().default(true),
  })
  .strict();
export type EmaOptions = z.output<typeof optionsSchema>;

/** Keeps an exponential moving average of every model variable, evaluates and exports it. */
export class EmaPlugin implements TricksterPlugin {
  readonly name = PLUGIN_NAME;
  private shadow: VariableMap | undefined;
  private backup: VariableMap | undefined;
  private exported = false;

  private readonly options: EmaOptions;

  /** Validates `options` with the schema (missing keys take their defaults); a bad one is a ConfigError naming `plugins.ema.<key>`. */
  constructor(options: z.input<typeof optionsSchema> = {}) {
    this.options = parsePluginOptions(optionsSchema, options, PLUGIN_NAME);
  }

  /** The shadow (EMA) variables, by stable name; undefined before setup. */
  get shadowWeights(): Readonly<VariableMap> | undefined {
    return this.shadow;
  }

  /** With export and reportFinalWeights: the trained weights' test report before the average replaces them. */
  endOfRunWork(run: RunSize): EndOfRunWork {
    return { trained: 0, evaluated: this.options.export && this.options.reportFinalWeights ? run.testImages : 0 };
  }

  apply(host: PluginHost): void {
    const o = this.options;
    host.hooks.validate.tap(PLUGIN_NAME, (ctx) => {
      if (o.export && ctx.has('swa')) {
        throw new PluginConflictError(
          `plugins "${PLUGIN_NAME}" (export: true) and "swa" both replace the final weights; set ${PLUGIN_NAME}.export: false or switch one of them off`,
        );
      }
      if (!o.export && o.evaluate && ctx.has('swa')) {
        ctx.warn(`${PLUGIN_NAME} + swa: epoch evaluations show the EMA weights, the final evaluation and the export SWA's average`);
      }
    });
    host.hooks.setup.tapPromise({ name: PLUGIN_NAME, stage: STAGE.SNAPSHOT_INITIAL_WEIGHTS }, async (run) => {
      this.shadow ??= cloneVariables(allVariables(host.model));
      const horizon = 1 / (1 - o.decay);
      const optimizerSteps = run.epochs * run.stepsPerEpoch;
      const steps = optimizerSteps / o.every;
      if (!o.warmup && steps < horizon) {
        host.logger.warn(
          `${PLUGIN_NAME}: decay ${o.decay} averages over ~${Math.round(horizon)} updates but the run makes ${Math.round(steps)}; the EMA weights stay near the initial ones (lower decay or set warmup: true)`,
        );
      }
      if (o.warmup && optimizerSteps < warmupReachesDecayAt(o.decay)) {
        // Not a warning: the bag-of-tricks preset's 0.999 ends near 0.998 by design; but a sweep over decays must know.
        host.logger.info(
          `${PLUGIN_NAME}: with warmup the decay reaches ${o.decay} only at step ${warmupReachesDecayAt(o.decay)}; this run makes ${Math.round(optimizerSteps)} steps and ends at decay ${emaDecay(1, optimizerSteps, true).toFixed(4)}, so any decay above that averages alike (warmup: false uses ${o.decay} throughout)`,
        );
      }
    });
    host.hooks.afterOptimizerStep.tap({ name: PLUGIN_NAME, stage: STAGE.UPDATE_AVERAGES }, ({ step }) => {
      if (!this.shadow || step % o.every !== 0) return;
      const d = emaDecay(o.decay, step, o.warmup);
      const current = allVariables(host.model);
      for (const [name, s] of Object.entries(this.shadow)) {
        const next = emaBlend(s, current[name]!, d);
        s.assign(next);
        next.dispose();
      }
    });
    // Epoch evaluations only: the final one sees what is exported (EMA when `export`).
    host.hooks.beforeEval.tapPromise({ name: PLUGIN_NAME, stage: STAGE.SWAP_IN_AVERAGED_WEIGHTS }, async ({ phase }) => {
      if (o.evaluate && phase === 'epoch' && this.shadow && !this.exported) {
        this.backup = swapInWeights(allVariables(host.model), this.shadow);
      }
    });
    host.hooks.afterEval.tapPromise({ name: PLUGIN_NAME, stage: STAGE.SWAP_OUT_AVERAGED_WEIGHTS }, async () => {
      if (!this.backup) return;
      const backup = this.backup;
      this.backup = undefined;
      restoreWeights(allVariables(host.model), backup);
    });
    host.hooks.afterTrain.tapPromise({ name: PLUGIN_NAME, stage: STAGE.EXPORT_AVERAGED_WEIGHTS }, async () => {
      if (!o.export || !this.shadow) return;
      if (o.reportFinalWeights) await reportFinalWeights(host, PLUGIN_NAME);
      assignAll(allVariables(host.model), this.shadow, 'EMA weights');
      this.exported = true;
      host.report(PLUGIN_NAME, 'exported', true);
    });
    host.hooks.saveState.tap(PLUGIN_NAME, (bag) => {
      if (this.shadow) bag.set(PLUGIN_NAME, { json: { decay: o.decay }, tensors: this.shadow });
    });
    host.hooks.dispose.tap(PLUGIN_NAME, () => {
      for (const held of [this.backup, this.shadow]) if (held) disposeVariables(held);
      this.backup = undefined;
      this.shadow = undefined;
    });
    host.hooks.loadState.tap(PLUGIN_NAME, (bag) => {
      const saved = bag.get(PLUGIN_NAME)?.tensors;
      if (saved && Object.keys(saved).length > 0) {
        this.shadow = loadVariables(this.shadow, saved, "the checkpoint's EMA weights");
        return;
      }
      host.logger.warn(`${PLUGIN_NAME}: the checkpoint has no EMA weights; the average restarts from the restored weights`);
      this.shadow = loadVariables(this.shadow, allVariables(host.model), 'the restored weights');
    });
  }
}

/** The ema plugin, configured from `plugins.ema`. */
export const ema = definePlugin({
  name: PLUGIN_NAME,
  summary: 'exponential moving average of the weights (and BN statistics), evaluated and exported',
  schema: optionsSchema,
  create: (options) => new EmaPlugin(options),
});
