import { z } from 'zod';
import type { StopRequest } from '../../core/contexts.js';
import { PluginConflictError } from '../../core/errors.js';
import { STAGE } from '../../core/hook-stages.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { allVariables } from '../../core/variables.js';
import { assignAll, disposeVariables, loadVariables, type VariableMap } from '../../core/weights/index.js';
import { definePlugin } from '../../core/plugin-definition.js';
import { parsePluginOptions } from '../../core/plugin-options.js';
import { initialStoppingState, stoppingStep, type StoppingRule, type StoppingState } from './early-stopping.js';
import { defaultMode, monitorFields, monitoredValue } from '../../core/metric-monitor.js';

/** Name under which this plugin taps hooks, requests the stop and keeps its checkpoint state. */
export const PLUGIN_NAME = 'early-stopping';

/**
 * Options, as Keras's EarlyStopping: monitor, mode, patience (evaluations), minDelta,
 * restoreBestWeights; and `refit` (seed 003): after the stop, train again on all the training data
 * ('epochs', 'steps') or go on training on it ('continue'), carried out by `trickster train`
 * (app/refit.ts), not by this plugin.
 */
export const optionsSchema = z
  .object({
    ...monitorFields,
    patience: z.number().int().min(0).default(10),
    minDelta: z.number().min(0).default(0),
    restoreBestWeights: z.boolean().default(false),
    refit: z.union([z.literal(false), z.enum(['epochs', 'steps', 'continue'])]).default(false),
  })
  .strict();
export type EarlyStoppingOptions = z.output<typeof optionsSchema>;

/** Stops training when the monitored metric has not improved for `patience` evaluations. */
export class EarlyStoppingPlugin implements TricksterPlugin {
  readonly name = PLUGIN_NAME;
  private readonly rule: StoppingRule;
  private state: StoppingState = initialStoppingState;
  /** 1-based epoch of the best evaluation. */
  private bestEpoch = 0;
  private request: StopRequest | undefined;
  /** Copy of every model variable (BN statistics included) at the best evaluation. */
  private bestWeights: VariableMap | undefined;

  private readonly options: EarlyStoppingOptions;

  /** Validates `options` with the schema (missing keys take their defaults); a bad one is a ConfigError naming `plugins.early-stopping.<key>`. */
  constructor(options: z.input<typeof optionsSchema> = {}) {
    this.options = parsePluginOptions(optionsSchema, options, PLUGIN_NAME);
    const { mode, monitor, patience, minDelta } = this.options;
    this.rule = { mode: mode ?? defaultMode(monitor), patience, minDelta };
  }

  apply(host: PluginHost): void {
    // It acts on evaluation metrics: the trainer holds out a validation split if the config has none.
    host.requireValidation(PLUGIN_NAME);
    const o = this.options;
    host.hooks.validate.tap(PLUGIN_NAME, (ctx) => {
      // The refit is a second run, which only the caller can start: say so, so a createTrainer user is not misled.
      if (o.refit) ctx.warn(`${PLUGIN_NAME}: this run selects the length; the refit ('${o.refit}') on all the training data follows only when the run is started by \`trickster train\` or trainWithRefit()`);
      if (!o.restoreBestWeights) return;
      if (ctx.has('swa')) {
        throw new PluginConflictError(
          `plugins "${PLUGIN_NAME}" (restoreBestWeights: true) and "swa" both set the final weights; set restoreBestWeights: false or switch swa off`,
        );
      }
      if (ctx.has('ema')) {
        ctx.warn(`${PLUGIN_NAME}: restoreBestWeights replaces the final weights ema exports by those of the best evaluation (EMA weights where ema evaluates them)`);
      }
    });
    host.hooks.afterEval.tapPromise({ name: PLUGIN_NAME, stage: STAGE.READ_EVAL_METRICS }, async ({ phase, metrics, epoch }) => {
      if (phase !== 'epoch' || !metrics) return;
      const step = stoppingStep(this.state, monitoredValue(metrics, o.monitor), this.rule);
      this.state = step.state;
      if (step.improved) {
        this.bestEpoch = epoch + 1;
        if (o.restoreBestWeights) this.bestWeights = loadVariables(this.bestWeights, allVariables(host.model), 'the model weights');
      }
      if (step.stop) {
        const reason = `${o.monitor} did not improve on ${this.state.best} (epoch ${this.bestEpoch}) by more than ${o.minDelta} in ${this.state.wait} evaluation(s), patience ${o.patience}`;
        this.request = { plugin: PLUGIN_NAME, reason };
        host.report(PLUGIN_NAME, 'stoppedAfterEpoch', epoch + 1);
        host.report(PLUGIN_NAME, 'reason', reason);
      }
    });
    host.hooks.shouldStop.tap(PLUGIN_NAME, () => this.request);
    // After plugins that put other weights in place at the end (ema export).
    host.hooks.afterTrain.tapPromise({ name: PLUGIN_NAME, stage: STAGE.RESTORE_BEST_WEIGHTS }, async () => {
      host.report(PLUGIN_NAME, 'best', this.state.best);
      host.report(PLUGIN_NAME, 'bestEpoch', this.bestEpoch);
      if (!this.bestWeights) return;
      assignAll(allVariables(host.model), this.bestWeights, 'the best weights');
      disposeVariables(this.bestWeights);
      this.bestWeights = undefined;
      host.report(PLUGIN_NAME, 'restoredEpoch', this.bestEpoch);
    });
    host.hooks.saveState.tap(PLUGIN_NAME, (bag) => {
      bag.set(PLUGIN_NAME, { json: { ...this.state, bestEpoch: this.bestEpoch }, tensors: this.bestWeights ?? {} });
    });
    host.hooks.dispose.tap(PLUGIN_NAME, () => {
      if (this.bestWeights) disposeVariables(this.bestWeights);
      this.bestWeights = undefined;
    });
    host.hooks.loadState.tap(PLUGIN_NAME, (bag) => {
      const saved = bag.get(PLUGIN_NAME);
      if (!saved) return;
      const { bestEpoch, ...state } = saved.json as StoppingState & { bestEpoch: number };
      this.state = state;
      this.bestEpoch = bestEpoch;
      const tensors = saved.tensors ?? {};
      if (o.restoreBestWeights && Object.keys(tensors).length > 0) {
        this.bestWeights = loadVariables(this.bestWeights, tensors, "the checkpoint's best weights");
      }
    });
  }
}

/** The early-stopping plugin, configured from `plugins.early-stopping`. */
export const earlyStopping = definePlugin({
  name: PLUGIN_NAME,
  summary: 'early stopping: stop when the evaluation loss or top-1 has not improved for `patience` evaluations (Keras semantics)',
  schema: optionsSchema,
  create: (options) => new EarlyStoppingPlugin(options),
});
