import jstat from 'jstat';

/** Arithmetic mean; NaN for no values. */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sample standard deviation (n − 1 in the denominator); NaN for fewer than two values. */
export function sampleStd(values: readonly number[]): number {
  if (values.length < 2) return NaN;
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
}

/**
 * The two-sided `confidence` quantile of Student's t with `df` degrees of freedom, t_{(1+c)/2, df}
 * (e.g. 12.706 for 95% and 1 df). jstat's inverse CDF (regularised incomplete beta inverted by
 * Newton's method) is used rather than a table so that any df works.
 */
export function tCritical(df: number, confidence = 0.95): number {
  if (!Number.isInteger(df) || df < 1) return NaN;
  return jstat.studentt.inv((1 + confidence) / 2, df);
}

/** A mean with its confidence interval; low/high are NaN when there are too few values for one. */
export interface Interval {
  readonly n: number;
  readonly mean: number;
  readonly low: number;
  readonly high: number;
}

/**
 * Paired confidence interval of the mean difference: mean(d) ± t_{(1+c)/2, n−1} · sd(d)/√n over the
 * per-pair differences `diffs` (the paired t interval; n ≥ 2).
 */
export function pairedInterval(diffs: readonly number[], confidence = 0.95): Interval {
  const n = diffs.length;
  const m = mean(diffs);
  const half = tCritical(n - 1, confidence) * (sampleStd(diffs) / Math.sqrt(n));
  return { n, mean: m, low: m - half, high: m + half };
}

/** Whether an interval lies entirely on one side of zero (a difference the seeds resolve). */
export function excludesZero(interval: Interval): boolean {
  return interval.low > 0 || interval.high < 0;
}
