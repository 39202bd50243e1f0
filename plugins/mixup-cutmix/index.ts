import { z } from 'zod';
import { CheckpointError, PluginConflictError } from '../../core/errors.js';
import { STAGE } from '../../core/hook-stages.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { definePlugin } from '../../core/plugin-definition.js';
import { parsePluginOptions } from '../../core/plugin-options.js';
import { drawMixPlan, mixBatch } from './mix.js';

/** Name under which this plugin taps hooks; also the name of its random stream. */
export const PLUGIN_NAME = 'mixup-cutmix';

/** Other plugins that mix batches: two of them would mix twice. */
const RIVALS = ['mixup', 'cutmix'];

/** Options: timm's Mixup knobs (Beta parameters, cutmix share, probability of mixing a batch). */
export const optionsSchema = z
  .object({
    mixupAlpha: z.number().min(0).default(0.2),
    cutmixAlpha: z.number().min(0).default(1),
    switchProb: z.number().min(0).max(1).default(0.5),
    prob: z.number().min(0).max(1).default(1),
  })
  .strict()
  .refine((o) => o.mixupAlpha > 0 || o.cutmixAlpha > 0, { message: 'mixupAlpha or cutmixAlpha must be > 0', path: ['mixupAlpha'] });
export type MixupCutmixOptions = z.output<typeof optionsSchema>;

const countsSchema = z.object({ mixup: z.number().int().min(0), cutmix: z.number().int().min(0) }).strict();
type Counts = z.output<typeof countsSchema>;

/** Mixes each training batch with its reverse by mixup or cutmix; counts the batches of each kind. */
export class MixupCutmixPlugin implements TricksterPlugin {
  readonly name = PLUGIN_NAME;
  private counts: Counts = { mixup: 0, cutmix: 0 };

  private readonly options: MixupCutmixOptions;

  /** Validates `options` with the schema (missing keys take their defaults); a bad one is a ConfigError naming `plugins.mixup-cutmix.<key>`. */
  constructor(options: z.input<typeof optionsSchema> = {}) {
    this.options = parsePluginOptions(optionsSchema, options, PLUGIN_NAME);
  }

  apply(host: PluginHost): void {
    host.hooks.validate.tap(PLUGIN_NAME, (ctx) => {
      const rival = RIVALS.find((r) => ctx.has(r));
      if (rival) throw new PluginConflictError(`plugins "${PLUGIN_NAME}" and "${rival}" both mix batches; switch one of them off`);
      if (host.config.training.batchSize < 2) ctx.warn(`${PLUGIN_NAME}: with batch size 1 every image is mixed with itself`);
    });
    host.hooks.batch.tap({ name: PLUGIN_NAME, stage: STAGE.MIX_BATCH }, (batch) => {
      const [, height, width] = batch.x.shape;
      const rng = host.random(PLUGIN_NAME);
      const plan = drawMixPlan(this.options, height, width, () => rng.next());
      if (plan.kind !== 'none') this.counts[plan.kind] += 1;
      return mixBatch(batch, plan);
    });
    host.hooks.afterTrain.tapPromise(PLUGIN_NAME, async () => {
      host.report(PLUGIN_NAME, 'mixupBatches', this.counts.mixup);
      host.report(PLUGIN_NAME, 'cutmixBatches', this.counts.cutmix);
    });
    // The random stream is checkpointed by the kernel; the plugin keeps only its counts.
    host.hooks.saveState.tap(PLUGIN_NAME, (bag) => bag.set(PLUGIN_NAME, { json: { ...this.counts } }));
    host.hooks.loadState.tap(PLUGIN_NAME, (bag) => {
      const saved = bag.get(PLUGIN_NAME);
      if (!saved) return;
      const parsed = countsSchema.safeParse(saved.json);
      if (!parsed.success) throw new CheckpointError(`the checkpoint's ${PLUGIN_NAME} state is not {mixup, cutmix} batch counts`);
      this.counts = parsed.data;
    });
  }
}

/** The mixup-cutmix plugin, configured from `plugins.mixup-cutmix`. */
export const mixupCutmix = definePlugin({
  name: PLUGIN_NAME,
  summary: 'mixup and cutmix (timm semantics): mix each batch with its reverse, λ ~ Beta(α, α), soft targets',
  schema: optionsSchema,
  create: (options) => new MixupCutmixPlugin(options),
});
