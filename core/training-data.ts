import type { TricksterConfig } from './config/schema.js';
import type { ChannelStats } from './data/normalize.js';
import type { HostBatch } from './data/types.js';
import type { InputShape } from './models/types.js';

/** Variations of the training batches for passes other than the main loop. */
export interface TrainBatchOptions {
  /** Apply the configured augmentation (default true). */
  readonly augment?: boolean;
  /** Resize every image to inputSize × inputSize (bilinear) instead of the native size. */
  readonly inputSize?: number;
}

/** The data a run trains and evaluates on, as batches on the host. */
export interface TrainingData {
  readonly name: string;
  /** Folder the dataset was read from. */
  readonly dir: string;
  readonly inputShape: InputShape;
  readonly numClasses: number;
  readonly classNames: readonly string[];
  readonly trainCount: number;
  /** Examples in the validation split (carved from the training split; 0 when there is none). */
  readonly validationCount: number;
  readonly testCount: number;
  /** Per-channel mean/std (in [0,1] pixel units) the batches are normalised with. */
  readonly stats: ChannelStats;
  /** Training micro-batches per epoch at `batchSize` (the last partial batch is dropped). */
  batchesPerEpoch(batchSize: number): number;
  /**
   * Shuffled training batches of `epoch`; the order depends only on the seed and epoch.
   * Augmented as configured unless `augment: false`; resized to `inputSize` when given (FixRes).
   */
  trainBatches(epoch: number, batchSize: number, options?: TrainBatchOptions): AsyncIterable<HostBatch>;
  /** Evaluation batches of the validation or test split, in order, optionally resized to `inputSize` (FixRes). */
  evalBatches(split: 'validation' | 'test', batchSize: number, inputSize?: number): AsyncIterable<HostBatch>;
  /** Releases workers or files. */
  close(): Promise<void>;
}

/** Loads the run's data (registered in the run container). */
export interface TrainingDataProvider {
  /** Loads the data as `config` (the run's effective config) asks. */
  load(config: TricksterConfig): Promise<TrainingData>;
}
