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
  readonly inputShape: InputShape;
  readonly numClasses: number;
  readonly classNames: readonly string[];
  readonly trainCount: number;
  /** Examples in the evaluation split (the validation split if configured, else the test split). */
  readonly evalCount: number;
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
  /** Evaluation batches, in order, optionally centre-resized to `inputSize` (FixRes). */
  evalBatches(split: 'eval' | 'test', batchSize: number, inputSize?: number): AsyncIterable<HostBatch>;
  /** Releases workers or files. */
  close(): Promise<void>;
}

/** Loads the run's data (registered in the run container). */
export interface TrainingDataProvider {
  load(): Promise<TrainingData>;
}
