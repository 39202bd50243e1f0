import { z } from 'zod';
import { durationSeconds } from './duration.js';

/** Model section: which architecture and its options. */
export const modelSchema = z
  .object({
    name: z.string().min(1),
    width: z.number().positive().default(1),
    variant: z.enum(['a', 'b', 'c', 'd']).optional(),
    zeroGamma: z.boolean().default(false),
    bnMomentum: z.number().gt(0).lte(1).default(0.1),
    head: z.enum(['gap', 'flatten']).optional(),
  })
  .strict();

/** A [min, max] pair of numbers with lo < min <= max <= hi. */
const rangeSchema = (lo: number, hi: number) =>
  z
    .tuple([z.number().gt(lo).lte(hi), z.number().gt(lo).lte(hi)])
    .refine(([a, b]) => a <= b, { message: 'expected [min, max] with min <= max' });
const probability = z.number().min(0).max(1);

/**
 * Host-side augmentation applied per training image (core/data/augmentations/README.md). Applied in
 * the order: randomResizedCrop, flip + crop (pad + random crop), randAugment, autoAugment,
 * colorJitter, grayscale, gaussianBlur. Every key past flip/crop is optional and off when absent.
 */
export const augmentSchema = z
  .object({
    flip: z.boolean().default(false),
    crop: z.union([z.literal(false), z.object({ padding: z.number().int().min(0).default(4) }).strict()]).default(false),
    randomResizedCrop: z
      .union([
        z.literal(false),
        z
          .object({
            scale: rangeSchema(0, 1).default([0.08, 1]),
            ratio: rangeSchema(0, Infinity).default([3 / 4, 4 / 3]),
          })
          .strict(),
      ])
      .optional(),
    colorJitter: z
      .union([
        z.literal(false),
        z
          .object({
            brightness: z.number().min(0).default(0.4),
            contrast: z.number().min(0).default(0.4),
            saturation: z.number().min(0).default(0.4),
            hue: z.number().min(0).max(0.5).default(0),
            p: probability.default(1),
          })
          .strict(),
      ])
      .optional(),
    grayscale: z.union([z.literal(false), z.object({ p: probability.default(0.1) }).strict()]).optional(),
    gaussianBlur: z
      .union([
        z.literal(false),
        z
          .object({
            kernelSize: z
              .number()
              .int()
              .positive()
              .refine((k) => k % 2 === 1, { message: 'kernelSize must be odd' })
              .default(3),
            sigma: rangeSchema(0, Infinity).default([0.1, 2]),
            p: probability.default(0.5),
          })
          .strict(),
      ])
      .optional(),
    randAugment: z
      .union([
        z.literal(false),
        z.object({ n: z.number().int().min(0).default(2), m: z.number().int().min(0).max(30).default(9) }).strict(),
      ])
      .optional(),
    autoAugment: z.union([z.literal(false), z.literal('imagenet')]).optional(),
  })
  .strict();

/** Data section: where the dataset is and how it is cut and prepared. */
export const dataSchema = z
  .object({
    dir: z.string().optional(),
    limit: z.number().int().positive().optional(),
    testLimit: z.number().int().positive().optional(),
    /** Resize every image to size × size pixels (bilinear) when the dataset is loaded; image folders of mixed sizes need it. */
    size: z.number().int().positive().optional(),
    validationSplit: z.number().min(0).lt(1).default(0),
    normalize: z.boolean().default(true),
    /** Make batches (shuffle, augmentation, normalisation) in a worker thread, off the training thread. */
    worker: z.boolean().default(true),
    /** Batches the worker prepares ahead of the training loop. */
    prefetch: z.number().int().min(1).max(64).default(4),
    augment: augmentSchema.default({ flip: false, crop: false }),
  })
  .strict();

const sgdSchema = z
  .object({
    name: z.literal('sgd'),
    lr: z.number().positive(),
    momentum: z.number().min(0).lt(1).default(0.9),
    dampening: z.number().min(0).max(1).default(0),
    nesterov: z.boolean().default(false),
    weightDecay: z.number().min(0).default(5e-4),
  })
  .strict();

const adamwSchema = z
  .object({
    name: z.literal('adamw'),
    lr: z.number().positive(),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    eps: z.number().positive().default(1e-8),
    weightDecay: z.number().min(0).default(0.01),
  })
  .strict();

/** Optimizer section: SGD (momentum, Nesterov) or AdamW. */
export const optimizerSchema = z.discriminatedUnion('name', [sgdSchema, adamwSchema]);

/** Schedule section: options of the lr-schedule plugin (its own schema checks them). */
export const scheduleSchema = z.object({ name: z.string().min(1) }).passthrough();

/** Training section: how long and in what batches. */
export const trainingSchema = z
  .object({
    epochs: z.number().int().positive().default(10),
    batchSize: z.number().int().positive().default(128),
    evalBatchSize: z.number().int().positive().default(500),
    seed: z.number().int().min(0).default(42),
    /**
     * Data parallelism: each batch is split over this many replicas, the training thread and
     * replicas − 1 threads with their own backend instance, gradients averaged (core/parallel).
     * `auto`: 2 on wasm with two cores or more, else 1.
     */
    replicas: z.union([z.literal('auto'), z.number().int().min(1).max(64)]).default('auto'),
    /**
     * SyncBN: with more than one replica, batch norm normalises with the statistics of the whole
     * batch across replicas (exchanged per layer, forward and backward) instead of each shard's own,
     * so training matches one replica on the whole batch. No effect with one replica.
     */
    syncBatchNorm: z.boolean().default(false),
    /**
     * Also evaluate the test split after every epoch and log it (testLoss, testTop1, testTop5 in
     * metrics.jsonl). For curves only: no plugin ever sees these metrics.
     */
    testEachEpoch: z.boolean().default(false),
    /** Stop with NUMERIC_INSTABILITY when a loss or gradient becomes NaN or infinite (device-side check, read asynchronously). */
    checkFinite: z.boolean().default(true),
    /**
     * Write a line to steps.jsonl / steps.csv every this many optimizer steps (mean train loss, LR,
     * img/s since the previous line; each epoch's last steps get a line too). 0: no step log.
     */
    logEverySteps: z.number().int().min(0).default(10),
    /**
     * Train for as many epochs as fit this wall-clock time ("30m", "2h", "1h30m", or seconds), the
     * start-up and final evaluation included: `trickster train` (app/time-budget.ts) measures the
     * img/s of a short pilot run and sets `epochs` from it before the run starts; the run then is an
     * ordinary one of that many epochs (its config.json has them). Replaces `epochs`.
     */
    timeBudget: z
      .union([z.number(), z.string()])
      .refine((v) => durationSeconds(v) !== null, { message: 'a duration above 0 such as "30m", "2h", "1h30m", "90s", or a number of seconds' })
      .optional(),
  })
  .strict();

/** The fully resolved run configuration (after `extends` merging), validated once. */
export const configSchema = z
  .object({
    description: z.string().optional(),
    model: modelSchema,
    data: dataSchema.default({ validationSplit: 0, normalize: true, worker: true, prefetch: 4, augment: { flip: false, crop: false } }),
    optimizer: optimizerSchema,
    schedule: scheduleSchema.default({ name: 'constant' }),
    training: trainingSchema.default({ epochs: 10, batchSize: 128, evalBatchSize: 500, seed: 42, replicas: 'auto', syncBatchNorm: false, testEachEpoch: false, checkFinite: true, logEverySteps: 10 }),
    plugins: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

/** A validated configuration. */
export type TricksterConfig = z.infer<typeof configSchema>;
/** A configuration as written by a user, before defaults. */
export type TricksterConfigInput = z.input<typeof configSchema>;
