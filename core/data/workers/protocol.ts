import type { BatchPlan, SplitName } from '../batch-plan.js';
import type { ChannelStats } from '../normalize.js';
import type { HostBatch, ImageDataset } from '../types.js';

/** What the data worker starts with (its workerData): datasets in shared memory, channel stats. */
export interface BatchWorkerData {
  readonly splits: Readonly<Record<SplitName, ImageDataset>>;
  readonly stats: ChannelStats;
}

/** Training thread → worker: open a stream with some credit, grant more credit, or drop it. */
export type ToWorker =
  | { readonly type: 'start'; readonly id: number; readonly plan: BatchPlan; readonly credit: number }
  | { readonly type: 'credit'; readonly id: number }
  | { readonly type: 'cancel'; readonly id: number };

/** Worker → training thread: one batch of a stream, its end, or why it failed. */
export type FromWorker =
  | { readonly type: 'batch'; readonly id: number; readonly batch: HostBatch }
  | { readonly type: 'end'; readonly id: number }
  | { readonly type: 'error'; readonly id: number; readonly message: string };
