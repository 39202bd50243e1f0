import * as tf from '@tensorflow/tfjs';
import type { GradientMap } from './contexts.js';
import { NumericError } from './errors.js';

/** Where a step ran, for the message of a divergence. */
export interface StepPlace {
  /** Zero-based epoch. */
  readonly epoch: number;
  /** Optimizer steps taken before this micro-batch. */
  readonly step: number;
  /** The learning rate of the step. */
  readonly lr: number;
}

/** What the device recorded about the first non-finite micro-batch. */
export interface Divergence {
  readonly epoch: number;
  readonly step: number;
  readonly lr: number;
  /** Which value went non-finite first: the loss, or (with a finite loss) a gradient. */
  readonly what: 'loss' | 'gradient';
  /** The last finite loss before it, or null when the very first micro-batch was non-finite. */
  readonly lastFiniteLoss: number | null;
}

/** A window of observed micro-batches: [loss, gradient sum] pairs on the device and where each ran. */
interface Window {
  readonly values: tf.Tensor1D;
  readonly places: StepPlace[];
}

/**
 * Watches every micro-batch's loss and gradients for NaN or ±Inf without a synchronous device
 * read in the loop: each observation appends the loss and the sum of all gradient elements (NaN
 * or ±Inf when any element is) to a small device vector; every `every` micro-batches that vector
 * is handed to an asynchronous read and checked at the next poll, one window behind (long done
 * by then), and `settle` checks everything before a checkpoint is written.
 */
export class NumericGuard {
  // Both exist from the first observation to dispose(), so the tensor count stays flat step to step.
  private window: Window | undefined;
  private reading: { window: Window; values: Promise<ArrayLike<number>> } | undefined;
  private lastFiniteLoss: number | null = null;
  private observed = 0;

  constructor(private readonly every = 16) {}

  /** Records one micro-batch's loss and gradients (device ops only). */
  observe(loss: tf.Scalar, grads: GradientMap, at: StepPlace): void {
    if (!this.window) {
      this.window = emptyWindow();
      const idle = emptyWindow();
      this.reading = { window: idle, values: Promise.resolve([]) };
    }
    const previous = this.window.values;
    const next = tf.tidy(() => {
      const sums = Object.values(grads).map((g) => tf.sum(g));
      const gradSum = sums.length > 1 ? tf.addN(sums) : (sums[0] ?? tf.scalar(0));
      return tf.concat([previous, tf.stack([loss, gradSum])]) as tf.Tensor1D;
    });
    previous.dispose();
    this.window = { values: next, places: [...this.window.places, at] };
    this.observed += 1;
  }

  /**
   * Every `every` micro-batches: checks the window whose read started at the previous poll and
   * starts reading the current one. Throws NumericError at the first non-finite value.
   */
  async poll(): Promise<void> {
    if (this.observed % this.every !== 0) return;
    await this.rotate();
  }

  /** Checks every micro-batch observed so far (epoch end, before the checkpoint); throws NumericError if one diverged. */
  async settle(): Promise<void> {
    await this.rotate();
    await this.rotate();
  }

  /** Releases the device values. */
  dispose(): void {
    this.window?.values.dispose();
    this.reading?.window.values.dispose();
    this.window = undefined;
    this.reading = undefined;
  }

  private async rotate(): Promise<void> {
    const previous = this.reading;
    if (!this.window || !previous) return;
    this.reading = { window: this.window, values: this.window.values.data() };
    this.window = emptyWindow();
    const values = await previous.values;
    previous.window.values.dispose();
    this.check(values, previous.window.places);
  }

  private check(values: ArrayLike<number>, places: readonly StepPlace[]): void {
    for (let i = 0; i < places.length; i++) {
      const loss = values[2 * i]!;
      const grad = values[2 * i + 1]!;
      if (Number.isFinite(loss) && Number.isFinite(grad)) {
        this.lastFiniteLoss = loss;
        continue;
      }
      const place = places[i]!;
      throw new NumericError(divergenceMessage({ ...place, what: Number.isFinite(loss) ? 'gradient' : 'loss', lastFiniteLoss: this.lastFiniteLoss }), place);
    }
  }
}

function emptyWindow(): Window {
  return { values: tf.tensor1d([]), places: [] };
}

/**
 * One line naming where training diverged, the last finite loss and the likely cause with a
 * concrete change. Seed 003 ("reading loss curves"): a loss that explodes at the start means the
 * initial learning rate is too high; one that explodes later, that the rate is too high for that
 * stage of training.
 */
export function divergenceMessage(d: Divergence): string {
  const last = d.lastFiniteLoss === null ? 'no finite loss before it' : `last finite loss ${d.lastFiniteLoss.toPrecision(5)}`;
  const lr = Number(d.lr.toPrecision(3));
  const early = d.epoch === 0;
  const cause = early
    ? `the loss exploded at the start: the initial learning rate (${lr}) is too high; lower optimizer.lr (e.g. --lr ${Number((lr / 10).toPrecision(3))}) or add a warmup (schedule.warmup: { epochs: 1 })`
    : `the loss exploded in epoch ${d.epoch + 1}: the learning rate (${lr}) is too high for this stage of training; lower optimizer.lr, decay it sooner (schedule), or switch on larc`;
  return `training diverged at epoch ${d.epoch + 1}, step ${d.step + 1}: the ${d.what} became NaN or infinite (${last}); ${cause}. Nothing of this epoch was saved (the checkpoint, if any, holds the last finished epoch) and no model was exported.`;
}
