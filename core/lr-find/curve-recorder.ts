import type * as tf from '@tensorflow/tfjs';
import { DivergenceWatch, SmoothedLoss } from './smoothing.js';

/** One optimizer step of a range test: its rate, its mean raw loss and the smoothed loss after it. */
export interface RangeTestPoint {
  readonly lr: number;
  readonly loss: number;
  readonly smoothed: number;
}

interface Pending {
  readonly step: number;
  readonly lr: number;
  readonly value: Promise<number>;
}

/**
 * Records a range test's losses without a synchronous device read: each micro-batch's loss is
 * handed to an asynchronous read and taken `lag` micro-batches later (long done by then); the
 * micro-batches of one optimizer step are averaged into one point, smoothed, and checked for
 * divergence (stop once the smoothed loss is not finite or exceeds `divergeFactor`× its best).
 */
export class CurveRecorder {
  readonly points: RangeTestPoint[] = [];
  /** True once a point diverged; that point is the last one kept. */
  diverged = false;
  private readonly pending: Pending[] = [];
  private readonly smooth: SmoothedLoss;
  private readonly watch: DivergenceWatch;
  private group: { step: number; lr: number; sum: number; count: number } | undefined;
  private readonly lag: number;

  constructor(options: { beta: number; divergeFactor: number; lag?: number }) {
    this.lag = options.lag ?? 4;
    this.smooth = new SmoothedLoss(options.beta);
    this.watch = new DivergenceWatch(options.divergeFactor);
  }

  /** Takes ownership of one micro-batch's loss (disposed once read), run at optimizer step `step` with rate `lr`. */
  observe(loss: tf.Scalar, step: number, lr: number): void {
    const value = loss.data().then((v) => {
      loss.dispose();
      return v[0]!;
    });
    this.pending.push({ step, lr, value });
  }

  /** Takes the reads older than the lag; true once the curve diverged. */
  async poll(): Promise<boolean> {
    while (this.pending.length > this.lag && !this.diverged) await this.take(this.pending.shift()!);
    return this.diverged;
  }

  /** Waits for every read still pending and closes the last step; call once the loop ends. */
  async settle(): Promise<void> {
    const rest = this.pending.splice(0);
    const values = await Promise.all(rest.map((p) => p.value));
    rest.forEach((p, i) => {
      if (!this.diverged) this.add(p, values[i]!);
    });
    if (!this.diverged) this.closeGroup();
  }

  private async take(p: Pending): Promise<void> {
    this.add(p, await p.value);
  }

  private add(p: Pending, loss: number): void {
    if (this.group && this.group.step !== p.step) this.closeGroup();
    if (this.diverged) return;
    this.group ??= { step: p.step, lr: p.lr, sum: 0, count: 0 };
    this.group.sum += loss;
    this.group.count += 1;
  }

  private closeGroup(): void {
    if (!this.group) return;
    const loss = this.group.sum / this.group.count;
    const smoothed = this.smooth.add(loss);
    this.points.push({ lr: this.group.lr, loss, smoothed });
    this.group = undefined;
    if (this.watch.diverged(smoothed)) this.diverged = true;
  }
}
