/** Small statistics helpers shared by the bench measurements. */

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Half the max-min spread of `values`, as a fraction of their median (0.05 = ±5%). */
export function relativeSpread(values: readonly number[]): number {
  if (values.length < 2) return 0;
  return (Math.max(...values) - Math.min(...values)) / 2 / median(values);
}

/** How a run of training steps is cut into timed windows. */
export interface StepPlan {
  /** Steps run before the first timed window (compilation, allocator warm-up). */
  readonly warmup: number;
  /** Steps in each timed window. */
  readonly steps: number;
  /** Number of timed windows (repeats). */
  readonly repeats: number;
  /** Images per step. */
  readonly batch: number;
}

/** Total steps a plan runs. */
export function totalSteps(plan: StepPlan): number {
  return plan.warmup + plan.steps * plan.repeats;
}

/**
 * Images per second of each timed window. `marks[0]` is the time (ms) just before the first step,
 * `marks[i + 1]` the time step `i` ended; window r spans steps `warmup + r*steps` to
 * `warmup + (r+1)*steps - 1`.
 */
export function windowRates(marks: readonly number[], plan: StepPlan): number[] {
  const needed = totalSteps(plan) + 1;
  if (marks.length < needed) throw new RangeError(`need ${needed} step marks, got ${marks.length}`);
  const rates: number[] = [];
  for (let r = 0; r < plan.repeats; r++) {
    const from = marks[plan.warmup + r * plan.steps]!;
    const to = marks[plan.warmup + (r + 1) * plan.steps]!;
    rates.push((plan.steps * plan.batch) / ((to - from) / 1000));
  }
  return rates;
}
