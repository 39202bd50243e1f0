import path from 'node:path';
import type { TricksterConfig } from './config/schema.js';
import { isIdentityAugment, type AugmentOptions } from './data/augment.js';
import { makeBatches, batchCount } from './data/batcher.js';
import { loadDataset, resolveDataDir } from './data/locate.js';
import { channelStats, type ChannelStats } from './data/normalize.js';
import { resizeDataset } from './data/resize-dataset.js';
import { Rng } from './data/rng.js';
import { limitDataset, validationSplit } from './data/split.js';
import type { HostBatch, ImageDataset } from './data/types.js';
import { streamSeed } from './random-streams.js';
import type { TrainBatchOptions, TrainingData, TrainingDataProvider } from './training-data.js';

async function* asAsync(batches: Iterable<HostBatch>): AsyncIterable<HostBatch> {
  yield* batches;
}

/** Training data from a dataset folder, prepared as the config's `data` section asks. */
export class InMemoryTrainingData implements TrainingData {
  readonly name: string;
  readonly inputShape;
  readonly numClasses: number;
  readonly classNames: readonly string[];
  private readonly resized = new Map<string, ImageDataset>();

  constructor(
    name: string,
    private readonly train: ImageDataset,
    private readonly evalSet: ImageDataset,
    private readonly test: ImageDataset,
    /** Per-channel normalisation (mean 0 / std 1 when normalisation is off). */
    readonly stats: ChannelStats,
    private readonly config: TricksterConfig,
  ) {
    this.name = name;
    this.inputShape = { height: train.height, width: train.width, channels: train.channels };
    this.numClasses = train.numClasses;
    this.classNames = train.classNames;
  }

  get trainCount(): number {
    return this.train.count;
  }
  get evalCount(): number {
    return this.evalSet.count;
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
    const rng = new Rng(streamSeed(this.config.training.seed, `data/epoch-${epoch}`));
    const ds = options.inputSize !== undefined ? this.resizedSet('train', this.train, options.inputSize) : this.train;
    return asAsync(makeBatches(ds, { batchSize, shuffle: true, rng, augment, ...this.stats, dropLast: true }));
  }

  private resizedSet(key: string, ds: ImageDataset, size: number): ImageDataset {
    const id = `${key}/${size}`;
    if (!this.resized.has(id)) this.resized.set(id, resizeDataset(ds, size));
    return this.resized.get(id)!;
  }

  evalBatches(split: 'eval' | 'test', batchSize: number, inputSize?: number): AsyncIterable<HostBatch> {
    let ds = split === 'eval' ? this.evalSet : this.test;
    if (inputSize !== undefined) ds = this.resizedSet(split, ds, inputSize);
    return asAsync(makeBatches(ds, { batchSize, shuffle: false, ...this.stats }));
  }

  async close(): Promise<void> {}
}

/** Finds and loads the dataset the config names (flag > config > TRICKSTER_DATA > default folder). */
export class DatasetProvider implements TrainingDataProvider {
  constructor(
    private readonly config: TricksterConfig,
    private readonly baseDir: string,
    private readonly cliDir?: string,
  ) {}

  async load(): Promise<TrainingData> {
    const { data, training } = this.config;
    const configDir = data.dir !== undefined ? path.resolve(this.baseDir, data.dir) : undefined;
    const dir = resolveDataDir({ cliDir: this.cliDir, configDir });
    const splits = loadDataset(dir);
    let train = splits.train;
    let evalSet = splits.test;
    if (data.validationSplit > 0) {
      const parts = validationSplit(train, data.validationSplit, training.seed);
      train = parts.train;
      evalSet = parts.validation;
    }
    if (data.limit !== undefined) train = limitDataset(train, data.limit, training.seed);
    const test = data.testLimit !== undefined ? limitDataset(splits.test, data.testLimit, training.seed) : splits.test;
    if (data.testLimit !== undefined && data.validationSplit === 0) evalSet = test;
    const stats = data.normalize ? channelStats(train) : { mean: Array(train.channels).fill(0), std: Array(train.channels).fill(1) };
    return new InMemoryTrainingData(splits.name, train, evalSet, test, stats, this.config);
  }
}
