import type { TricksterConfig } from './config/schema.js';
import { isIdentityAugment, type AugmentOptions } from './data/augment.js';
import { batchCount } from './data/batcher.js';
import { InlineBatchSource, type BatchSource } from './data/batch-source.js';
import { findDataDir } from './data/find-data-dir.js';
import { loadDataset } from './data/locate.js';
import { checkBatchFits } from './data/check-batch-size.js';
import { channelStats, type ChannelStats } from './data/normalize.js';
import { limitDataset, validationSplit } from './data/split.js';
import type { HostBatch, ImageDataset } from './data/types.js';
import { sharedDataset } from './data/workers/shared-dataset.js';
import { WorkerBatchSource } from './data/workers/worker-batch-source.js';
import { streamSeed } from './random-streams.js';
import type { TrainBatchOptions, TrainingData, TrainingDataProvider } from './training-data.js';

/** Training data from a dataset folder, prepared as the config's `data` section asks. */
export class InMemoryTrainingData implements TrainingData {
  readonly name: string;
  readonly inputShape;
  readonly numClasses: number;
  readonly classNames: readonly string[];

  constructor(
    name: string,
    /** Folder the dataset was read from. */
    readonly dir: string,
    private readonly train: ImageDataset,
    private readonly validation: ImageDataset,
    private readonly test: ImageDataset,
    /** Per-channel normalisation (mean 0 / std 1 when normalisation is off). */
    readonly stats: ChannelStats,
    private readonly config: TricksterConfig,
    /** Where batches are made (default: in this thread). */
    private readonly source: BatchSource = new InlineBatchSource({ train, validation, test }, stats),
  ) {
    this.name = name;
    this.inputShape = { height: train.height, width: train.width, channels: train.channels };
    this.numClasses = train.numClasses;
    this.classNames = train.classNames;
  }

  get trainCount(): number {
    return this.train.count;
  }
  get validationCount(): number {
    return this.validation.count;
  }
  get testCount(): number {
    return this.test.count;
  }

  batchesPerEpoch(batchSize: number): number {
    return batchCount(this.train.count, batchSize, true);
  }

  trainBatches(epoch: number, batchSize: number, options: TrainBatchOptions = {}): AsyncIterable<HostBatch> {
    const a = this.config.data.augment;
    const all: AugmentOptions = {
      flipProbability: a.flip ? 0.5 : 0,
      padding: a.crop ? a.crop.padding : 0,
      randomResizedCrop: a.randomResizedCrop ?? false,
      randAugment: a.randAugment ?? false,
      autoAugment: a.autoAugment ?? false,
      colorJitter: a.colorJitter ?? false,
      grayscale: a.grayscale ?? false,
      gaussianBlur: a.gaussianBlur ?? false,
    };
    const augment = options.augment !== false && !isIdentityAugment(all) ? all : undefined;
    const seed = streamSeed(this.config.training.seed, `data/epoch-${epoch}`);
    return this.source.batches({ split: 'train', batchSize, seed, augment, inputSize: options.inputSize, dropLast: true });
  }

  evalBatches(split: 'validation' | 'test', batchSize: number, inputSize?: number): AsyncIterable<HostBatch> {
    return this.source.batches({ split, batchSize, inputSize, dropLast: false });
  }

  async close(): Promise<void> {
    await this.source.close();
  }
}

/** Finds and loads the dataset the config names (flag > config > TRICKSTER_DATA > default folder; see findDataDir). */
export class DatasetProvider implements TrainingDataProvider {
  constructor(
    private readonly baseDir: string,
    private readonly cliDir?: string,
  ) {}

  /**
   * Loads the splits as `config.data` asks: `limit` images of the training split (seeded), then a
   * stratified validation split of `validationSplit` carved from them, and the test split (cut to
   * `testLimit`), which only the final evaluation reads.
   */
  async load(config: TricksterConfig): Promise<TrainingData> {
    const { data, training } = config;
    const dir = await findDataDir({ cliDir: this.cliDir, configDir: data.dir, baseDir: this.baseDir });
    const splits = loadDataset(dir, { size: data.size });
    const limited = data.limit !== undefined ? limitDataset(splits.train, data.limit, training.seed) : splits.train;
    const { train, validation } = validationSplit(limited, data.validationSplit, training.seed);
    const test = data.testLimit !== undefined ? limitDataset(splits.test, data.testLimit, training.seed) : splits.test;
    checkBatchFits(train.count, training.batchSize, data);
    const stats = data.normalize ? channelStats(train) : { mean: Array(train.channels).fill(0), std: Array(train.channels).fill(1) };
    if (!data.worker) return new InMemoryTrainingData(splits.name, dir, train, validation, test, stats, config);
    // One shared copy of each split, read by this thread (counts, shapes) and the worker alike.
    const [t, v, x] = [train, validation, test].map(sharedDataset) as [ImageDataset, ImageDataset, ImageDataset];
    const source = new WorkerBatchSource({ train: t, validation: v, test: x }, stats, data.prefetch);
    return new InMemoryTrainingData(splits.name, dir, t, v, x, stats, config, source);
  }
}
