import { existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import { STAGE } from '../../core/hook-stages.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { definePlugin } from '../../core/plugin-definition.js';
import { parsePluginOptions } from '../../core/plugin-options.js';
import { blendLoss, distillationTerm, renormalize } from './loss.js';
import { loadTeacher, type Teacher } from './teacher.js';

/** Name under which this plugin taps hooks, reports and keeps its checkpoint state. */
export const PLUGIN_NAME = 'distillation';

/** Options: the teacher's model.json (from a config, resolved against the config file's folder), temperature and weight. */
export const optionsSchema = z
  .object({
    teacher: z.string().min(1),
    temperature: z.number().positive().default(5),
    alpha: z.number().min(0).max(1).default(0.5),
  })
  .strict();
export type DistillationOptions = z.output<typeof optionsSchema>;

/**
 * Knowledge distillation (seed 002, Hinton et al. 2015): the loss becomes
 * (1 − α)·CE + α·T²·KL(softmax(teacher/T) ‖ softmax(student/T)), with a frozen teacher.
 */
export class DistillationPlugin implements TricksterPlugin {
  readonly name = PLUGIN_NAME;
  private loaded: Teacher | undefined;
  private pending: tf.Scalar | undefined;
  private termSum: tf.Scalar | undefined;
  private termCount = 0;

  private readonly options: DistillationOptions;

  /** Validates `options` with the schema (missing keys take their defaults); a bad one is a ConfigError naming `plugins.distillation.<key>`. */
  constructor(options: z.input<typeof optionsSchema>) {
    this.options = parsePluginOptions(optionsSchema, options, PLUGIN_NAME);
  }

  /** The loaded teacher (from setup until the end of training). */
  get teacher(): tf.LayersModel | undefined {
    return this.loaded?.model;
  }

  apply(host: PluginHost): void {
    const { temperature, alpha } = this.options;
    const file = path.resolve(this.options.teacher);
    host.hooks.validate.tap(PLUGIN_NAME, (ctx) => {
      if (!existsSync(file)) {
        throw new ConfigError(`plugins.${PLUGIN_NAME}.teacher: ${file} does not exist; give the model.json of an exported run (RUN_DIR/model/model.json)`);
      }
      if (alpha === 0) ctx.warn(`${PLUGIN_NAME}: alpha 0 gives the teacher no weight; switch the plugin off instead (plugins: { ${PLUGIN_NAME}: false })`);
    });
    host.hooks.setup.tapPromise(PLUGIN_NAME, async () => {
      this.release();
      const data = { numClasses: host.numClasses, channels: host.normalization.mean.length, normalization: host.normalization };
      this.loaded = await loadTeacher(file, data, (m) => host.logger.warn(m));
      host.report(PLUGIN_NAME, 'teacher', file);
      host.logger.info(`${PLUGIN_NAME}: teacher ${file}${this.loaded.affine ? ' (inputs re-normalised to its statistics)' : ''}, T=${temperature}, alpha=${alpha}`);
    });
    host.hooks.loss.tap({ name: PLUGIN_NAME, stage: STAGE.ADD_LOSS_TERM }, (crossEntropy, { batch, logits }) => {
      const teacher = this.loaded!;
      const teacherLogits = teacher.model.apply(renormalize(batch.x, teacher.affine), { training: false }) as tf.Tensor2D;
      const term = distillationTerm(logits, teacherLogits, temperature);
      this.pending?.dispose();
      this.pending = tf.keep(term);
      return blendLoss(crossEntropy, term, alpha);
    });
    host.hooks.afterStep.tap(PLUGIN_NAME, () => {
      if (!this.pending) return;
      const sum = this.termSum ? tf.add(this.termSum, this.pending) : this.pending.clone();
      this.termSum?.dispose();
      this.pending.dispose();
      this.pending = undefined;
      this.termSum = sum as tf.Scalar;
      this.termCount += 1;
    });
    host.hooks.afterEpoch.tapPromise(PLUGIN_NAME, async ({ epoch }) => {
      if (!this.termSum) return;
      const mean = (await this.termSum.data())[0]! / this.termCount;
      this.termSum.dispose();
      this.termSum = undefined;
      this.termCount = 0;
      host.report(PLUGIN_NAME, 'term', mean);
      host.logger.info(`${PLUGIN_NAME}: epoch ${epoch + 1} mean T²·KL term ${mean.toFixed(4)}`);
    });
    // Nothing after training uses the teacher.
    host.hooks.afterTrain.tapPromise({ name: PLUGIN_NAME, stage: STAGE.RELEASE_TRAINING_ONLY }, async () => this.release());
    host.hooks.dispose.tap(PLUGIN_NAME, () => this.release());
    host.hooks.saveState.tap(PLUGIN_NAME, (bag) => bag.set(PLUGIN_NAME, { json: { teacher: file, temperature, alpha } }));
    host.hooks.loadState.tap(PLUGIN_NAME, (bag) => {
      const saved = bag.get(PLUGIN_NAME)?.json as { teacher?: string } | undefined;
      if (saved?.teacher && saved.teacher !== file) {
        host.logger.warn(`${PLUGIN_NAME}: the checkpoint was trained with teacher ${saved.teacher}; continuing with ${file}`);
      }
    });
  }

  /** Disposes the teacher and the running term. */
  private release(): void {
    this.loaded?.model.dispose();
    this.loaded = undefined;
    tf.dispose([this.pending, this.termSum].filter((t): t is tf.Scalar => t !== undefined));
    this.pending = undefined;
    this.termSum = undefined;
    this.termCount = 0;
  }
}

/** The distillation plugin, configured from `plugins.distillation`. */
export const distillation = definePlugin({
  name: PLUGIN_NAME,
  summary: 'knowledge distillation from a saved teacher: (1-α)·CE + α·T²·KL(teacher/T ‖ student/T)',
  schema: optionsSchema,
  pathOptions: ['teacher'],
  create: (options) => new DistillationPlugin(options),
});
