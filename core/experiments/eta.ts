import { formatDuration } from '../progress.js';

/**
 * Estimates when an experiment ends from the epochs it has trained since it started: the epochs
 * left times the seconds per epoch seen so far (pooled over the trials running in parallel, so
 * parallelism is in the rate). Trial start-up and final evaluation are folded into that rate.
 */
export class EtaClock {
  private done = 0;
  private readonly started = Date.now();

  /** `totalEpochs`: epochs the experiment still had to train when it started. */
  constructor(private readonly totalEpochs: number) {}

  /** Counts `n` more epochs trained. */
  add(n: number): void {
    this.done += n;
  }

  /** Remaining time as m:ss (`--:--` before the first epoch). */
  text(now = Date.now()): string {
    if (this.done === 0) return '--:--';
    const perEpoch = (now - this.started) / 1000 / this.done;
    return formatDuration(perEpoch * Math.max(this.totalEpochs - this.done, 0));
  }
}
