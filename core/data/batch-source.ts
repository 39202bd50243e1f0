import { BatchMaker, type BatchPlan, type SplitName } from './batch-plan.js';
import type { ChannelStats } from './normalize.js';
import type { HostBatch, ImageDataset } from './types.js';

/** Where a run's batches are made: in the training thread, or in a data worker. */
export interface BatchSource {
  /** The batches of `plan`, in order; stopping early (break) releases whatever was prefetched. */
  batches(plan: BatchPlan): AsyncIterable<HostBatch>;
  /** Stops the worker, if any. */
  close(): Promise<void>;
}

/** Makes batches in the calling thread, one when asked (no prefetch); `data.worker: false`. */
export class InlineBatchSource implements BatchSource {
  private readonly maker: BatchMaker;

  constructor(splits: Readonly<Record<SplitName, ImageDataset>>, stats: ChannelStats) {
    this.maker = new BatchMaker(splits, stats);
  }

  async *batches(plan: BatchPlan): AsyncIterable<HostBatch> {
    yield* this.maker.batches(plan);
  }

  async close(): Promise<void> {}
}
