import * as tf from '@tensorflow/tfjs';
import type { TrainerHooks } from './hooks.js';
import type { TableLog } from './table-log.js';

/** One line of steps.jsonl / steps.csv. */
export interface StepRecord {
  /** 1-based epoch of the steps. */
  epoch: number;
  /** Optimizer steps taken in the run after the line's last step. */
  step: number;
  /** Mean training loss (as the trainer minimises it) over the micro-batches since the previous line. */
  loss: number;
  /** Learning rate of the line's last step. */
  lr: number;
  /** Training images per second since the previous line (or the epoch's start). */
  imgPerSec: number;
  /** Seconds since the run (or the resumed run) started. */
  time: number;
  [key: string]: number;
}

/** Columns of steps.csv, `step` first as in Lightning's CSVLogger. */
export const STEP_COLUMNS = ['step', 'epoch', 'loss', 'lr', 'imgPerSec', 'time'] as const;

/**
 * The per-step training log: a line every `every` optimizer steps, and one for an epoch's last
 * steps (so no line spans two epochs and a resumed run writes the same lines as an uninterrupted
 * one). The losses are summed on the device; each line starts one asynchronous read of that sum
 * (no synchronous device read in the loop) and is written when the read resolves, in order; the
 * epoch's lines are all written before its afterEpoch hook returns, before the checkpoint.
 */
export class StepLog {
  private sum: tf.Scalar | undefined;
  private microBatches = 0;
  private images = 0;
  private windowStart = Date.now();
  private step = 0;
  private due = false;
  private writes: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly table: TableLog<StepRecord>,
    private readonly every: number,
    private readonly lr: () => number,
    private readonly started: number,
  ) {}

  /** Taps the trainer's hooks (nothing when `every` is 0). */
  tap(hooks: TrainerHooks): void {
    if (this.every === 0) return;
    hooks.beforeEpoch.tapPromise('step-log', async () => {
      this.windowStart = Date.now();
    });
    hooks.afterOptimizerStep.tap('step-log', ({ step }) => {
      this.step = step;
      this.due = step % this.every === 0;
    });
    hooks.afterStep.tap('step-log', ({ loss, epoch, batchSize }) => {
      const previous = this.sum ?? tf.scalar(0);
      this.sum = tf.add(previous, loss) as tf.Scalar;
      previous.dispose();
      this.microBatches += 1;
      this.images += batchSize;
      if (this.due) this.close(epoch);
      this.due = false;
    });
    hooks.afterEpoch.tapPromise('step-log', async ({ epoch }) => {
      if (this.microBatches > 0) this.close(epoch);
      await this.writes;
      if (this.failure !== undefined) throw this.failure;
    });
    hooks.dispose.tap('step-log', () => {
      this.sum?.dispose();
      this.sum = undefined;
    });
  }

  /** Ends the window: starts reading its loss sum and queues its line. */
  private close(epoch: number): void {
    const now = Date.now();
    const sum = this.sum!;
    const read = sum.data();
    // Safe while the read is in flight: backends defer the release of data being read.
    sum.dispose();
    this.sum = tf.scalar(0);
    const line = { epoch: epoch + 1, step: this.step, lr: this.lr(), imgPerSec: this.images / Math.max((now - this.windowStart) / 1000, 1e-9), time: (now - this.started) / 1000 };
    const count = this.microBatches;
    this.microBatches = 0;
    this.images = 0;
    this.windowStart = now;
    this.writes = this.writes
      .then(async () => {
        const loss = (await read)[0]! / count;
        this.table.append({ epoch: line.epoch, step: line.step, loss, lr: line.lr, imgPerSec: line.imgPerSec, time: line.time });
      })
      .catch((err: unknown) => {
        this.failure ??= err;
      });
  }
}
