import { z } from 'zod';
import { CheckpointError, PluginConflictError } from '../../core/errors.js';
import { STAGE } from '../../core/hook-stages.js';
import type { PluginHost, TricksterPlugin } from '../../core/plugin.js';
import { definePlugin } from '../../core/plugin-definition.js';
import { parsePluginOptions } from '../../core/plugin-options.js';
import { drawErasingBoxes, eraseImages } from './erasing.js';

/** Name under which this plugin taps hooks; also the name of its random stream. */
export const PLUGIN_NAME = 'random-erasing';

/** Other plugins that blank out boxes of single images: two of them would erase twice. */
const RIVALS = ['cutout'];

const range = (item: z.ZodNumber) =>
  z.tuple([item, item]).refine(([lo, hi]) => lo <= hi, { message: 'expected [min, max] with min ≤ max' });

/** Options: torchvision's RandomErasing p, scale (areaRange), ratio (aspectRange) and a constant value. */
export const optionsSchema = z
  .object({
    probability: z.number().min(0).max(1).default(0.25),
    areaRange: range(z.number().gt(0).max(1)).default([0.02, 1 / 3]),
    aspectRange: range(z.number().gt(0)).default([0.3, 3.3]),
    value: z.number().default(0),
  })
  .strict();
export type RandomErasingOptions = z.output<typeof optionsSchema>;

const countsSchema = z.object({ images: z.number().int().min(0), erased: z.number().int().min(0) }).strict();
type Counts = z.output<typeof countsSchema>;

/** Erases a random box of each training image with some probability; counts what it erased. */
export class RandomErasingPlugin implements TricksterPlugin {
  readonly name = PLUGIN_NAME;
  private counts: Counts = { images: 0, erased: 0 };

  private readonly options: RandomErasingOptions;

  /** Validates `options` with the schema (missing keys take their defaults); a bad one is a ConfigError naming `plugins.random-erasing.<key>`. */
  constructor(options: z.input<typeof optionsSchema> = {}) {
    this.options = parsePluginOptions(optionsSchema, options, PLUGIN_NAME);
  }

  apply(host: PluginHost): void {
    host.hooks.validate.tap(PLUGIN_NAME, (ctx) => {
      const rival = RIVALS.find((r) => ctx.has(r));
      if (rival) throw new PluginConflictError(`plugins "${PLUGIN_NAME}" and "${rival}" both erase boxes of the images; switch one of them off`);
    });
    host.hooks.batch.tap({ name: PLUGIN_NAME, stage: STAGE.ERASE_IMAGES }, (batch) => {
      const [count, height, width] = batch.x.shape;
      const rng = host.random(PLUGIN_NAME);
      const boxes = drawErasingBoxes(count, height, width, this.options, () => rng.next());
      const erased = boxes.filter(Boolean).length;
      this.counts = { images: this.counts.images + count, erased: this.counts.erased + erased };
      return erased === 0 ? batch : { x: eraseImages(batch.x, boxes, this.options.value), targets: batch.targets };
    });
    host.hooks.afterTrain.tapPromise(PLUGIN_NAME, async () => {
      host.report(PLUGIN_NAME, 'images', this.counts.images);
      host.report(PLUGIN_NAME, 'erasedImages', this.counts.erased);
    });
    // The random stream is checkpointed by the kernel; the plugin keeps only its counts.
    host.hooks.saveState.tap(PLUGIN_NAME, (bag) => bag.set(PLUGIN_NAME, { json: { ...this.counts } }));
    host.hooks.loadState.tap(PLUGIN_NAME, (bag) => {
      const saved = bag.get(PLUGIN_NAME);
      if (!saved) return;
      const parsed = countsSchema.safeParse(saved.json);
      if (!parsed.success) throw new CheckpointError(`the checkpoint's ${PLUGIN_NAME} state is not {images, erased} counts`);
      this.counts = parsed.data;
    });
  }
}

/** The random-erasing plugin, configured from `plugins.random-erasing`. */
export const randomErasing = definePlugin({
  name: PLUGIN_NAME,
  summary: 'random erasing (Zhong et al., torchvision semantics): blank a random box of each image with probability p',
  schema: optionsSchema,
  create: (options) => new RandomErasingPlugin(options),
});
