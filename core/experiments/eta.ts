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

/**
 * Estimates when an experiment of time-budget trials ends (every trial has training.timeBudget, so
 * its epochs are unknown until it starts): the budget left of the running trials plus the whole
 * budget of the queued ones, spread over the trials trained at once.
 */
export class BudgetEtaClock {
  private readonly running = new Map<string, number>();
  private readonly queued: Set<string>;

  /** `budgets`: each trial still to train, with its budget in seconds; `parallel`: trials at once. */
  constructor(private readonly budgets: ReadonlyMap<string, number>, private readonly parallel: number) {
    this.queued = new Set(budgets.keys());
  }

  /** A trial started (a retry keeps the clock of its first start). */
  start(id: string, now = Date.now()): void {
    if (this.running.has(id)) return;
    this.queued.delete(id);
    this.running.set(id, now);
  }

  /** A trial ended: done, failed for good or interrupted. */
  end(id: string): void {
    this.running.delete(id);
    this.queued.delete(id);
  }

  /** Remaining time as m:ss. */
  text(now = Date.now()): string {
    const budget = (id: string) => this.budgets.get(id) ?? 0;
    const running = [...this.running].reduce((s, [id, t0]) => s + Math.max(0, budget(id) - (now - t0) / 1000), 0);
    const queued = [...this.queued].reduce((s, id) => s + budget(id), 0);
    const slots = Math.max(1, Math.min(this.parallel, this.running.size + this.queued.size));
    return formatDuration((running + queued) / slots);
  }
}
