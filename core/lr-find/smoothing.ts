/**
 * Exponential moving average of a loss with bias correction, as fastai's AvgSmoothLoss:
 * `avg = beta·avg + (1−beta)·loss`, reported as `avg / (1 − beta^n)` after n losses, so the
 * first values are not pulled towards the zero the average starts from.
 */
export class SmoothedLoss {
  private avg = 0;
  private count = 0;

  constructor(readonly beta = 0.98) {
    if (!(beta >= 0 && beta < 1)) throw new RangeError(`beta must be in [0, 1), got ${beta}`);
  }

  /** Adds one loss and returns the bias-corrected smoothed value. */
  add(loss: number): number {
    this.count += 1;
    this.avg = this.beta * this.avg + (1 - this.beta) * loss;
    return this.value;
  }

  /** The bias-corrected smoothed value (NaN before the first loss). */
  get value(): number {
    return this.count === 0 ? NaN : this.avg / (1 - this.beta ** this.count);
  }
}

/** The smoothed values of `losses`, one per loss (see SmoothedLoss). */
export function smoothLosses(losses: readonly number[], beta = 0.98): number[] {
  const s = new SmoothedLoss(beta);
  return losses.map((l) => s.add(l));
}

/**
 * The range test's stop rule (fastai's `stop_div`): stop once the smoothed loss is not finite or
 * exceeds `factor` times the best smoothed loss seen so far.
 */
export class DivergenceWatch {
  private best = Infinity;

  constructor(readonly factor = 4) {}

  /** Records one smoothed loss; true when the test should stop here. */
  diverged(smoothed: number): boolean {
    if (!Number.isFinite(smoothed)) return true;
    if (smoothed < this.best) this.best = smoothed;
    return smoothed > this.factor * this.best;
  }
}
