import type { AugmentOptions } from './augment.js';
import { makeBatches } from './batcher.js';
import type { ChannelStats } from './normalize.js';
import { resizeDataset } from './resize-dataset.js';
import { Rng } from './rng.js';
import type { HostBatch, ImageDataset } from './types.js';

/** The three splits a run reads batches from. */
export type SplitName = 'train' | 'validation' | 'test';

/**
 * Everything that decides one pass of batches, as plain data, so the same pass can be made in
 * this thread or in a data worker and come out byte for byte the same.
 */
export interface BatchPlan {
  readonly split: SplitName;
  readonly batchSize: number;
  /** Seed of the pass's random stream (shuffle order, then augmentation); omit for an ordered pass. */
  readonly seed?: number;
  readonly augment?: AugmentOptions;
  /** Resize every image to inputSize × inputSize first (bilinear; FixRes). */
  readonly inputSize?: number;
  readonly dropLast: boolean;
}

/** Makes the batches of a plan from datasets in memory; keeps resized copies it has made. */
export class BatchMaker {
  private readonly resized = new Map<string, ImageDataset>();

  constructor(
    private readonly splits: Readonly<Record<SplitName, ImageDataset>>,
    private readonly stats: ChannelStats,
  ) {}

  /** The batches of `plan`, normalised with the run's channel statistics. */
  batches(plan: BatchPlan): Generator<HostBatch> {
    const ds = this.dataset(plan.split, plan.inputSize);
    const rng = plan.seed !== undefined ? new Rng(plan.seed) : undefined;
    return makeBatches(ds, {
      batchSize: plan.batchSize,
      shuffle: rng !== undefined,
      rng,
      augment: plan.augment,
      mean: this.stats.mean,
      std: this.stats.std,
      dropLast: plan.dropLast,
    });
  }

  private dataset(split: SplitName, size: number | undefined): ImageDataset {
    const ds = this.splits[split];
    if (size === undefined) return ds;
    const id = `${split}/${size}`;
    if (!this.resized.has(id)) this.resized.set(id, resizeDataset(ds, size));
    return this.resized.get(id)!;
  }
}
